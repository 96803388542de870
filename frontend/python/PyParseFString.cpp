//===- PyParseFString.cpp - String literals and f-strings -----------------===//
//
// Adjacent string literals concatenate; an f-string is split into literal
// text and replacement fields, and each field's expression is tokenized and
// parsed where it stands in the file, so its errors and locations are the
// user's. Conversions (!r), format specs and the `=` form are kept for the
// interpreter (PyBuiltins.cpp formats).
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyParserImpl.h"

namespace kiln::frontend::python::detail {

/// Adjacent string literals, concatenated; any f-string makes the result an
/// FStr whose literal parts and fields interleave (see PyAST.h).
ExprP Parser::parseStrings() {
  ExprP n = node(Expr::Kind::Str, cur().loc());
  bool fmt = false;
  for (size_t k = pos; toks[k].is(TK::String) || toks[k].is(TK::FString); ++k)
    fmt |= toks[k].is(TK::FString);
  if (fmt) {
    n->kind = Expr::Kind::FStr;
    n->strs.push_back("");
  }
  while (cur().is(TK::String) || cur().is(TK::FString)) {
    if (cur().is(TK::FString)) {
      if (!parseFString(cur(), *n))
        return nullptr;
    } else if (fmt) {
      n->strs.back() += cur().str;
    } else {
      n->text += cur().str;
    }
    advance();
  }
  return finish(std::move(n));
}

/// Splits one f-string token into literal text and replacement fields; a
/// field's expression is tokenized and parsed where it stands in the file,
/// so its errors and locations are the user's.
bool Parser::parseFString(const Token &t, Expr &n) {
  llvm::StringRef text = t.text;
  size_t q = text.find_first_of("'\"");
  llvm::StringRef prefix = text.take_front(q);
  bool raw = prefix.find_first_of("rR") != llvm::StringRef::npos;
  char quote = text[q];
  size_t open = text.size() > q + 5 && text[q + 1] == quote &&
                        text[q + 2] == quote
                    ? 3
                    : 1;
  const char *p = text.data() + q + open;
  const char *e = text.data() + text.size() - open;
  while (p < e) {
    char c = *p;
    if (c == '{' && p + 1 < e && p[1] == '{') {
      n.strs.back() += '{';
      p += 2;
      continue;
    }
    if (c == '}') {
      if (p + 1 < e && p[1] == '}') {
        n.strs.back() += '}';
        p += 2;
        continue;
      }
      fail(llvm::SMLoc::getFromPointer(p), "f-string: single '}' is not "
                                           "allowed");
      return false;
    }
    if (c == '\\' && !raw && p + 1 < e) {
      char x = p[1];
      n.strs.back() += x == 'n' ? '\n' : x == 't' ? '\t' : x == 'r' ? '\r' : x;
      if (x != 'n' && x != 't' && x != 'r' && x != '\\' && x != '\'' &&
          x != '"' && x != '\n') {
        n.strs.back().back() = '\\';
        n.strs.back() += x;
      }
      if (x == '\n')
        n.strs.back().pop_back();
      p += 2;
      continue;
    }
    if (c != '{') {
      n.strs.back() += c;
      ++p;
      continue;
    }
    // A replacement field: expression, then !conversion, :spec, '}'.
    const char *fs = ++p;
    int nest = 0;
    char inStr = 0;
    const char *stop = nullptr;
    for (; p < e; ++p) {
      char d = *p;
      if (inStr) {
        if (d == inStr)
          inStr = 0;
        continue;
      }
      if (d == '\'' || d == '"') {
        inStr = d;
      } else if (d == '(' || d == '[' || d == '{') {
        ++nest;
      } else if (d == ')' || d == ']' || (d == '}' && nest > 0)) {
        --nest;
      } else if (nest == 0 &&
                 (d == '}' || d == ':' ||
                  (d == '!' && p + 1 < e && p[1] != '=') ||
                  (d == '=' && p + 1 < e &&
                   (p[1] == '}' || p[1] == '!' || p[1] == ':') &&
                   p > fs && !llvm::StringRef("=!<>").contains(p[-1])))) {
        stop = p;
        break;
      }
    }
    if (!stop) {
      fail(llvm::SMLoc::getFromPointer(fs - 1), "f-string: expecting '}'");
      return false;
    }
    llvm::StringRef exprText(fs, stop - fs);
    std::string spec;
    if (*p == '=') {
      n.strs.back() += exprText.str() + "=";
      spec = "!r";
      ++p;
    }
    if (p < e && *p == '!') {
      if (p + 1 >= e) {
        fail(llvm::SMLoc::getFromPointer(p), "f-string: expecting '}'");
        return false;
      }
      spec = std::string("!") + p[1];
      p += 2;
    }
    if (p < e && *p == ':') {
      const char *ss = ++p;
      int braces = 0;
      while (p < e && (*p != '}' || braces > 0)) {
        braces += *p == '{' ? 1 : *p == '}' ? -1 : 0;
        ++p;
      }
      spec += ":" + std::string(ss, p - ss);
    }
    if (p >= e || *p != '}') {
      fail(llvm::SMLoc::getFromPointer(fs - 1), "f-string: expecting '}'");
      return false;
    }
    ++p;
    llvm::StringRef trimmed = exprText.ltrim(" \t\r\n");
    if (trimmed.rtrim(" \t\r\n").empty()) {
      fail(llvm::SMLoc::getFromPointer(fs), "f-string: empty expression not "
                                            "allowed");
      return false;
    }
    std::vector<Token> ftoks;
    if (!tokenize(trimmed, ftoks, err)) {
      failed = true;
      return false;
    }
    Parser sub(ftoks, err);
    sub.depth = depth;
    sub.defDepth = defDepth;
    sub.curDef = curDef;
    ExprP field = sub.parseFieldExpr();
    if (!field) {
      failed = true;
      return false;
    }
    n.items.push_back(std::move(field));
    n.strs.push_back(spec);
    n.strs.push_back("");
  }
  return true;
}

ExprP Parser::parseFieldExpr() {
  ExprP e = cur().isName("yield") ? parseYield() : parseTestList(true);
  if (!e)
    return nullptr;
  while (cur().is(TK::Newline))
    advance();
  if (!cur().is(TK::End))
    return unexpected();
  return e;
}

} // namespace kiln::frontend::python::detail
