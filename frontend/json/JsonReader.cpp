//===- JsonReader.cpp - A JSON reader that keeps source locations ---------===//
//
// A recursive-descent reader over one SourceMgr buffer. It never reads past
// the buffer's end (every access is checked against `end`, not against the
// terminating NUL that MemoryBuffer happens to add), stops at the first
// error, and limits nesting so that recursion depth is bounded by maxDepth.
//
//===----------------------------------------------------------------------===//
#include "frontend/json/JsonReader.h"
#include "frontend/Diagnostics.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace kiln::frontend {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

int hexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class JsonParser {
public:
  JsonParser(llvm::SourceMgr &sm, unsigned bufferId, llvm::raw_ostream &errs,
             unsigned maxDepth)
      : sm(sm), errs(errs), maxDepth(maxDepth) {
    const llvm::MemoryBuffer *buf = sm.getMemoryBuffer(bufferId);
    cur = buf->getBufferStart();
    end = buf->getBufferEnd();
  }

  std::optional<KValue> parseDocument() {
    // Python's json module writes no byte-order mark, but editors on Windows
    // add one; skipping it costs nothing.
    if (end - cur >= 3 && llvm::StringRef(cur, 3) == "\xEF\xBB\xBF")
      cur += 3;
    KValue value;
    if (!parseValue(value, 0))
      return std::nullopt;
    skipSpace();
    if (cur != end) {
      error(cur, "expected end of input after the JSON value, found " +
                     describe(cur));
      return std::nullopt;
    }
    return value;
  }

private:
  llvm::SourceMgr &sm;
  llvm::raw_ostream &errs;
  unsigned maxDepth;
  const char *cur = nullptr;
  const char *end = nullptr;

  bool error(const char *at, const llvm::Twine &msg) {
    reportJsonError(sm, errs, llvm::SMLoc::getFromPointer(at), msg);
    return false;
  }

  /// What stands at `at`, for "expected X, found Y" messages.
  std::string describe(const char *at) const {
    if (at >= end)
      return "end of input";
    unsigned char c = static_cast<unsigned char>(*at);
    char buf[16];
    if (c >= 0x20 && c < 0x7F)
      std::snprintf(buf, sizeof buf, "'%c'", c);
    else
      std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
    return buf;
  }

  void skipSpace() {
    while (cur < end &&
           (*cur == ' ' || *cur == '\t' || *cur == '\n' || *cur == '\r'))
      ++cur;
  }

  bool parseValue(KValue &out, unsigned depth) {
    skipSpace();
    if (cur == end)
      return error(cur, "expected a JSON value, found end of input");
    llvm::SMLoc loc = llvm::SMLoc::getFromPointer(cur);
    char c = *cur;
    if (c == '{' || c == '[') {
      if (depth >= maxDepth)
        return error(cur, "JSON nested deeper than " + llvm::Twine(maxDepth) +
                              " levels");
      return c == '{' ? parseObject(out, depth + 1)
                      : parseArray(out, depth + 1);
    }
    if (c == '"') {
      std::string s;
      if (!parseString(s))
        return false;
      out = KValue::string(std::move(s), loc);
      return true;
    }
    if (c == '-' && cur + 1 < end && cur[1] == 'I') {
      ++cur;
      if (!parseWord(out, loc))
        return false;
      out.f = -out.f;
      return true;
    }
    if (c == '-' || isDigit(c))
      return parseNumber(out);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
      return parseWord(out, loc);
    return error(cur, "expected a JSON value, found " + describe(cur));
  }

  /// true, false, null, and Python's NaN and Infinity. `loc` is where the
  /// value starts (before a '-' that parseValue consumed).
  bool parseWord(KValue &out, llvm::SMLoc loc) {
    const char *start = cur;
    while (cur < end && (std::isalnum(static_cast<unsigned char>(*cur)) ||
                         *cur == '_'))
      ++cur;
    llvm::StringRef word(start, cur - start);
    bool negated = start > loc.getPointer();
    if (!negated && word == "true")
      out = KValue::boolean(true, loc);
    else if (!negated && word == "false")
      out = KValue::boolean(false, loc);
    else if (!negated && word == "null")
      out = KValue::none(loc);
    else if (!negated && word == "NaN")
      out = KValue::real(std::numeric_limits<double>::quiet_NaN(), loc);
    else if (word == "Infinity")
      out = KValue::real(std::numeric_limits<double>::infinity(), loc);
    else
      return error(loc.getPointer(),
                   "expected a JSON value, found '" +
                       llvm::StringRef(loc.getPointer(),
                                       std::min<size_t>(cur - loc.getPointer(),
                                                        24)) +
                       "'");
    return true;
  }

  /// RFC 8259's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  bool parseNumber(KValue &out) {
    const char *start = cur;
    llvm::SMLoc loc = llvm::SMLoc::getFromPointer(start);
    if (*cur == '-')
      ++cur;
    if (cur == end || !isDigit(*cur))
      return error(cur, "expected a digit after '-', found " + describe(cur));
    if (*cur == '0')
      ++cur;
    else
      while (cur < end && isDigit(*cur))
        ++cur;
    bool integral = true;
    if (cur < end && *cur == '.') {
      ++cur;
      if (cur == end || !isDigit(*cur))
        return error(cur, "expected a digit after the decimal point, found " +
                              describe(cur));
      while (cur < end && isDigit(*cur))
        ++cur;
      integral = false;
    }
    if (cur < end && (*cur == 'e' || *cur == 'E')) {
      ++cur;
      if (cur < end && (*cur == '+' || *cur == '-'))
        ++cur;
      if (cur == end || !isDigit(*cur))
        return error(cur, "expected a digit in the exponent, found " +
                              describe(cur));
      while (cur < end && isDigit(*cur))
        ++cur;
      integral = false;
    }
    llvm::StringRef text(start, cur - start);
    int64_t i;
    // getAsInteger fails on overflow; Python would keep a big int, kiln
    // keeps the nearest double, which is what any shape or rate needs.
    if (integral && !text.getAsInteger(10, i)) {
      out = KValue::integer(i, loc);
      return true;
    }
    // strtod reads '.' as the decimal point in the "C" locale, which kiln's
    // tools never change. The copy gives it a terminated string.
    out = KValue::real(std::strtod(text.str().c_str(), nullptr), loc);
    return true;
  }

  bool parseHex4(const char *escape, uint32_t &cp) {
    // `escape` points at the backslash of "\uXXXX".
    if (end - escape < 6)
      return error(escape, "expected 4 hex digits after '\\u'");
    cp = 0;
    for (int k = 2; k < 6; ++k) {
      int h = hexValue(escape[k]);
      if (h < 0)
        return error(escape, "expected 4 hex digits after '\\u'");
      cp = cp * 16 + h;
    }
    return true;
  }

  /// A string starting at the '"' under `cur`; leaves `cur` after the
  /// closing quote. Bytes >= 0x80 pass through unchecked.
  bool parseString(std::string &out) {
    const char *open = cur++;
    while (true) {
      const char *run = cur;
      while (cur < end && *cur != '"' && *cur != '\\' &&
             static_cast<unsigned char>(*cur) >= 0x20)
        ++cur;
      out.append(run, cur - run);
      if (cur == end)
        return error(open, "unterminated string");
      if (*cur == '"') {
        ++cur;
        return true;
      }
      if (*cur != '\\') {
        char buf[80];
        std::snprintf(buf, sizeof buf,
                      "control character 0x%02X in a string must be escaped",
                      static_cast<unsigned char>(*cur));
        return error(cur, buf);
      }
      const char *escape = cur;
      if (cur + 1 == end)
        return error(open, "unterminated string");
      char e = cur[1];
      cur += 2;
      switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp;
        if (!parseHex4(escape, cp))
          return false;
        cur = escape + 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return error(escape, "unpaired UTF-16 surrogate in a \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          // A high surrogate must be followed by "\u" and a low surrogate.
          uint32_t low = 0;
          if (end - cur < 2 || cur[0] != '\\' || cur[1] != 'u')
            return error(escape, "unpaired UTF-16 surrogate in a \\u escape");
          if (!parseHex4(cur, low))
            return false;
          if (low < 0xDC00 || low > 0xDFFF)
            return error(escape, "unpaired UTF-16 surrogate in a \\u escape");
          cur += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        return error(escape, "invalid escape in a string: '\\' followed by " +
                                 describe(escape + 1));
      }
    }
  }

  bool parseArray(KValue &out, unsigned depth) {
    out = KValue::list({}, llvm::SMLoc::getFromPointer(cur));
    ++cur;
    skipSpace();
    if (cur < end && *cur == ']') {
      ++cur;
      return true;
    }
    while (true) {
      out.items.emplace_back();
      if (!parseValue(out.items.back(), depth))
        return false;
      skipSpace();
      if (cur < end && *cur == ',') {
        ++cur;
        continue;
      }
      if (cur < end && *cur == ']') {
        ++cur;
        return true;
      }
      return error(cur, "expected ',' or ']' after an array element, found " +
                            describe(cur));
    }
  }

  bool parseObject(KValue &out, unsigned depth) {
    out = KValue::dict({}, llvm::SMLoc::getFromPointer(cur));
    ++cur;
    skipSpace();
    if (cur < end && *cur == '}') {
      ++cur;
      return true;
    }
    // Key -> index in out.fields, so that repeated keys cost no quadratic
    // scan on hostile input.
    llvm::StringMap<size_t> index;
    while (true) {
      skipSpace();
      if (cur == end || *cur != '"')
        return error(cur, "expected a string key in an object, found " +
                              describe(cur));
      std::string key;
      if (!parseString(key))
        return false;
      skipSpace();
      if (cur == end || *cur != ':')
        return error(cur,
                     "expected ':' after an object key, found " + describe(cur));
      ++cur;
      KValue value;
      if (!parseValue(value, depth))
        return false;
      auto inserted = index.try_emplace(key, out.fields.size());
      if (inserted.second)
        out.fields.emplace_back(std::move(key), std::move(value));
      else
        out.fields[inserted.first->second].second = std::move(value);
      skipSpace();
      if (cur < end && *cur == ',') {
        ++cur;
        continue;
      }
      if (cur < end && *cur == '}') {
        ++cur;
        return true;
      }
      return error(cur, "expected ',' or '}' after an object member, found " +
                            describe(cur));
    }
  }
};

} // namespace

void reportJsonError(llvm::SourceMgr &sm, llvm::raw_ostream &errs,
                     llvm::SMLoc loc, const llvm::Twine &msg) {
  printSourceMessage(sm, errs, loc, llvm::SourceMgr::DK_Error, msg);
}

std::optional<KValue> parseJsonDocument(llvm::SourceMgr &sm, unsigned bufferId,
                                        llvm::raw_ostream &errs,
                                        unsigned maxDepth) {
  return JsonParser(sm, bufferId, errs, maxDepth).parseDocument();
}

} // namespace kiln::frontend
