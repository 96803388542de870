//===- PyFormat.cpp - str(), repr() and format specs ----------------------===//
//
// Python's repr() of constants and containers, and the format-spec
// mini-language ([[fill]align][sign][#][0][width][,][.precision][type])
// behind f-strings, str.format, format() and printf-style `%`.
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyInterp.h"

#include <algorithm>
#include <cmath>

namespace kiln::frontend::python {
namespace {
using namespace values;
using VK = Value::Kind;


std::string quote(const std::string &s) {
  char q = s.find('\'') != std::string::npos && s.find('"') == std::string::npos
               ? '"'
               : '\'';
  std::string out(1, q);
  for (char c : s) {
    if (c == q || c == '\\')
      out += '\\';
    if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out + q;
}

/// Python's repr() of a constant; false for values it cannot spell.
bool reprOf(const Value &v, bool asStr, std::string &out) {
  switch (v.kind) {
  case VK::None: out = "None"; return true;
  case VK::Bool: out = v.b ? "True" : "False"; return true;
  case VK::Int: out = std::to_string(v.i); return true;
  case VK::Float: out = KValue::real(v.f).str(); return true;
  case VK::Str: out = asStr ? v.s : quote(v.s); return true;
  case VK::Tuple:
  case VK::List:
  case VK::Set:
  case VK::Dict: {
    bool dict = v.kind == VK::Dict;
    out = v.kind == VK::List ? "[" : v.kind == VK::Tuple ? "(" : "{";
    for (size_t k = 0; k < v.items.size(); ++k) {
      std::string item;
      if (!reprOf(v.items[k], false, item))
        return false;
      if (k)
        out += ", ";
      if (dict)
        out += quote(v.keys[k]) + ": ";
      out += item;
    }
    if (v.kind == VK::Tuple && v.items.size() == 1)
      out += ",";
    if (v.kind == VK::Set && v.items.empty())
      out = "set(";
    out += v.kind == VK::List ? "]" : v.kind == VK::Tuple ? ")"
           : v.kind == VK::Set && v.items.empty()          ? ")"
                                                           : "}";
    return true;
  }
  default:
    return false;
  }
}
} // namespace

using namespace values;

bool Interp::formatValue(const Value &v, const std::string &specIn,
                         llvm::SMLoc loc, Value &out) {
  std::string spec = specIn;
  char conv = 0;
  if (spec.size() >= 2 && spec[0] == '!') {
    conv = spec[1];
    spec = spec.substr(2);
  }
  if (!spec.empty() && spec[0] == ':')
    spec = spec.substr(1);
  if (v.kind == VK::Opaque) {
    out = derived(v, "a formatted data value", loc);
    return true;
  }
  if (spec.find('{') != std::string::npos)
    return fail(loc, "nested replacement fields in a format spec are not "
                     "supported");
  std::string text;
  if (v.kind == VK::Layer && spec.empty()) {
    out = opaque("a formatted layer", loc);
    return true;
  }
  if (!reprOf(v, conv != 'r' && conv != 'a', text)) {
    out = opaque("a formatted " + typeName(v), loc);
    return true;
  }
  if (spec.empty()) {
    out = strValue(text, loc);
    return true;
  }
  // [[fill]align][sign][#][0][width][,|_][.precision][type]
  size_t i = 0;
  char fill = ' ', align = 0, sign = '-', group = 0, type = 0;
  auto isAlign = [](char c) {
    return c == '<' || c == '>' || c == '=' || c == '^';
  };
  if (spec.size() >= 2 && isAlign(spec[1])) {
    fill = spec[0];
    align = spec[1];
    i = 2;
  } else if (isAlign(spec[0])) {
    align = spec[0];
    i = 1;
  }
  if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' '))
    sign = spec[i++];
  if (i < spec.size() && spec[i] == '#')
    ++i;
  if (i < spec.size() && spec[i] == '0') {
    if (!align) {
      fill = '0';
      align = '=';
    }
    ++i;
  }
  size_t width = 0;
  while (i < spec.size() && isdigit(static_cast<unsigned char>(spec[i])))
    width = std::min<size_t>(width * 10 + size_t(spec[i++] - '0'), 1000);
  if (i < spec.size() && (spec[i] == ',' || spec[i] == '_'))
    group = spec[i++];
  int precision = -1;
  if (i < spec.size() && spec[i] == '.') {
    precision = 0;
    ++i;
    while (i < spec.size() && isdigit(static_cast<unsigned char>(spec[i])))
      precision = std::min(precision * 10 + (spec[i++] - '0'), 100);
  }
  if (i < spec.size())
    type = spec[i++];
  if (i != spec.size())
    return fail(loc, "invalid format specifier '" + spec + "'");
  bool numeric = v.isNum() && conv == 0;
  if (numeric) {
    double d = asDouble(v);
    bool neg = d < 0 || (v.kind == VK::Int && v.i < 0);
    char buf[512];
    std::string body;
    if (type == 0 && v.kind != VK::Float && precision < 0)
      type = 'd';
    if (type == 'd' || type == 'n') {
      if (v.kind == VK::Float)
        return fail(loc, "unknown format code 'd' for object of type "
                         "'float'");
      int64_t x = asInt(v);
      body = std::to_string(x < 0 ? -(x + 1) + 1ULL : uint64_t(x));
    } else if (type == 'f' || type == 'F' || type == 'e' || type == 'E' ||
               type == 'g' || type == 'G' || type == '%' || type == 0) {
      double x = std::fabs(d) * (type == '%' ? 100 : 1);
      if (type == 0) {
        if (precision < 0) {
          body = KValue::real(std::fabs(d)).str();
        } else {
          std::snprintf(buf, sizeof buf, "%.*g", std::max(precision, 1), x);
          body = buf;
        }
      } else {
        char t = type == '%' ? 'f' : type;
        std::string f = std::string("%.*") + t;
        std::snprintf(buf, sizeof buf, f.c_str(),
                      precision < 0 ? 6 : precision, x);
        body = buf;
        if (type == '%')
          body += "%";
      }
    } else {
      return fail(loc, std::string("unknown format code '") + type +
                           "' for a number");
    }
    if (group) {
      size_t end = body.find_first_not_of("0123456789");
      if (end == std::string::npos)
        end = body.size();
      for (long k = long(end) - 3; k > 0; k -= 3)
        body.insert(size_t(k), 1, group);
    }
    std::string signText = neg ? "-" : sign == '+' ? "+" : sign == ' ' ? " "
                                                                        : "";
    if (!align)
      align = '>';
    if (align == '=' && body.size() + signText.size() < width)
      body.insert(0, width - body.size() - signText.size(), fill);
    text = signText + body;
  } else {
    if (type != 0 && type != 's')
      return fail(loc, std::string("unknown format code '") + type +
                           "' for object of type '" + typeName(v) + "'");
    if (precision >= 0 && size_t(precision) < text.size())
      text = text.substr(0, size_t(precision));
    if (!align)
      align = '<';
  }
  if (text.size() < width) {
    size_t pad = width - text.size();
    if (align == '<')
      text += std::string(pad, fill);
    else if (align == '^')
      text = std::string(pad / 2, fill) + text +
             std::string(pad - pad / 2, fill);
    else if (align == '>')
      text = std::string(pad, fill) + text;
  }
  out = strValue(text, loc);
  return true;
}

} // namespace kiln::frontend::python
