//===- PyLexer.h - Tokens of the Keras Python subset ------------*- C++ -*-===//
//
// The lexer of the Python reader. It turns one source buffer into a token
// vector the way CPython's tokenizer does for the subset kiln reads: logical
// lines (NEWLINE), indentation (INDENT/DEDENT), implicit line joining inside
// brackets, backslash continuation, comments, string literals (' " and
// triple-quoted, r/b/f/u prefixes, escapes decoded) and int/float literals.
// Every token keeps its text as a StringRef into the buffer, so its SMLoc is
// the user's file, line and column.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_PYTHON_PYLEXER_H
#define KILN_FRONTEND_PYTHON_PYLEXER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::frontend::python {

/// A located error message; the reader prints the first one it meets.
struct Diag {
  llvm::SMLoc loc;
  std::string msg;
};

/// One token. `text` spans the source characters it was read from.
struct Token {
  enum class Kind {
    Name,    ///< identifier or keyword
    Int,     ///< integer literal, value in `i`
    Float,   ///< float literal, value in `f`
    String,  ///< string literal, decoded value in `str`
    FString, ///< f-string literal: its text is kept but not formatted
    Op,      ///< operator or delimiter, in `text`
    Newline, ///< end of a logical line
    Indent,
    Dedent,
    End, ///< end of the buffer
  };
  Kind kind = Kind::End;
  llvm::StringRef text;
  std::string str;
  int64_t i = 0;
  double f = 0;

  llvm::SMLoc loc() const { return llvm::SMLoc::getFromPointer(text.data()); }
  bool is(Kind k) const { return kind == k; }
  bool isOp(llvm::StringRef op) const { return kind == Kind::Op && text == op; }
  bool isName(llvm::StringRef n) const {
    return kind == Kind::Name && text == n;
  }
};

/// Tokenizes `buffer` into `out`, which always ends with an End token. On a
/// lexical error returns false and sets `err`.
bool tokenize(llvm::StringRef buffer, std::vector<Token> &out, Diag &err);

} // namespace kiln::frontend::python

#endif // KILN_FRONTEND_PYTHON_PYLEXER_H
