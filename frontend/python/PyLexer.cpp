//===- PyLexer.cpp - Tokenizer for the Keras Python subset ----------------===//
//
// Implements tokenize(): one pass over the buffer with an indentation stack
// and a bracket stack. Every read is bounds-checked against the buffer's end
// (not its NUL terminator), because the input may hold arbitrary bytes.
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyLexer.h"

#include <cstdlib>

namespace kiln::frontend::python {
namespace {

/// Brackets deeper than this are refused here already, so that the parser's
/// own depth limit is never the only guard.
constexpr size_t kMaxBrackets = 200;

bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }
int hexValue(char c) {
  if (isDigit(c))
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void appendUtf8(std::string &s, uint32_t cp) {
  if (cp < 0x80) {
    s += char(cp);
  } else if (cp < 0x800) {
    s += char(0xC0 | (cp >> 6));
    s += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += char(0xE0 | (cp >> 12));
    s += char(0x80 | ((cp >> 6) & 0x3F));
    s += char(0x80 | (cp & 0x3F));
  } else {
    s += char(0xF0 | (cp >> 18));
    s += char(0x80 | ((cp >> 12) & 0x3F));
    s += char(0x80 | ((cp >> 6) & 0x3F));
    s += char(0x80 | (cp & 0x3F));
  }
}

class Lexer {
public:
  Lexer(llvm::StringRef buf, std::vector<Token> &out, Diag &err)
      : begin(buf.begin()), p(buf.begin()), end(buf.end()), out(out),
        err(err) {}

  bool run();

private:
  const char *begin, *p, *end;
  std::vector<Token> &out;
  Diag &err;
  std::vector<int> indents{0};
  std::vector<const char *> brackets; // the open brackets, innermost last

  bool fail(const char *at, std::string msg) {
    err.loc = llvm::SMLoc::getFromPointer(at);
    err.msg = std::move(msg);
    return false;
  }
  void push(Token::Kind kind, const char *from, const char *to) {
    Token t;
    t.kind = kind;
    t.text = llvm::StringRef(from, to - from);
    out.push_back(std::move(t));
  }
  bool startOfLine();
  bool lexNumber();
  bool lexString(const char *start, bool raw, bool fmt);
  bool lexOp();
};

/// 1. Measures the indentation of the next non-blank line; blank and
/// comment-only lines are skipped, as CPython does.
/// 2. Emits INDENT or DEDENTs against the stack.
bool Lexer::startOfLine() {
  while (true) {
    int col = 0;
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\f')) {
      col = *q == '\t' ? (col / 8 + 1) * 8 : *q == '\f' ? 0 : col + 1;
      ++q;
      if (col > 100000)
        return fail(q, "line is indented too deeply");
    }
    if (q == end) {
      p = q;
      return true;
    }
    if (*q == '#') {
      while (q < end && *q != '\n' && *q != '\r')
        ++q;
    }
    if (q < end && (*q == '\n' || *q == '\r')) {
      if (*q == '\r' && q + 1 < end && q[1] == '\n')
        ++q;
      p = q + 1;
      continue;
    }
    if (q == end) {
      p = q;
      return true;
    }
    if (col > indents.back()) {
      if (indents.size() >= kMaxBrackets)
        return fail(q, "too many levels of indentation");
      indents.push_back(col);
      push(Token::Kind::Indent, q, q);
    } else {
      while (col < indents.back()) {
        indents.pop_back();
        push(Token::Kind::Dedent, q, q);
      }
      if (col != indents.back())
        return fail(q, "unindent does not match any outer indentation level");
    }
    p = q;
    return true;
  }
}

bool Lexer::lexNumber() {
  const char *start = p;
  auto digits = [&](auto pred) {
    while (p < end && (pred(*p) || (*p == '_' && p + 1 < end && pred(p[1]))))
      ++p;
  };
  if (*p == '0' && p + 1 < end &&
      (p[1] == 'x' || p[1] == 'X' || p[1] == 'o' || p[1] == 'O' ||
       p[1] == 'b' || p[1] == 'B')) {
    char kind = char(p[1] | 0x20);
    int base = kind == 'x' ? 16 : kind == 'o' ? 8 : 2;
    p += 2;
    if (p < end && *p == '_')
      ++p;
    const char *digitsStart = p;
    digits([&](char c) { int v = hexValue(c); return v >= 0 && v < base; });
    if (p == digitsStart)
      return fail(start, "invalid integer literal");
    uint64_t v = 0;
    for (const char *q = digitsStart; q < p; ++q) {
      if (*q == '_')
        continue;
      uint64_t next = v * base + uint64_t(hexValue(*q));
      if (v > (uint64_t(INT64_MAX) - hexValue(*q)) / base)
        return fail(start, "integer literal is too large");
      v = next;
    }
    if (p < end && isIdentChar(*p))
      return fail(start, "invalid integer literal");
    push(Token::Kind::Int, start, p);
    out.back().i = int64_t(v);
    return true;
  }
  bool isFloat = false;
  digits(isDigit);
  if (p < end && *p == '.') {
    isFloat = true;
    ++p;
    digits(isDigit);
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    const char *q = p + 1;
    if (q < end && (*q == '+' || *q == '-'))
      ++q;
    if (q < end && isDigit(*q)) {
      isFloat = true;
      p = q;
      digits(isDigit);
    }
  }
  if (p < end && (*p == 'j' || *p == 'J'))
    return fail(start, "complex numbers are not supported");
  if (p < end && isIdentChar(*p))
    return fail(start, "invalid decimal literal");
  std::string clean;
  for (const char *q = start; q < p; ++q)
    if (*q != '_')
      clean += *q;
  push(isFloat ? Token::Kind::Float : Token::Kind::Int, start, p);
  if (isFloat) {
    out.back().f = std::strtod(clean.c_str(), nullptr);
    return true;
  }
  uint64_t v = 0;
  for (char c : clean) {
    if (v > (uint64_t(INT64_MAX) - uint64_t(c - '0')) / 10)
      return fail(start, "integer literal is too large");
    v = v * 10 + uint64_t(c - '0');
  }
  out.back().i = int64_t(v);
  return true;
}

/// Reads a string literal whose opening quote is at p; `start` is where its
/// prefix began. Escapes are decoded unless `raw`.
bool Lexer::lexString(const char *start, bool raw, bool fmt) {
  char quote = *p;
  bool triple = p + 2 < end && p[1] == quote && p[2] == quote;
  p += triple ? 3 : 1;
  std::string value;
  while (true) {
    if (p >= end)
      return fail(start, triple ? "unterminated triple-quoted string literal"
                                : "unterminated string literal");
    char c = *p;
    if (c == quote) {
      if (!triple) {
        ++p;
        break;
      }
      if (p + 2 < end && p[1] == quote && p[2] == quote) {
        p += 3;
        break;
      }
    }
    if ((c == '\n' || c == '\r') && !triple)
      return fail(start, "unterminated string literal");
    if (c != '\\') {
      value += c;
      ++p;
      continue;
    }
    if (p + 1 >= end)
      return fail(start, "unterminated string literal");
    char e = p[1];
    if (raw) {
      value += c;
      value += e;
      p += 2;
      continue;
    }
    p += 2;
    switch (e) {
    case '\n':
      break;
    case '\r':
      if (p < end && *p == '\n')
        ++p;
      break;
    case 'n': value += '\n'; break;
    case 't': value += '\t'; break;
    case 'r': value += '\r'; break;
    case '\\': value += '\\'; break;
    case '\'': value += '\''; break;
    case '"': value += '"'; break;
    case 'a': value += '\a'; break;
    case 'b': value += '\b'; break;
    case 'f': value += '\f'; break;
    case 'v': value += '\v'; break;
    case 'x':
    case 'u':
    case 'U': {
      int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      uint32_t cp = 0;
      for (int k = 0; k < n; ++k) {
        if (p >= end || hexValue(*p) < 0)
          return fail(p - 2 - k, std::string("invalid \\") + e + " escape");
        cp = cp * 16 + uint32_t(hexValue(*p++));
      }
      if (cp > 0x10FFFF)
        return fail(p - n - 2, "invalid unicode escape");
      appendUtf8(value, cp);
      break;
    }
    default:
      if (e >= '0' && e <= '7') {
        uint32_t cp = uint32_t(e - '0');
        for (int k = 0; k < 2 && p < end && *p >= '0' && *p <= '7'; ++k)
          cp = cp * 8 + uint32_t(*p++ - '0');
        appendUtf8(value, cp);
      } else {
        // Python keeps unknown escapes as written.
        value += '\\';
        value += e;
      }
    }
  }
  push(fmt ? Token::Kind::FString : Token::Kind::String, start, p);
  out.back().str = std::move(value);
  return true;
}

bool Lexer::lexOp() {
  static const char *const ops3[] = {"**=", "//=", ">>=", "<<=", "..."};
  static const char *const ops2[] = {"**", "//", "==", "!=", "<=", ">=", "+=",
                                     "-=", "*=", "/=", "%=", "->", "<<", ">>",
                                     "&=", "|=", "^=", "@=", ":="};
  llvm::StringRef rest(p, end - p);
  for (const char *op : ops3)
    if (rest.startswith(op)) {
      push(Token::Kind::Op, p, p + 3);
      p += 3;
      return true;
    }
  for (const char *op : ops2)
    if (rest.startswith(op)) {
      push(Token::Kind::Op, p, p + 2);
      p += 2;
      return true;
    }
  char c = *p;
  if (llvm::StringRef("()[]{},:.;@=+-*/%<>~&|^").contains(c)) {
    if (c == '(' || c == '[' || c == '{') {
      if (brackets.size() >= kMaxBrackets)
        return fail(p, "too many nested parentheses");
      brackets.push_back(p);
    } else if (c == ')' || c == ']' || c == '}') {
      if (brackets.empty())
        return fail(p, std::string("unmatched '") + c + "'");
      char open = *brackets.back();
      char want = open == '(' ? ')' : open == '[' ? ']' : '}';
      if (c != want)
        return fail(p, std::string("closing parenthesis '") + c +
                           "' does not match opening parenthesis '" + open +
                           "'");
      brackets.pop_back();
    }
    push(Token::Kind::Op, p, p + 1);
    ++p;
    return true;
  }
  char buf[16];
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7F)
    snprintf(buf, sizeof buf, "'%c'", c);
  else
    snprintf(buf, sizeof buf, "'\\x%02x'", u);
  return fail(p, std::string("invalid character ") + buf + " in source");
}

bool Lexer::run() {
  bool lineStart = true;
  while (true) {
    if (lineStart && brackets.empty()) {
      if (!startOfLine())
        return false;
      lineStart = false;
    }
    if (p >= end)
      break;
    char c = *p;
    if (c == ' ' || c == '\t' || c == '\f') {
      ++p;
    } else if (c == '#') {
      while (p < end && *p != '\n' && *p != '\r')
        ++p;
    } else if (c == '\n' || c == '\r') {
      const char *nl = p;
      p += (c == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
      if (brackets.empty()) {
        if (!out.empty() && !out.back().is(Token::Kind::Newline) &&
            !out.back().is(Token::Kind::Indent) &&
            !out.back().is(Token::Kind::Dedent))
          push(Token::Kind::Newline, nl, nl);
        lineStart = true;
      }
    } else if (c == '\\') {
      const char *q = p + 1;
      if (q < end && *q == '\r')
        ++q;
      if (q >= end || *q != '\n')
        return fail(p, "unexpected character after line continuation "
                       "character");
      p = q + 1;
    } else if (isIdentStart(c)) {
      const char *start = p;
      while (p < end && isIdentChar(*p))
        ++p;
      llvm::StringRef word(start, p - start);
      if (p < end && (*p == '\'' || *p == '"') && word.size() <= 2) {
        std::string lower = word.lower();
        bool raw = lower.find('r') != std::string::npos;
        bool fmt = lower.find('f') != std::string::npos;
        if (lower == "r" || lower == "b" || lower == "f" || lower == "u" ||
            lower == "rb" || lower == "br" || lower == "fr" || lower == "rf") {
          if (!lexString(start, raw, fmt))
            return false;
          continue;
        }
      }
      push(Token::Kind::Name, start, p);
    } else if (isDigit(c) || (c == '.' && p + 1 < end && isDigit(p[1]))) {
      if (!lexNumber())
        return false;
    } else if (c == '\'' || c == '"') {
      if (!lexString(p, false, false))
        return false;
    } else if (!lexOp()) {
      return false;
    }
  }
  if (!brackets.empty())
    return fail(brackets.back(),
                std::string("'") + *brackets.back() + "' was never closed");
  if (!out.empty() && !out.back().is(Token::Kind::Newline) &&
      !out.back().is(Token::Kind::Dedent))
    push(Token::Kind::Newline, end, end);
  while (indents.size() > 1) {
    indents.pop_back();
    push(Token::Kind::Dedent, end, end);
  }
  push(Token::Kind::End, end, end);
  return true;
}

} // namespace

bool tokenize(llvm::StringRef buffer, std::vector<Token> &out, Diag &err) {
  out.clear();
  Lexer lexer(buffer, out, err);
  if (lexer.run())
    return true;
  out.clear();
  Token t;
  t.text = llvm::StringRef(buffer.end(), 0);
  out.push_back(t);
  return false;
}

} // namespace kiln::frontend::python
