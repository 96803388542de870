//===- PyParser.cpp - Recursive-descent parser for the Python subset ------===//
//
// Implements parseTokens(): Python's grammar for simple statements, `def`,
// `for`, and expressions down to calls, subscripts, slices, literals,
// arithmetic, comparisons and boolean operators. Compound statements outside
// the subset (if, while, class, with, try, ...) are refused here with
// "unsupported statement", so the interpreter never sees them. Recursion is
// bounded twice: a guard on each recursive production, and a depth stored in
// every node (left-associative chains such as a+b+c... grow the tree without
// recursing, and the interpreter and destructors recurse over the tree).
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyAST.h"

#include "llvm/ADT/StringSwitch.h"

namespace kiln::frontend::python {
namespace {

using TK = Token::Kind;

class Parser {
public:
  Parser(const std::vector<Token> &toks, Diag &err) : toks(toks), err(err) {}

  bool parseFile(std::vector<StmtP> &out);

private:
  const std::vector<Token> &toks;
  Diag &err;
  size_t pos = 0;
  int depth = 0;
  bool failed = false;
  int defDepth = 0; // > 0 inside a def body, where `return` is allowed

  /// Counts recursion depth for one production; see the file comment.
  struct Guard {
    Parser &p;
    bool ok;
    explicit Guard(Parser &p) : p(p), ok(++p.depth <= kMaxDepth) {
      if (!ok)
        p.fail(p.cur().loc(), "expression or block is nested too deeply");
    }
    ~Guard() { --p.depth; }
  };

  const Token &cur() const { return toks[pos]; }
  const Token &peek(size_t k = 1) const {
    return toks[std::min(pos + k, toks.size() - 1)];
  }
  void advance() {
    if (pos + 1 < toks.size())
      ++pos;
  }
  const char *prevEnd() const {
    const Token &t = toks[pos > 0 ? pos - 1 : 0];
    return t.text.data() + t.text.size();
  }
  std::nullptr_t fail(llvm::SMLoc loc, std::string msg) {
    if (!failed) {
      failed = true;
      err.loc = loc;
      err.msg = std::move(msg);
    }
    return nullptr;
  }
  std::nullptr_t unexpected() {
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
  bool expectOp(llvm::StringRef op) {
    if (cur().isOp(op)) {
      advance();
      return true;
    }
    if (!failed) {
      if (cur().is(TK::Op) || cur().is(TK::Name) || cur().is(TK::Int) ||
          cur().is(TK::Float) || cur().is(TK::String))
        fail(cur().loc(), "invalid syntax: expected '" + op.str() +
                              "' before '" + cur().text.str() + "'");
      else
        fail(cur().loc(), "invalid syntax: expected '" + op.str() + "'");
    }
    return false;
  }
  ExprP node(Expr::Kind kind, llvm::SMLoc loc) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->loc = loc;
    e->end = loc.getPointer();
    return e;
  }
  /// Sets the node's end and depth; fails when the tree is too deep.
  ExprP finish(ExprP e) {
    e->end = prevEnd();
    int d = 0;
    for (auto &c : e->items)
      if (c)
        d = std::max(d, c->depth);
    for (auto &c : e->kwValues)
      d = std::max(d, c->depth);
    e->depth = d + 1;
    if (e->depth > kMaxDepth)
      return fail(e->loc, "expression is nested too deeply");
    return e;
  }
  static bool isKeyword(llvm::StringRef s) {
    return llvm::StringSwitch<bool>(s)
        .Cases("False", "None", "True", "and", "as", "assert", "async", true)
        .Cases("await", "break", "class", "continue", "def", "del", true)
        .Cases("elif", "else", "except", "finally", "for", "from", true)
        .Cases("global", "if", "import", "in", "is", "lambda", true)
        .Cases("nonlocal", "not", "or", "pass", "raise", "return", true)
        .Cases("try", "while", "with", "yield", true)
        .Default(false);
  }

  bool parseStatement(std::vector<StmtP> &out);
  bool parseSimple(std::vector<StmtP> &out);
  StmtP parseImport();
  StmtP parseFromImport();
  StmtP parseExprStmt();
  StmtP parseDef();
  StmtP parseFor();
  bool parseBlock(std::vector<StmtP> &body);
  bool parseDotted(std::string &out);

  ExprP parseChain(ExprP (Parser::*sub)(),
                   std::initializer_list<const char *> ops);
  ExprP parseTestList(bool allowStar = false);
  ExprP parseTest();
  ExprP parseOr();
  ExprP parseAnd();
  ExprP parseNot();
  ExprP parseComparison();
  ExprP parseArith();
  ExprP parseTerm();
  ExprP parseFactor();
  ExprP parsePower();
  ExprP parseAtom();
  ExprP parseCallArgs(ExprP callee);
  ExprP parseSubscriptItem();
  ExprP parseBracketed(llvm::StringRef close, Expr::Kind kind, llvm::SMLoc loc);
};

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
  const Token &t = cur();
  if (t.is(TK::Indent)) {
    unexpected();
    return false;
  }
  if (t.isName("def")) {
    StmtP s = parseDef();
    if (!s)
      return false;
    out.push_back(std::move(s));
    return true;
  }
  if (t.isName("for")) {
    StmtP s = parseFor();
    if (!s)
      return false;
    out.push_back(std::move(s));
    return true;
  }
  if (t.is(TK::Op) && t.text == "@") {
    fail(t.loc(), "unsupported statement: decorators are not supported");
    return false;
  }
  if (t.is(TK::Name) &&
      llvm::StringSwitch<bool>(t.text)
          .Cases("if", "elif", "else", "while", "class", "with", "try", true)
          .Cases("except", "finally", "async", "del", "global", true)
          .Cases("nonlocal", "assert", "raise", "break", "continue", true)
          .Cases("yield", "lambda", "await", true)
          .Default(false)) {
    fail(t.loc(), "unsupported statement '" + t.text.str() + "'");
    return false;
  }
  return parseSimple(out);
}

/// simple_stmt (';' simple_stmt)* [';'] NEWLINE
bool Parser::parseSimple(std::vector<StmtP> &out) {
  while (true) {
    StmtP s;
    const Token &t = cur();
    if (t.isName("import"))
      s = parseImport();
    else if (t.isName("from"))
      s = parseFromImport();
    else if (t.isName("pass")) {
      s = std::make_unique<Stmt>();
      s->kind = Stmt::Kind::Pass;
      s->loc = t.loc();
      advance();
    } else if (t.isName("return")) {
      if (defDepth == 0) {
        fail(t.loc(), "'return' outside function");
        return false;
      }
      s = std::make_unique<Stmt>();
      s->kind = Stmt::Kind::Return;
      s->loc = t.loc();
      advance();
      if (!cur().is(TK::Newline) && !cur().isOp(";")) {
        s->value = parseTestList();
        if (!s->value)
          return false;
      }
    } else if (t.is(TK::Name) && isKeyword(t.text) &&
               !llvm::StringSwitch<bool>(t.text)
                    .Cases("None", "True", "False", "not", "lambda", true)
                    .Default(false)) {
      fail(t.loc(), "unsupported statement '" + t.text.str() + "'");
      return false;
    } else {
      s = parseExprStmt();
    }
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

bool Parser::parseDotted(std::string &out) {
  if (!cur().is(TK::Name) || isKeyword(cur().text)) {
    fail(cur().loc(), "invalid syntax: expected a module name");
    return false;
  }
  out = cur().text.str();
  advance();
  while (cur().isOp(".")) {
    advance();
    if (!cur().is(TK::Name) || isKeyword(cur().text)) {
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
      if (!cur().is(TK::Name) || isKeyword(cur().text))
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
    if (!cur().is(TK::Name) || isKeyword(cur().text))
      return fail(cur().loc(), "invalid syntax: expected a name to import");
    n.dotted = cur().text.str();
    advance();
    if (cur().isName("as")) {
      advance();
      if (!cur().is(TK::Name) || isKeyword(cur().text))
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

/// testlist (('=' testlist)* | augop testlist)
StmtP Parser::parseExprStmt() {
  auto s = std::make_unique<Stmt>();
  s->loc = cur().loc();
  ExprP first = parseTestList(true);
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
      s->value = parseTestList();
      return s->value ? std::move(s) : nullptr;
    }
  }
  if (cur().isOp(":"))
    return fail(cur().loc(), "unsupported statement: annotated assignments "
                             "are not supported");
  if (!cur().isOp("=")) {
    s->kind = Stmt::Kind::Expr;
    s->value = std::move(first);
    return s;
  }
  s->kind = Stmt::Kind::Assign;
  s->targets.push_back(std::move(first));
  while (cur().isOp("=")) {
    advance();
    ExprP next = parseTestList(true);
    if (!next)
      return nullptr;
    s->targets.push_back(std::move(next));
  }
  s->value = std::move(s->targets.back());
  s->targets.pop_back();
  return s;
}

/// NEWLINE INDENT stmt+ DEDENT, or a simple statement on the same line.
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

/// def name(params): block
StmtP Parser::parseDef() {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::Def;
  s->loc = cur().loc();
  advance();
  if (!cur().is(TK::Name) || isKeyword(cur().text))
    return fail(cur().loc(), "invalid syntax: expected a function name");
  s->name = cur().text.str();
  advance();
  if (!expectOp("("))
    return nullptr;
  while (!cur().isOp(")")) {
    if (cur().isOp("*") || cur().isOp("**") || cur().isOp("/"))
      return fail(cur().loc(), "unsupported syntax: '" + cur().text.str() +
                                   "' parameters are not supported");
    Param p;
    p.loc = cur().loc();
    if (!cur().is(TK::Name) || isKeyword(cur().text))
      return fail(cur().loc(), "invalid syntax: expected a parameter name");
    p.name = cur().text.str();
    advance();
    if (cur().isOp(":"))
      return fail(cur().loc(),
                  "unsupported syntax: annotations are not supported");
    if (cur().isOp("=")) {
      advance();
      p.defaultValue = parseTest();
      if (!p.defaultValue)
        return nullptr;
    } else if (!s->params.empty() && s->params.back().defaultValue) {
      return fail(p.loc, "non-default argument follows default argument");
    }
    for (const Param &q : s->params)
      if (q.name == p.name)
        return fail(p.loc, "duplicate argument '" + p.name +
                               "' in function definition");
    s->params.push_back(std::move(p));
    if (!cur().isOp(","))
      break;
    advance();
  }
  if (!expectOp(")"))
    return nullptr;
  if (cur().isOp("->"))
    return fail(cur().loc(), "unsupported syntax: annotations are not supported");
  ++defDepth;
  bool ok = parseBlock(s->body);
  --defDepth;
  return ok ? std::move(s) : nullptr;
}

/// for target in testlist: block
StmtP Parser::parseFor() {
  auto s = std::make_unique<Stmt>();
  s->kind = Stmt::Kind::For;
  s->loc = cur().loc();
  advance();
  // The target list stops at 'in', which parseOr does not consume.
  llvm::SMLoc tloc = cur().loc();
  std::vector<ExprP> targets;
  bool comma = false;
  while (true) {
    ExprP t = parseArith();
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
  if (comma) {
    ExprP tup = node(Expr::Kind::Tuple, tloc);
    tup->items = std::move(targets);
    tup = finish(std::move(tup));
    if (!tup)
      return nullptr;
    s->targets.push_back(std::move(tup));
  } else {
    s->targets.push_back(std::move(targets[0]));
  }
  if (!cur().isName("in"))
    return fail(cur().loc(), "invalid syntax: expected 'in'");
  advance();
  s->value = parseTestList();
  if (!s->value)
    return nullptr;
  if (!parseBlock(s->body))
    return nullptr;
  if (cur().isName("else"))
    return fail(cur().loc(), "unsupported statement 'else'");
  return s;
}

/// test (',' test)* [','] -> a Tuple when there is a comma.
ExprP Parser::parseTestList(bool allowStar) {
  llvm::SMLoc loc = cur().loc();
  ExprP first = parseTest();
  if (!first || !cur().isOp(","))
    return first;
  ExprP tup = node(Expr::Kind::Tuple, loc);
  tup->items.push_back(std::move(first));
  while (cur().isOp(",")) {
    advance();
    if (cur().is(TK::Newline) || cur().isOp("=") || cur().isOp(")") ||
        cur().isOp(";") || cur().isOp(":") || cur().is(TK::End))
      break;
    ExprP next = parseTest();
    if (!next)
      return nullptr;
    tup->items.push_back(std::move(next));
  }
  return finish(std::move(tup));
}

/// or_test ['if' or_test 'else' test] | lambda
ExprP Parser::parseTest() {
  Guard g(*this);
  if (!g.ok)
    return nullptr;
  if (cur().isName("lambda"))
    return fail(cur().loc(), "unsupported syntax: lambda is not supported");
  if (cur().isOp("*"))
    return fail(cur().loc(), "unsupported syntax: starred expressions are "
                             "not supported");
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

ExprP Parser::parseOr() { return parseChain(&Parser::parseAnd, {"or"}); }
ExprP Parser::parseAnd() { return parseChain(&Parser::parseNot, {"and"}); }
ExprP Parser::parseTerm() {
  return parseChain(&Parser::parseFactor, {"*", "/", "//", "%", "@"});
}

ExprP Parser::parseArith() {
  ExprP l = parseChain(&Parser::parseTerm, {"+", "-"});
  if (l && (cur().isOp("|") || cur().isOp("&") || cur().isOp("^") ||
            cur().isOp("<<") || cur().isOp(">>")))
    return fail(cur().loc(), "unsupported syntax: bitwise operator '" +
                                 cur().text.str() + "'");
  return l;
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

/// arith (compop arith)*, kept as a left-nested chain of BinOps; the
/// interpreter folds only number comparisons, so chaining rules never matter.
ExprP Parser::parseComparison() {
  llvm::SMLoc loc = cur().loc();
  ExprP l = parseArith();
  while (l) {
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
    ExprP r = parseArith();
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

/// atom trailer* ['**' factor]
ExprP Parser::parsePower() {
  llvm::SMLoc loc = cur().loc();
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
      if (!cur().is(TK::Name) || isKeyword(cur().text))
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

/// '(' [arg (',' arg)* [',']] ')' with arg = test | NAME '=' test.
ExprP Parser::parseCallArgs(ExprP callee) {
  ExprP call = node(Expr::Kind::Call, callee->loc);
  call->items.push_back(std::move(callee));
  advance();
  while (!cur().isOp(")")) {
    if (cur().isOp("*") || cur().isOp("**")) {
      if (!call->starArg.isValid())
        call->starArg = cur().loc();
      advance();
    }
    if (cur().is(TK::Name) && peek().isOp("=") && !isKeyword(cur().text)) {
      std::string name = cur().text.str();
      llvm::SMLoc kloc = cur().loc();
      for (const std::string &k : call->kwNames)
        if (k == name)
          return fail(kloc, "keyword argument repeated: " + name);
      advance();
      advance();
      ExprP v = parseTest();
      if (!v)
        return nullptr;
      call->kwNames.push_back(std::move(name));
      call->kwLocs.push_back(kloc);
      call->kwValues.push_back(std::move(v));
    } else {
      if (!call->kwNames.empty())
        return fail(cur().loc(),
                    "positional argument follows keyword argument");
      ExprP v = parseTest();
      if (!v)
        return nullptr;
      if (cur().isName("for"))
        return fail(cur().loc(), "unsupported syntax: generator expressions "
                                 "are not supported");
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
    lower = parseTest();
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

/// The items of a list, a parenthesised tuple or a dict, up to `close`.
ExprP Parser::parseBracketed(llvm::StringRef close, Expr::Kind kind,
                             llvm::SMLoc loc) {
  ExprP n = node(kind, loc);
  bool comma = false;
  while (!cur().isOp(close)) {
    ExprP item = parseTest();
    if (!item)
      return nullptr;
    if (cur().isName("for"))
      return fail(cur().loc(), "unsupported syntax: comprehensions are not "
                               "supported");
    n->items.push_back(std::move(item));
    if (kind == Expr::Kind::Dict) {
      if (!cur().isOp(":"))
        return fail(loc, "unsupported syntax: sets are not supported");
      if (!expectOp(":"))
        return nullptr;
      ExprP value = parseTest();
      if (!value)
        return nullptr;
      n->items.push_back(std::move(value));
    }
    if (!cur().isOp(","))
      break;
    comma = true;
    advance();
  }
  if (!expectOp(close))
    return nullptr;
  // (x) is x itself, with its own location; (x,) and () are tuples.
  if (kind == Expr::Kind::Tuple && n->items.size() == 1 && !comma)
    return std::move(n->items[0]);
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
  case TK::FString: {
    // Adjacent literals concatenate; an f-string anywhere taints the result.
    ExprP n = node(Expr::Kind::Str, loc);
    while (cur().is(TK::String) || cur().is(TK::FString)) {
      if (cur().is(TK::FString))
        n->kind = Expr::Kind::FStr;
      n->text += cur().str;
      advance();
    }
    return finish(std::move(n));
  }
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

} // namespace

bool parseTokens(const std::vector<Token> &tokens, std::vector<StmtP> &out,
                 Diag &err) {
  if (tokens.empty()) {
    err.msg = "internal error: no tokens";
    return false;
  }
  Parser parser(tokens, err);
  return parser.parseFile(out);
}

} // namespace kiln::frontend::python
