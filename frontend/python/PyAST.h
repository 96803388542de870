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
struct Stmt;
using StmtP = std::unique_ptr<Stmt>;

/// One `for target in iter if cond...` clause of a comprehension.
struct CompFor {
  ExprP target, iter;
  std::vector<ExprP> conds;
};

/// One expression. Which fields are used depends on `kind`.
struct Expr {
  enum class Kind {
    Name,      ///< `text` = identifier
    Int,       ///< `i`
    Float,     ///< `f`
    Str,       ///< `text` = decoded value
    FStr,      ///< f-string: strs = literal0, spec0, literal1, ..., items =
               ///< the replacement fields (spec = "!r:>4" as written)
    None,      ///< None
    Bool,      ///< True/False in `i`
    Ellipsis,  ///< ...
    Tuple,     ///< `items`
    List,      ///< `items`
    Dict,      ///< `items` = key0, value0, ...; a null key is `**value`
    Set,       ///< `items`
    Attr,      ///< items[0].`text`
    Call,      ///< items[0](items[1..], kwNames[k]=kwValues[k]); a Starred
               ///< item is `*x`, a keyword named "**" is `**x`
    Subscript, ///< items[0][items[1]]
    Slice,     ///< items = lower, upper, step (each may be null)
    BinOp,     ///< items[0] `text` items[1]; also and/or
    Compare,   ///< items[0] strs[0] items[1] strs[1] items[2] ... (chained)
    Unary,     ///< `text` items[0], for - + ~ not
    IfExp,     ///< items[1] if items[0] else items[2]
    Lambda,    ///< `lambda`: a Def statement whose body returns the value
    Comp,      ///< `text` = list/set/dict/gen; items = element (dict: key,
               ///< value); `comp` = the for clauses
    Starred,   ///< `*items[0]` (or `**` in `text`)
    NamedExpr, ///< items[0] := items[1]
    Yield,     ///< `text` = yield / yield from; items[0] may be null
    Await,     ///< await items[0]
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
  std::vector<std::string> strs;
  std::vector<CompFor> comp;
  std::shared_ptr<Stmt> lambda;

  /// The source text of the expression.
  llvm::StringRef source() const {
    const char *b = loc.getPointer();
    return b && end >= b ? llvm::StringRef(b, end - b) : llvm::StringRef();
  }
};

/// `import a.b as c` or one name of `from m import n as c`.
struct ImportName {
  std::string dotted; ///< `a.b`, or `n`
  std::string as;     ///< empty when not given
  llvm::SMLoc loc;
};

/// A parameter of a `def` or `lambda`.
struct Param {
  enum class Kind { Normal, VarArgs, KwOnly, VarKw };
  Kind kind = Kind::Normal;
  std::string name;
  ExprP defaultValue; ///< null when none
  llvm::SMLoc loc;
};

/// `except Type as name:` of a try statement.
struct Handler {
  ExprP type; ///< null for a bare `except:`
  std::string name;
  std::vector<StmtP> body;
  llvm::SMLoc loc;
};

/// One statement.
struct Stmt {
  enum class Kind {
    Expr,      ///< value
    Assign,    ///< targets[0] = targets[1] = ... = value
    AugAssign, ///< targets[0] op= value (`op` without '=')
    AnnAssign, ///< targets[0]: annotation [= value] (value may be null)
    Import,    ///< names
    ImportFrom,///< from module import names (`star` for `*`)
    Pass,
    Def,      ///< [decorators] [async] def name(params): body
    Class,    ///< [decorators] class name(targets = bases): body
    Return,   ///< return value (may be null)
    For,      ///< for targets[0] in value: body else: orelse
    While,    ///< while value: body else: orelse
    If,       ///< if value: body else: orelse (elif is a nested If)
    With,     ///< with targets[k] as withNames[k], ...: body
    Try,      ///< try: body handlers else: orelse finally: finalbody
    Raise,    ///< raise [value [from targets[0]]]
    Assert,   ///< assert value [, targets[0]]
    Del,      ///< del targets
    Global,   ///< global names (in `names[k].dotted`)
    Nonlocal, ///< nonlocal names
    Break,
    Continue,
  };
  Kind kind;
  llvm::SMLoc loc;
  std::vector<ExprP> targets;
  ExprP value;
  ExprP annotation;
  std::string op;
  std::string module;
  int level = 0; ///< leading dots of a relative import
  bool star = false;
  bool isAsync = false;
  bool hasYield = false; ///< Def: its body yields (a generator)
  std::vector<ImportName> names;
  std::string name;
  std::vector<Param> params;
  std::vector<StmtP> body, orelse, finalbody;
  std::vector<ExprP> decorators;
  std::vector<ExprP> withTargets; ///< With: `as` targets, null when none
  std::vector<Handler> handlers;
};

/// Parses `tokens` (from tokenize) into statements. On a syntax error, or a
/// statement outside the subset, returns false and sets `err`.
bool parseTokens(const std::vector<Token> &tokens, std::vector<StmtP> &out,
                 Diag &err);

} // namespace kiln::frontend::python

#endif // KILN_FRONTEND_PYTHON_PYAST_H
