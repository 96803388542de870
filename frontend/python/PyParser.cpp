//===- PyParser.cpp - Python statements -----------------------------------===//
//
// Implements parseTokens() and the statement half of the parser (see
// PyParserImpl.h): simple statements (expression, assignment, augmented and
// annotated assignment, import forms, pass, return, break, continue, raise,
// assert, del, global, nonlocal) and compound ones (if/elif/else, while and
// for with else, try/except/else/finally, with, def with decorators, every
// kind of parameter and annotations, class, and their async forms). Only
// what CPython rejects at compile time is an error here.
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyParserImpl.h"

namespace kiln::frontend::python {
namespace detail {

bool Parser::parseFile(std::vector<StmtP> &out) {
  while (!cur().is(TK::End)) {
    if (cur().is(TK::Newline)) {
      advance();
      continue;
    }
    if (!parseStatement(out))
      return false;
  }
  return !failed;
}

bool Parser::parseStatement(std::vector<StmtP> &out) {
  Guard g(*this);
  if (!g.ok)
    return false;
  const Token &t = cur();
  if (t.is(TK::Indent)) {
    unexpected();
    return false;
  }
  StmtP s;
  if (t.isOp("@")) {
    std::vector<ExprP> decorators;
    while (cur().isOp("@")) {
      advance();
      ExprP d = parseNamedExpr();
      if (!d)
        return false;
      decorators.push_back(std::move(d));
      if (!cur().is(TK::Newline)) {
        unexpected();
        return false;
      }
      advance();
    }
    if (cur().isName("def"))
      s = parseDef(std::move(decorators), false);
    else if (cur().isName("async") && peek().isName("def")) {
      advance();
      s = parseDef(std::move(decorators), true);
    } else if (cur().isName("class"))
      s = parseClass(std::move(decorators));
    else
      return fail(cur().loc(), "invalid syntax: a decorator must be followed "
                               "by def or class"),
             false;
  } else if (t.isName("def")) {
    s = parseDef({}, false);
  } else if (t.isName("class")) {
    s = parseClass({});
  } else if (t.isName("if")) {
    s = parseIf();
  } else if (t.isName("while")) {
    s = parseWhile();
  } else if (t.isName("for")) {
    s = parseFor(false);
  } else if (t.isName("try")) {
    s = parseTry();
  } else if (t.isName("with")) {
    s = parseWith(false);
  } else if (t.isName("async")) {
    advance();
    if (cur().isName("def"))
      s = parseDef({}, true);
    else if (cur().isName("for"))
      s = parseFor(true);
    else if (cur().isName("with"))
      s = parseWith(true);
    else
      return unexpected(), false;
  } else if (t.isName("elif") || t.isName("else") || t.isName("except") ||
             t.isName("finally")) {
    return fail(t.loc(), "invalid syntax: '" + t.text.str() +
                             "' without a matching statement"),
           false;
  } else {
    return parseSimple(out);
  }
  if (!s)
    return false;
  out.push_back(std::move(s));
  return true;
}

/// simple_stmt (';' simple_stmt)* [';'] NEWLINE
bool Parser::parseSimple(std::vector<StmtP> &out) {
  while (true) {
    StmtP s = parseSmall();
    if (!s)
      return false;
    out.push_back(std::move(s));
    if (cur().isOp(";")) {
      advance();
      if (cur().is(TK::Newline))
        break;
      continue;
    }
    break;
  }
  if (!cur().is(TK::Newline)) {
    unexpected();
    return false;
  }
  advance();
  return true;
}

StmtP Parser::parseSmall() {
  const Token &t = cur();
  auto make = [&](Stmt::Kind kind) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->loc = t.loc();
    advance();
    return s;
  };
  auto atEnd = [&] { return cur().is(TK::Newline) || cur().isOp(";"); };
  if (t.isName("import"))
    return parseImport();
  if (t.isName("from"))
    return parseFromImport();
  if (t.isName("pass"))
    return make(Stmt::Kind::Pass);
  if (t.isName("break") || t.isName("continue")) {
    if (loopDepth == 0)
      return fail(t.loc(), "'" + t.text.str() + "' outside loop");
    return make(t.isName("break") ? Stmt::Kind::Break : Stmt::Kind::Continue);
  }
  if (t.isName("return")) {
    if (defDepth == 0)
      return fail(t.loc(), "'return' outside function");
    StmtP s = make(Stmt::Kind::Return);
    if (!atEnd() && !(s->value = parseTestList(true)))
      return nullptr;
    return s;
  }
  if (t.isName("raise")) {
    StmtP s = make(Stmt::Kind::Raise);
    if (atEnd())
      return s;
    if (!(s->value = parseTest()))
      return nullptr;
    if (cur().isName("from")) {
      advance();
      ExprP cause = parseTest();
      if (!cause)
        return nullptr;
      s->targets.push_back(std::move(cause));
    }
    return s;
  }
  if (t.isName("assert")) {
    StmtP s = make(Stmt::Kind::Assert);
    if (!(s->value = parseTest()))
      return nullptr;
    if (cur().isOp(",")) {
      advance();
      ExprP msg = parseTest();
      if (!msg)
        return nullptr;
      s->targets.push_back(std::move(msg));
    }
    return s;
  }
  if (t.isName("del")) {
    StmtP s = make(Stmt::Kind::Del);
    while (true) {
      ExprP target = parseBitOr();
      if (!target)
        return nullptr;
      s->targets.push_back(std::move(target));
      if (!cur().isOp(","))
        break;
      advance();
      if (atEnd())
        break;
    }
    return s;
  }
  if (t.isName("global") || t.isName("nonlocal")) {
    StmtP s = make(t.isName("global") ? Stmt::Kind::Global
                                      : Stmt::Kind::Nonlocal);
    if (s->kind == Stmt::Kind::Nonlocal && defDepth == 0)
      return fail(s->loc, "nonlocal declaration not allowed at module level");
    while (true) {
      if (!atName())
        return fail(cur().loc(), "invalid syntax: expected a name");
      ImportName n;
      n.dotted = cur().text.str();
      n.loc = cur().loc();
      s->names.push_back(std::move(n));
      advance();
      if (!cur().isOp(","))
        break;
      advance();
    }
    return s;
  }
  if (t.is(TK::Name) && isKeyword(t.text) &&
      !(t.isName("None") || t.isName("True") || t.isName("False") ||
        t.isName("not") || t.isName("lambda") || t.isName("await") ||
        t.isName("yield")))
    return unexpected();
  return parseExprStmt();
}

bool Parser::parseDotted(std::string &out) {
  if (!atName()) {
    fail(cur().loc(), "invalid syntax: expected a module name");
    return false;
  }
  out = cur().text.str();
  advance();
  while (cur().isOp(".")) {
    advance();
    if (!atName()) {
      fail(cur().loc(), "invalid syntax: expected a module name");
      return false;
    }
    out += "." + cur().text.str();
    advance();
  }
  return true;
}

/// import a.b [as c] (',' ...)*
StmtP Parser::parseImport() {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::Import;
  s->loc = cur().loc();
  advance();
  while (true) {
    ImportName n;
    n.loc = cur().loc();
    if (!parseDotted(n.dotted))
      return nullptr;
    if (cur().isName("as")) {
      advance();
      if (!atName())
        return fail(cur().loc(), "invalid syntax: expected a name after 'as'");
      n.as = cur().text.str();
      advance();
    }
    s->names.push_back(std::move(n));
    if (!cur().isOp(","))
      break;
    advance();
  }
  return s;
}

/// from [.]*module import (names | '(' names ')' | '*')
StmtP Parser::parseFromImport() {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::ImportFrom;
  s->loc = cur().loc();
  advance();
  while (cur().isOp(".") || cur().isOp("...")) {
    s->level += cur().text.size();
    advance();
  }
  if (!cur().isName("import") && !parseDotted(s->module))
    return nullptr;
  if (!cur().isName("import"))
    return fail(cur().loc(), "invalid syntax: expected 'import'");
  advance();
  if (cur().isOp("*")) {
    s->star = true;
    advance();
    return s;
  }
  bool paren = cur().isOp("(");
  if (paren)
    advance();
  while (true) {
    ImportName n;
    n.loc = cur().loc();
    if (!atName())
      return fail(cur().loc(), "invalid syntax: expected a name to import");
    n.dotted = cur().text.str();
    advance();
    if (cur().isName("as")) {
      advance();
      if (!atName())
        return fail(cur().loc(), "invalid syntax: expected a name after 'as'");
      n.as = cur().text.str();
      advance();
    }
    s->names.push_back(std::move(n));
    if (!cur().isOp(","))
      break;
    advance();
    if (paren && cur().isOp(")"))
      break;
  }
  if (paren && !expectOp(")"))
    return nullptr;
  return s;
}

/// testlist (('=' (yield | testlist))* | augop (yield | testlist) |
/// ':' test ['=' (yield | testlist)])
StmtP Parser::parseExprStmt() {
  auto s = std::make_unique<Stmt>();
  s->loc = cur().loc();
  auto rhs = [&]() -> ExprP {
    return cur().isName("yield") ? parseYield() : parseTestList(true);
  };
  ExprP first = rhs();
  if (!first)
    return nullptr;
  static const char *const augOps[] = {"+=", "-=", "*=", "/=", "//=",
                                       "%=", "**=", "@=", "&=", "|=",
                                       "^=", ">>=", "<<="};
  for (const char *op : augOps) {
    if (cur().isOp(op)) {
      advance();
      s->kind = Stmt::Kind::AugAssign;
      s->op = llvm::StringRef(op).drop_back().str();
      s->targets.push_back(std::move(first));
      s->value = rhs();
      return s->value ? std::move(s) : nullptr;
    }
  }
  if (cur().isOp(":")) {
    advance();
    s->kind = Stmt::Kind::AnnAssign;
    s->targets.push_back(std::move(first));
    if (!(s->annotation = parseTest()))
      return nullptr;
    if (cur().isOp("=")) {
      advance();
      if (!(s->value = rhs()))
        return nullptr;
    }
    return s;
  }
  if (!cur().isOp("=")) {
    s->kind = Stmt::Kind::Expr;
    s->value = std::move(first);
    return s;
  }
  s->kind = Stmt::Kind::Assign;
  s->targets.push_back(std::move(first));
  while (cur().isOp("=")) {
    advance();
    ExprP next = rhs();
    if (!next)
      return nullptr;
    s->targets.push_back(std::move(next));
  }
  s->value = std::move(s->targets.back());
  s->targets.pop_back();
  return s;
}

/// NEWLINE INDENT stmt+ DEDENT, or simple statements on the same line.
bool Parser::parseBlock(std::vector<StmtP> &body) {
  Guard g(*this);
  if (!g.ok)
    return false;
  if (!expectOp(":"))
    return false;
  if (!cur().is(TK::Newline))
    return parseSimple(body);
  advance();
  if (!cur().is(TK::Indent)) {
    fail(cur().loc(), "expected an indented block");
    return false;
  }
  advance();
  while (!cur().is(TK::Dedent) && !cur().is(TK::End)) {
    if (cur().is(TK::Newline)) {
      advance();
      continue;
    }
    if (!parseStatement(body))
      return false;
  }
  advance();
  return true;
}

bool Parser::parseLoopBody(std::vector<StmtP> &body) {
  ++loopDepth;
  bool ok = parseBlock(body);
  --loopDepth;
  return ok;
}

/// Parameters up to `close`: [a [: ann] [= d], ...] [/] [*[args] | **kw].
bool Parser::parseParams(std::vector<Param> &params, llvm::StringRef close,
                         bool annotations) {
  bool star = false, kwSeen = false;
  while (!cur().isOp(close)) {
    Param p;
    p.loc = cur().loc();
    if (kwSeen) {
      fail(p.loc, "arguments cannot follow var-keyword argument");
      return false;
    }
    if (cur().isOp("/")) {
      if (params.empty() || star) {
        fail(p.loc, "invalid syntax: unexpected '/'");
        return false;
      }
      advance();
    } else {
      if (cur().isOp("*") || cur().isOp("**")) {
        bool two = cur().isOp("**");
        if (!two && star) {
          fail(p.loc, "* argument may appear only once");
          return false;
        }
        advance();
        star |= !two;
        kwSeen = two;
        p.kind = two ? Param::Kind::VarKw : Param::Kind::VarArgs;
        if (!two && (cur().isOp(",") || cur().isOp(close))) {
          p.name.clear(); // a bare * before keyword-only parameters
        } else if (!atName()) {
          fail(cur().loc(), "invalid syntax: expected a parameter name");
          return false;
        }
      } else if (star) {
        p.kind = Param::Kind::KwOnly;
      }
      if (atName()) {
        p.name = cur().text.str();
        advance();
      } else if (p.kind != Param::Kind::VarArgs) {
        fail(cur().loc(), "invalid syntax: expected a parameter name");
        return false;
      }
      if (annotations && cur().isOp(":")) {
        advance();
        if (!(p.kind == Param::Kind::VarArgs ? parseStarOr(&Parser::parseTest)
                                             : parseTest()))
          return false;
      }
      if (cur().isOp("=")) {
        if (p.kind == Param::Kind::VarArgs || p.kind == Param::Kind::VarKw) {
          fail(cur().loc(), "var-positional or var-keyword argument cannot "
                            "have a default value");
          return false;
        }
        advance();
        if (!(p.defaultValue = parseTest()))
          return false;
      } else if (p.kind == Param::Kind::Normal && !params.empty() &&
                 params.back().kind == Param::Kind::Normal &&
                 params.back().defaultValue) {
        fail(p.loc, "non-default argument follows default argument");
        return false;
      }
      for (const Param &q : params)
        if (!p.name.empty() && q.name == p.name) {
          fail(p.loc, "duplicate argument '" + p.name +
                          "' in function definition");
          return false;
        }
      params.push_back(std::move(p));
    }
    if (!cur().isOp(","))
      break;
    advance();
  }
  return true;
}

/// [async] def name(params) [-> test]: block
StmtP Parser::parseDef(std::vector<ExprP> decorators, bool isAsync) {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::Def;
  s->loc = cur().loc();
  s->isAsync = isAsync;
  s->decorators = std::move(decorators);
  advance();
  if (!atName())
    return fail(cur().loc(), "invalid syntax: expected a function name");
  s->name = cur().text.str();
  advance();
  if (!expectOp("(") || !parseParams(s->params, ")", true) || !expectOp(")"))
    return nullptr;
  if (cur().isOp("->")) {
    advance();
    if (!(s->annotation = parseTest()))
      return nullptr;
  }
  Stmt *savedDef = curDef;
  int savedLoops = loopDepth;
  curDef = s.get();
  loopDepth = 0;
  ++defDepth;
  bool ok = parseBlock(s->body);
  --defDepth;
  curDef = savedDef;
  loopDepth = savedLoops;
  return ok ? std::move(s) : nullptr;
}

/// class name ['(' bases ')']: block
StmtP Parser::parseClass(std::vector<ExprP> decorators) {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::Class;
  s->loc = cur().loc();
  s->decorators = std::move(decorators);
  advance();
  if (!atName())
    return fail(cur().loc(), "invalid syntax: expected a class name");
  s->name = cur().text.str();
  llvm::SMLoc nameLoc = cur().loc();
  advance();
  if (cur().isOp("(")) {
    ExprP callee = node(Expr::Kind::Name, nameLoc);
    ExprP bases = parseCallArgs(std::move(callee));
    if (!bases)
      return nullptr;
    // Bases are the positionals; keywords (metaclass=...) are kept as a
    // call so that running the class can refuse them.
    for (size_t k = 1; k < bases->items.size(); ++k)
      s->targets.push_back(std::move(bases->items[k]));
    if (!bases->kwNames.empty())
      s->annotation = std::move(bases);
  }
  Stmt *savedDef = curDef;
  int savedDefs = defDepth, savedLoops = loopDepth;
  curDef = nullptr;
  defDepth = 0;
  loopDepth = 0;
  bool ok = parseBlock(s->body);
  curDef = savedDef;
  defDepth = savedDefs;
  loopDepth = savedLoops;
  return ok ? std::move(s) : nullptr;
}

/// if test: block (elif test: block)* [else: block]
StmtP Parser::parseIf() {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::If;
  s->loc = cur().loc();
  advance();
  if (!(s->value = parseNamedExpr()) || !parseBlock(s->body))
    return nullptr;
  if (cur().isName("elif")) {
    StmtP elif = parseIf(); // the same production, starting at 'elif'
    if (!elif)
      return nullptr;
    s->orelse.push_back(std::move(elif));
  } else if (cur().isName("else")) {
    advance();
    if (!parseBlock(s->orelse))
      return nullptr;
  }
  return s;
}

/// while test: block [else: block]
StmtP Parser::parseWhile() {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::While;
  s->loc = cur().loc();
  advance();
  if (!(s->value = parseNamedExpr()) || !parseLoopBody(s->body))
    return nullptr;
  if (cur().isName("else")) {
    advance();
    if (!parseBlock(s->orelse))
      return nullptr;
  }
  return s;
}

/// [async] for targets in testlist: block [else: block]
StmtP Parser::parseFor(bool isAsync) {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::For;
  s->loc = cur().loc();
  s->isAsync = isAsync;
  advance();
  ExprP target = parseTargetList();
  if (!target)
    return nullptr;
  s->targets.push_back(std::move(target));
  if (!cur().isName("in"))
    return fail(cur().loc(), "invalid syntax: expected 'in'");
  advance();
  if (!(s->value = parseTestList(true)) || !parseLoopBody(s->body))
    return nullptr;
  if (cur().isName("else")) {
    advance();
    if (!parseBlock(s->orelse))
      return nullptr;
  }
  return s;
}

/// [async] with item [as target] (',' ...)*: block
StmtP Parser::parseWith(bool isAsync) {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::With;
  s->loc = cur().loc();
  s->isAsync = isAsync;
  advance();
  while (true) {
    ExprP item = parseTest();
    if (!item)
      return nullptr;
    ExprP target;
    if (cur().isName("as")) {
      advance();
      if (!(target = parseBitOr())) // one target: a comma ends the item
        return nullptr;
    }
    s->targets.push_back(std::move(item));
    s->withTargets.push_back(std::move(target));
    if (!cur().isOp(","))
      break;
    advance();
  }
  if (!parseBlock(s->body))
    return nullptr;
  return s;
}

/// try: block (except [test [as NAME]]: block)* [else: block]
/// [finally: block]
StmtP Parser::parseTry() {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::Try;
  s->loc = cur().loc();
  advance();
  if (!parseBlock(s->body))
    return nullptr;
  while (cur().isName("except")) {
    Handler h;
    h.loc = cur().loc();
    advance();
    if (cur().isOp("*"))
      advance(); // except* (exception groups)
    if (!cur().isOp(":")) {
      if (!(h.type = parseTest()))
        return nullptr;
      if (cur().isName("as")) {
        advance();
        if (!atName())
          return fail(cur().loc(), "invalid syntax: expected a name after "
                                   "'as'");
        h.name = cur().text.str();
        advance();
      }
    }
    if (!parseBlock(h.body))
      return nullptr;
    s->handlers.push_back(std::move(h));
  }
  if (cur().isName("else")) {
    if (s->handlers.empty())
      return fail(cur().loc(), "invalid syntax: 'else' of a try needs an "
                               "'except'");
    advance();
    if (!parseBlock(s->orelse))
      return nullptr;
  }
  if (cur().isName("finally")) {
    advance();
    if (!parseBlock(s->finalbody))
      return nullptr;
  }
  if (s->handlers.empty() && s->finalbody.empty())
    return fail(cur().loc(), "invalid syntax: expected 'except' or "
                             "'finally' block");
  return s;
}

} // namespace detail

bool parseTokens(const std::vector<Token> &tokens, std::vector<StmtP> &out,
                 Diag &err) {
  if (tokens.empty()) {
    err.msg = "internal error: no tokens";
    return false;
  }
  detail::Parser parser(tokens, err);
  return parser.parseFile(out);
}

} // namespace kiln::frontend::python
