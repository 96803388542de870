//===- PyParserImpl.h - The recursive-descent parser's state ----*- C++ -*-===//
//
// Private to PyParser.cpp (statements) and PyParseExpr.cpp (expressions):
// the Parser class both halves implement. The parser accepts Python 3's
// whole grammar (3.8+, without `match`): what a construct means is decided
// when the interpreter runs it, never here, so code that never runs may use
// anything. Recursion is bounded twice: a guard on each recursive
// production, and a depth stored in every node (left-associative chains
// such as a+b+c... grow the tree without recursing, and the interpreter and
// destructors recurse over the tree).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_PYTHON_PYPARSERIMPL_H
#define KILN_FRONTEND_PYTHON_PYPARSERIMPL_H

#include "frontend/python/PyAST.h"

#include "llvm/ADT/StringRef.h"

#include <initializer_list>

namespace kiln::frontend::python::detail {

using TK = Token::Kind;

class Parser {
public:
  Parser(const std::vector<Token> &toks, Diag &err) : toks(toks), err(err) {}

  bool parseFile(std::vector<StmtP> &out);
  /// Parses one replacement field of an f-string (tokens of its text).
  ExprP parseFieldExpr();

  const std::vector<Token> &toks;
  Diag &err;
  size_t pos = 0;
  int depth = 0;
  bool failed = false;
  int defDepth = 0;  ///< > 0 inside a def body, where `return` is allowed
  int loopDepth = 0; ///< > 0 inside a loop body of the current def
  Stmt *curDef = nullptr; ///< the innermost def, marked when it yields

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
  std::nullptr_t unexpected();
  bool expectOp(llvm::StringRef op);
  ExprP node(Expr::Kind kind, llvm::SMLoc loc) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->loc = loc;
    e->end = loc.getPointer();
    return e;
  }
  ExprP finish(ExprP e);
  static bool isKeyword(llvm::StringRef s);
  bool atName() const { return cur().is(TK::Name) && !isKeyword(cur().text); }

  // Statements (PyParser.cpp).
  bool parseStatement(std::vector<StmtP> &out);
  bool parseSimple(std::vector<StmtP> &out);
  StmtP parseSmall();
  StmtP parseImport();
  StmtP parseFromImport();
  StmtP parseExprStmt();
  StmtP parseDef(std::vector<ExprP> decorators, bool isAsync);
  StmtP parseClass(std::vector<ExprP> decorators);
  StmtP parseIf();
  StmtP parseWhile();
  StmtP parseFor(bool isAsync);
  StmtP parseWith(bool isAsync);
  StmtP parseTry();
  bool parseBlock(std::vector<StmtP> &body);
  bool parseLoopBody(std::vector<StmtP> &body);
  bool parseDotted(std::string &out);
  bool parseParams(std::vector<Param> &params, llvm::StringRef close,
                   bool annotations);

  // Expressions (PyParseExpr.cpp).
  ExprP parseChain(ExprP (Parser::*sub)(),
                   std::initializer_list<const char *> ops);
  ExprP parseTestList(bool allowStar = false);
  ExprP parseTargetList(); ///< for/comprehension targets, up to 'in'
  ExprP parseStarOr(ExprP (Parser::*sub)());
  ExprP parseNamedExpr();
  ExprP parseTest();
  ExprP parseLambda();
  ExprP parseOr();
  ExprP parseAnd();
  ExprP parseNot();
  ExprP parseComparison();
  ExprP parseBitOr();
  ExprP parseBitXor();
  ExprP parseBitAnd();
  ExprP parseShift();
  ExprP parseArith();
  ExprP parseTerm();
  ExprP parseFactor();
  ExprP parsePower();
  ExprP parseAtom();
  ExprP parseStrings();
  ExprP parseYield();
  ExprP parseCallArgs(ExprP callee);
  ExprP parseSubscriptItem();
  ExprP parseBracketed(llvm::StringRef close, Expr::Kind kind, llvm::SMLoc loc);
  bool parseCompFor(std::vector<CompFor> &out);
  bool parseFString(const Token &t, Expr &n);
};

} // namespace kiln::frontend::python::detail

#endif // KILN_FRONTEND_PYTHON_PYPARSERIMPL_H
