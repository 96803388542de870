//===- PyParseExpr.cpp - Python expressions -------------------------------===//
//
// The expression half of the parser (see PyParserImpl.h): Python 3's whole
// expression grammar, from lambda and conditional expressions down through
// boolean operators, chained comparisons, bitwise and arithmetic operators,
// await, calls with * and ** arguments, subscripts and slices, to atoms:
// literals, f-strings (their replacement fields parsed as expressions at
// their place in the file), tuples, lists, dicts and sets, and all four
// kinds of comprehension. Left-associative chains are built without
// recursion; every node records its depth (see the file comment there).
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyParserImpl.h"

#include "llvm/ADT/StringSwitch.h"

namespace kiln::frontend::python::detail {

std::nullptr_t Parser::unexpected() {
  const Token &t = cur();
  switch (t.kind) {
  case TK::Newline:
    return fail(t.loc(), "invalid syntax: unexpected end of line");
  case TK::End:
    return fail(t.loc(), "invalid syntax: unexpected end of file");
  case TK::Indent:
    return fail(t.loc(), "unexpected indent");
  case TK::Dedent:
    return fail(t.loc(), "invalid syntax: unexpected unindent");
  default:
    return fail(t.loc(), "invalid syntax: unexpected '" + t.text.str() + "'");
  }
}

bool Parser::expectOp(llvm::StringRef op) {
  if (cur().isOp(op)) {
    advance();
    return true;
  }
  if (!failed) {
    if (cur().is(TK::Op) || cur().is(TK::Name) || cur().is(TK::Int) ||
        cur().is(TK::Float) || cur().is(TK::String))
      fail(cur().loc(), "invalid syntax: expected '" + op.str() + "' before '" +
                            cur().text.str() + "'");
    else
      fail(cur().loc(), "invalid syntax: expected '" + op.str() + "'");
  }
  return false;
}

bool Parser::isKeyword(llvm::StringRef s) {
  return llvm::StringSwitch<bool>(s)
      .Cases("False", "None", "True", "and", "as", "assert", "async", true)
      .Cases("await", "break", "class", "continue", "def", "del", true)
      .Cases("elif", "else", "except", "finally", "for", "from", true)
      .Cases("global", "if", "import", "in", "is", "lambda", true)
      .Cases("nonlocal", "not", "or", "pass", "raise", "return", true)
      .Cases("try", "while", "with", "yield", true)
      .Default(false);
}

/// Sets the node's end and depth; fails when the tree is too deep.
ExprP Parser::finish(ExprP e) {
  e->end = prevEnd();
  int d = 0;
  auto see = [&](const ExprP &c) {
    if (c)
      d = std::max(d, c->depth);
  };
  for (auto &c : e->items)
    see(c);
  for (auto &c : e->kwValues)
    see(c);
  for (auto &c : e->comp) {
    see(c.target);
    see(c.iter);
    for (auto &x : c.conds)
      see(x);
  }
  if (e->lambda) {
    for (auto &p : e->lambda->params)
      see(p.defaultValue);
    for (auto &s : e->lambda->body)
      see(s->value);
  }
  e->depth = d + 1;
  if (e->depth > kMaxDepth)
    return fail(e->loc, "expression is nested too deeply");
  return e;
}

/// A left-associative chain `sub (op sub)*`, built without recursion; the
/// depth stored in each node bounds it instead.
ExprP Parser::parseChain(ExprP (Parser::*sub)(),
                         std::initializer_list<const char *> ops) {
  llvm::SMLoc loc = cur().loc();
  ExprP l = (this->*sub)();
  while (l) {
    const char *op = nullptr;
    for (const char *o : ops)
      if (cur().isOp(o) || cur().isName(o))
        op = o;
    if (!op)
      break;
    advance();
    ExprP r = (this->*sub)();
    if (!r)
      return nullptr;
    ExprP n = node(Expr::Kind::BinOp, loc);
    n->text = op;
    n->items.push_back(std::move(l));
    n->items.push_back(std::move(r));
    l = finish(std::move(n));
  }
  return l;
}

/// `*x` (where allowed) or sub.
ExprP Parser::parseStarOr(ExprP (Parser::*sub)()) {
  if (!cur().isOp("*"))
    return (this->*sub)();
  llvm::SMLoc loc = cur().loc();
  advance();
  ExprP v = parseBitOr();
  if (!v)
    return nullptr;
  ExprP n = node(Expr::Kind::Starred, loc);
  n->text = "*";
  n->items.push_back(std::move(v));
  return finish(std::move(n));
}

/// test (',' test)* [','] -> a Tuple when there is a comma.
ExprP Parser::parseTestList(bool allowStar) {
  llvm::SMLoc loc = cur().loc();
  ExprP first = allowStar ? parseStarOr(&Parser::parseTest) : parseTest();
  if (!first || !cur().isOp(","))
    return first;
  ExprP tup = node(Expr::Kind::Tuple, loc);
  tup->items.push_back(std::move(first));
  while (cur().isOp(",")) {
    advance();
    if (cur().is(TK::Newline) || cur().isOp("=") || cur().isOp(")") ||
        cur().isOp(";") || cur().isOp(":") || cur().is(TK::End) ||
        cur().isOp("]") || cur().isOp("}"))
      break;
    ExprP next = allowStar ? parseStarOr(&Parser::parseTest) : parseTest();
    if (!next)
      return nullptr;
    tup->items.push_back(std::move(next));
  }
  return finish(std::move(tup));
}

/// The target list of `for` and of comprehensions; stops at 'in'.
ExprP Parser::parseTargetList() {
  llvm::SMLoc loc = cur().loc();
  std::vector<ExprP> targets;
  bool comma = false;
  while (true) {
    ExprP t = parseStarOr(&Parser::parseBitOr);
    if (!t)
      return nullptr;
    targets.push_back(std::move(t));
    if (!cur().isOp(","))
      break;
    comma = true;
    advance();
    if (cur().isName("in"))
      break;
  }
  if (!comma)
    return std::move(targets[0]);
  ExprP tup = node(Expr::Kind::Tuple, loc);
  tup->items = std::move(targets);
  return finish(std::move(tup));
}

/// NAME ':=' test | test
ExprP Parser::parseNamedExpr() {
  if (!(atName() && peek().isOp(":=")))
    return parseTest();
  llvm::SMLoc loc = cur().loc();
  ExprP name = node(Expr::Kind::Name, loc);
  name->text = cur().text.str();
  advance();
  name = finish(std::move(name));
  advance();
  ExprP value = parseTest();
  if (!value)
    return nullptr;
  ExprP n = node(Expr::Kind::NamedExpr, loc);
  n->items.push_back(std::move(name));
  n->items.push_back(std::move(value));
  return finish(std::move(n));
}

/// or_test ['if' or_test 'else' test] | lambda
ExprP Parser::parseTest() {
  Guard g(*this);
  if (!g.ok)
    return nullptr;
  if (cur().isName("lambda"))
    return parseLambda();
  llvm::SMLoc loc = cur().loc();
  ExprP e = parseOr();
  if (!e || !cur().isName("if"))
    return e;
  advance();
  ExprP cond = parseOr();
  if (!cond)
    return nullptr;
  if (!cur().isName("else"))
    return fail(cur().loc(), "invalid syntax: expected 'else'");
  advance();
  ExprP other = parseTest();
  if (!other)
    return nullptr;
  ExprP n = node(Expr::Kind::IfExp, loc);
  n->items.push_back(std::move(cond));
  n->items.push_back(std::move(e));
  n->items.push_back(std::move(other));
  return finish(std::move(n));
}

/// lambda [params]: test -- a Def whose body is `return test`.
ExprP Parser::parseLambda() {
  llvm::SMLoc loc = cur().loc();
  advance();
  auto def = std::make_shared<Stmt>();
  def->kind = Stmt::Kind::Def;
  def->loc = loc;
  def->name = "<lambda>";
  if (!parseParams(def->params, ":", false) || !expectOp(":"))
    return nullptr;
  auto ret = std::make_unique<Stmt>();
  ret->kind = Stmt::Kind::Return;
  ret->loc = cur().loc();
  ++defDepth;
  ret->value = parseTest();
  --defDepth;
  if (!ret->value)
    return nullptr;
  def->body.push_back(std::move(ret));
  ExprP n = node(Expr::Kind::Lambda, loc);
  n->lambda = std::move(def);
  return finish(std::move(n));
}

ExprP Parser::parseOr() { return parseChain(&Parser::parseAnd, {"or"}); }
ExprP Parser::parseAnd() { return parseChain(&Parser::parseNot, {"and"}); }
ExprP Parser::parseBitOr() { return parseChain(&Parser::parseBitXor, {"|"}); }
ExprP Parser::parseBitXor() { return parseChain(&Parser::parseBitAnd, {"^"}); }
ExprP Parser::parseBitAnd() { return parseChain(&Parser::parseShift, {"&"}); }
ExprP Parser::parseShift() {
  return parseChain(&Parser::parseArith, {"<<", ">>"});
}
ExprP Parser::parseArith() {
  return parseChain(&Parser::parseTerm, {"+", "-"});
}
ExprP Parser::parseTerm() {
  return parseChain(&Parser::parseFactor, {"*", "/", "//", "%", "@"});
}

ExprP Parser::parseNot() {
  Guard g(*this);
  if (!g.ok)
    return nullptr;
  if (!cur().isName("not"))
    return parseComparison();
  llvm::SMLoc loc = cur().loc();
  advance();
  ExprP operand = parseNot();
  if (!operand)
    return nullptr;
  ExprP n = node(Expr::Kind::Unary, loc);
  n->text = "not";
  n->items.push_back(std::move(operand));
  return finish(std::move(n));
}

/// bitor (compop bitor)*: one Compare node holding the whole chain, which
/// Python evaluates as a < b and b < c with b evaluated once.
ExprP Parser::parseComparison() {
  llvm::SMLoc loc = cur().loc();
  ExprP first = parseBitOr();
  if (!first)
    return nullptr;
  ExprP n;
  while (true) {
    std::string op;
    const Token &t = cur();
    if (t.isOp("<") || t.isOp(">") || t.isOp("==") || t.isOp(">=") ||
        t.isOp("<=") || t.isOp("!=")) {
      op = t.text.str();
      advance();
    } else if (t.isName("in")) {
      op = "in";
      advance();
    } else if (t.isName("not") && peek().isName("in")) {
      op = "not in";
      advance();
      advance();
    } else if (t.isName("is")) {
      advance();
      op = "is";
      if (cur().isName("not")) {
        op = "is not";
        advance();
      }
    } else {
      break;
    }
    if (!n) {
      n = node(Expr::Kind::Compare, loc);
      n->items.push_back(std::move(first));
    }
    ExprP r = parseBitOr();
    if (!r)
      return nullptr;
    n->strs.push_back(op);
    n->items.push_back(std::move(r));
  }
  return n ? finish(std::move(n)) : std::move(first);
}

ExprP Parser::parseFactor() {
  Guard g(*this);
  if (!g.ok)
    return nullptr;
  if (cur().isOp("-") || cur().isOp("+") || cur().isOp("~")) {
    llvm::SMLoc loc = cur().loc();
    std::string op = cur().text.str();
    advance();
    ExprP operand = parseFactor();
    if (!operand)
      return nullptr;
    ExprP n = node(Expr::Kind::Unary, loc);
    n->text = op;
    n->items.push_back(std::move(operand));
    return finish(std::move(n));
  }
  return parsePower();
}

/// ['await'] atom trailer* ['**' factor]
ExprP Parser::parsePower() {
  llvm::SMLoc loc = cur().loc();
  bool await = cur().isName("await");
  if (await)
    advance();
  ExprP e = parseAtom();
  while (e) {
    if (cur().isOp("(")) {
      e = parseCallArgs(std::move(e));
    } else if (cur().isOp("[")) {
      advance();
      llvm::SMLoc iloc = cur().loc();
      ExprP index = parseSubscriptItem();
      if (index && cur().isOp(",")) {
        ExprP tup = node(Expr::Kind::Tuple, iloc);
        tup->items.push_back(std::move(index));
        while (cur().isOp(",")) {
          advance();
          if (cur().isOp("]"))
            break;
          ExprP next = parseSubscriptItem();
          if (!next)
            return nullptr;
          tup->items.push_back(std::move(next));
        }
        index = finish(std::move(tup));
      }
      if (!index || !expectOp("]"))
        return nullptr;
      ExprP n = node(Expr::Kind::Subscript, loc);
      n->items.push_back(std::move(e));
      n->items.push_back(std::move(index));
      e = finish(std::move(n));
    } else if (cur().isOp(".")) {
      advance();
      if (!atName())
        return fail(cur().loc(),
                    "invalid syntax: expected an attribute name after '.'");
      ExprP n = node(Expr::Kind::Attr, loc);
      n->text = cur().text.str();
      advance();
      n->items.push_back(std::move(e));
      e = finish(std::move(n));
    } else {
      break;
    }
  }
  if (e && await) {
    ExprP n = node(Expr::Kind::Await, loc);
    n->items.push_back(std::move(e));
    e = finish(std::move(n));
  }
  if (e && cur().isOp("**")) {
    advance();
    ExprP r = parseFactor();
    if (!r)
      return nullptr;
    ExprP n = node(Expr::Kind::BinOp, loc);
    n->text = "**";
    n->items.push_back(std::move(e));
    n->items.push_back(std::move(r));
    e = finish(std::move(n));
  }
  return e;
}

/// ('for' targets 'in' or_test ('if' or_test)*)+ -- `async for` included.
bool Parser::parseCompFor(std::vector<CompFor> &out) {
  while (cur().isName("for") ||
         (cur().isName("async") && peek().isName("for"))) {
    if (cur().isName("async"))
      advance();
    advance();
    CompFor c;
    c.target = parseTargetList();
    if (!c.target)
      return false;
    if (!cur().isName("in")) {
      fail(cur().loc(), "invalid syntax: expected 'in'");
      return false;
    }
    advance();
    c.iter = parseOr();
    if (!c.iter)
      return false;
    while (cur().isName("if")) {
      advance();
      ExprP cond = parseOr();
      if (!cond)
        return false;
      c.conds.push_back(std::move(cond));
    }
    out.push_back(std::move(c));
  }
  return true;
}

/// '(' args ')' with positional, `*x`, `name=v`, `**x` and a lone generator
/// expression.
ExprP Parser::parseCallArgs(ExprP callee) {
  ExprP call = node(Expr::Kind::Call, callee->loc);
  call->items.push_back(std::move(callee));
  advance();
  bool kwUnpacked = false;
  while (!cur().isOp(")")) {
    llvm::SMLoc aloc = cur().loc();
    if (cur().isOp("**")) {
      advance();
      ExprP v = parseTest();
      if (!v)
        return nullptr;
      call->kwNames.push_back("**");
      call->kwLocs.push_back(aloc);
      call->kwValues.push_back(std::move(v));
      kwUnpacked = true;
    } else if (cur().isOp("*")) {
      ExprP v = parseStarOr(&Parser::parseTest);
      if (!v)
        return nullptr;
      if (kwUnpacked)
        return fail(aloc, "iterable argument unpacking follows keyword "
                          "argument unpacking");
      call->items.push_back(std::move(v));
    } else if (atName() && peek().isOp("=")) {
      std::string name = cur().text.str();
      for (const std::string &k : call->kwNames)
        if (k == name)
          return fail(aloc, "keyword argument repeated: " + name);
      advance();
      advance();
      ExprP v = parseTest();
      if (!v)
        return nullptr;
      call->kwNames.push_back(std::move(name));
      call->kwLocs.push_back(aloc);
      call->kwValues.push_back(std::move(v));
    } else {
      if (!call->kwNames.empty())
        return fail(aloc, kwUnpacked ? "positional argument follows keyword "
                                       "argument unpacking"
                                     : "positional argument follows keyword "
                                       "argument");
      ExprP v = parseNamedExpr();
      if (!v)
        return nullptr;
      if (cur().isName("for") || cur().isName("async")) {
        ExprP gen = node(Expr::Kind::Comp, aloc);
        gen->text = "gen";
        gen->items.push_back(std::move(v));
        if (!parseCompFor(gen->comp))
          return nullptr;
        v = finish(std::move(gen));
        if (!v)
          return nullptr;
        if (call->items.size() > 1 || !cur().isOp(")"))
          return fail(aloc, "generator expression must be parenthesized");
      }
      call->items.push_back(std::move(v));
    }
    if (!cur().isOp(","))
      break;
    advance();
  }
  if (!expectOp(")"))
    return nullptr;
  return finish(std::move(call));
}

/// test | [test] ':' [test] [':' [test]]
ExprP Parser::parseSubscriptItem() {
  llvm::SMLoc loc = cur().loc();
  ExprP lower;
  if (!cur().isOp(":")) {
    lower = cur().isOp("*") ? parseStarOr(&Parser::parseTest)
                            : parseNamedExpr();
    if (!lower || !cur().isOp(":"))
      return lower;
  }
  ExprP s = node(Expr::Kind::Slice, loc);
  advance();
  ExprP upper, step;
  auto ends = [&] {
    return cur().isOp("]") || cur().isOp(",") || cur().isOp(":");
  };
  if (!ends() && !(upper = parseTest()))
    return nullptr;
  if (cur().isOp(":")) {
    advance();
    if (!ends() && !(step = parseTest()))
      return nullptr;
  }
  s->items.push_back(std::move(lower));
  s->items.push_back(std::move(upper));
  s->items.push_back(std::move(step));
  return finish(std::move(s));
}

/// The inside of ( ), [ ] or { }: tuples, lists, dicts, sets and their
/// comprehensions, a parenthesised expression or yield.
ExprP Parser::parseBracketed(llvm::StringRef close, Expr::Kind kind,
                             llvm::SMLoc loc) {
  Guard g(*this);
  if (!g.ok)
    return nullptr;
  if (kind == Expr::Kind::Tuple && cur().isName("yield")) {
    ExprP y = parseYield();
    return y && expectOp(")") ? std::move(y) : nullptr;
  }
  ExprP n = node(kind, loc);
  bool comma = false, first = true;
  while (!cur().isOp(close)) {
    ExprP key, item;
    bool braces = kind == Expr::Kind::Dict || kind == Expr::Kind::Set;
    if (braces && cur().isOp("**")) {
      if (n->kind != Expr::Kind::Dict || (!first && n->items.empty()))
        return unexpected();
      advance();
      item = parseBitOr();
      if (!item)
        return nullptr;
      n->items.push_back(nullptr);
      n->items.push_back(std::move(item));
    } else {
      item = parseStarOr(&Parser::parseNamedExpr);
      if (!item)
        return nullptr;
      if (braces && first && cur().isOp(":"))
        n->kind = Expr::Kind::Dict;
      else if (braces && first)
        n->kind = Expr::Kind::Set;
      if (n->kind == Expr::Kind::Dict) {
        if (!expectOp(":"))
          return nullptr;
        ExprP value = parseTest();
        if (!value)
          return nullptr;
        n->items.push_back(std::move(item));
        n->items.push_back(std::move(value));
      } else {
        n->items.push_back(std::move(item));
      }
      if (first && (cur().isName("for") ||
                    (cur().isName("async") && peek().isName("for")))) {
        n->text = n->kind == Expr::Kind::Tuple  ? "gen"
                  : n->kind == Expr::Kind::List ? "list"
                  : n->kind == Expr::Kind::Dict ? "dict"
                                                : "set";
        n->kind = Expr::Kind::Comp;
        if (!parseCompFor(n->comp) || !expectOp(close))
          return nullptr;
        return finish(std::move(n));
      }
    }
    first = false;
    if (!cur().isOp(","))
      break;
    comma = true;
    advance();
  }
  if (!expectOp(close))
    return nullptr;
  // (x) is x itself, with its own location; (x,) and () are tuples.
  if (kind == Expr::Kind::Tuple && n->items.size() == 1 && !comma &&
      n->items[0]->kind != Expr::Kind::Starred)
    return std::move(n->items[0]);
  return finish(std::move(n));
}

/// 'yield' ['from' test | testlist]
ExprP Parser::parseYield() {
  llvm::SMLoc loc = cur().loc();
  if (defDepth == 0 || !curDef)
    return fail(loc, "'yield' outside function");
  curDef->hasYield = true;
  advance();
  ExprP n = node(Expr::Kind::Yield, loc);
  n->text = "yield";
  if (cur().isName("from")) {
    advance();
    n->text = "yield from";
    ExprP v = parseTest();
    if (!v)
      return nullptr;
    n->items.push_back(std::move(v));
  } else if (!cur().is(TK::Newline) && !cur().isOp(")") && !cur().isOp("=") &&
             !cur().isOp(";")) {
    ExprP v = parseTestList(true);
    if (!v)
      return nullptr;
    n->items.push_back(std::move(v));
  }
  return finish(std::move(n));
}

ExprP Parser::parseAtom() {
  const Token &t = cur();
  llvm::SMLoc loc = t.loc();
  switch (t.kind) {
  case TK::Int: {
    ExprP n = node(Expr::Kind::Int, loc);
    n->i = t.i;
    advance();
    return finish(std::move(n));
  }
  case TK::Float: {
    ExprP n = node(Expr::Kind::Float, loc);
    n->f = t.f;
    advance();
    return finish(std::move(n));
  }
  case TK::String:
  case TK::FString:
    return parseStrings();
  case TK::Name: {
    if (t.text == "None" || t.text == "True" || t.text == "False") {
      ExprP n = node(t.text == "None" ? Expr::Kind::None : Expr::Kind::Bool,
                     loc);
      n->i = t.text == "True";
      advance();
      return finish(std::move(n));
    }
    if (isKeyword(t.text))
      return unexpected();
    ExprP n = node(Expr::Kind::Name, loc);
    n->text = t.text.str();
    advance();
    return finish(std::move(n));
  }
  case TK::Op:
    if (t.text == "(") {
      advance();
      return parseBracketed(")", Expr::Kind::Tuple, loc);
    }
    if (t.text == "[") {
      advance();
      return parseBracketed("]", Expr::Kind::List, loc);
    }
    if (t.text == "{") {
      advance();
      return parseBracketed("}", Expr::Kind::Dict, loc);
    }
    if (t.text == "...") {
      advance();
      return finish(node(Expr::Kind::Ellipsis, loc));
    }
    return unexpected();
  default:
    return unexpected();
  }
}

} // namespace kiln::frontend::python::detail
