//===- PyAST.h - Syntax tree of the Keras Python subset ---------*- C++ -*-===//
//
// The parser's output: expressions and statements of the Python subset that
// model-building scripts use. Nodes are deliberately generic (one Expr and
// one Stmt struct with a kind) because the interpreter handles each kind in
// one switch; every node keeps its source range, so errors and the data
// names recorded for model.fit() can quote the user's text. Expression trees
// are at most kMaxDepth deep, which bounds every recursion over them.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_PYTHON_PYAST_H
#define KILN_FRONTEND_PYTHON_PYAST_H

#include "frontend/python/PyLexer.h"

#include <memory>

namespace kiln::frontend::python {

/// The deepest expression tree or block nesting the parser accepts.
constexpr int kMaxDepth = 200;

struct Expr;
using ExprP = std::unique_ptr<Expr>;

/// One expression. Which fields are used depends on `kind`.
struct Expr {
  enum class Kind {
    Name,      ///< `text` = identifier
    Int,       ///< `i`
    Float,     ///< `f`
    Str,       ///< `text` = decoded value
    FStr,      ///< f-string, not formatted
    None,      ///< None
    Bool,      ///< True/False in `i`
    Ellipsis,  ///< ...
    Tuple,     ///< `items`
    List,      ///< `items`
    Dict,      ///< `items` = key0, value0, key1, value1, ...
    Attr,      ///< items[0].`text`
    Call,      ///< items[0](items[1..], kwNames[k]=kwValues[k])
    Subscript, ///< items[0][items[1]]
    Slice,     ///< items = lower, upper, step (each may be null)
    BinOp,     ///< items[0] `text` items[1]; also comparisons and and/or
    Unary,     ///< `text` items[0], for - + ~ not
    IfExp,     ///< items[1] if items[0] else items[2]
  };
  Kind kind;
  llvm::SMLoc loc;         ///< first character
  const char *end = nullptr; ///< one past the last character
  std::string text;
  int64_t i = 0;
  double f = 0;
  int depth = 1;
  std::vector<ExprP> items;
  std::vector<std::string> kwNames;
  std::vector<llvm::SMLoc> kwLocs;
  std::vector<ExprP> kwValues;
  /// A `*args` or `**kwargs` argument appeared: refused at evaluation.
  llvm::SMLoc starArg;

  /// The source text of the expression.
  llvm::StringRef source() const {
    const char *b = loc.getPointer();
    return b && end >= b ? llvm::StringRef(b, end - b) : llvm::StringRef();
  }
};

struct Stmt;
using StmtP = std::unique_ptr<Stmt>;

/// `import a.b as c` or one name of `from m import n as c`.
struct ImportName {
  std::string dotted; ///< `a.b`, or `n`
  std::string as;     ///< empty when not given
  llvm::SMLoc loc;
};

/// A parameter of a `def`.
struct Param {
  std::string name;
  ExprP defaultValue; ///< null when none
  llvm::SMLoc loc;
};

/// One statement.
struct Stmt {
  enum class Kind {
    Expr,      ///< value
    Assign,    ///< targets[0] = targets[1] = ... = value
    AugAssign, ///< targets[0] op= value (`op` without '=')
    Import,    ///< names
    ImportFrom,///< from module import names (`star` for `*`)
    Pass,
    Def,    ///< def name(params): body
    Return, ///< return value (may be null)
    For,    ///< for targets[0] in value: body
  };
  Kind kind;
  llvm::SMLoc loc;
  std::vector<ExprP> targets;
  ExprP value;
  std::string op;
  std::string module;
  int level = 0; ///< leading dots of a relative import
  bool star = false;
  std::vector<ImportName> names;
  std::string name;
  std::vector<Param> params;
  std::vector<StmtP> body;
};

/// Parses `tokens` (from tokenize) into statements. On a syntax error, or a
/// statement outside the subset, returns false and sets `err`.
bool parseTokens(const std::vector<Token> &tokens, std::vector<StmtP> &out,
                 Diag &err);

} // namespace kiln::frontend::python

#endif // KILN_FRONTEND_PYTHON_PYAST_H
