//===- ModelSpec.cpp - Keras values and Keras's layer names ---------------===//
//
// Small helpers on the frontend's model description: constructors and
// printing for KValue, and Keras's rules for naming layers.
//
//===----------------------------------------------------------------------===//
#include "frontend/ModelSpec.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace kiln::frontend {

KValue KValue::none(llvm::SMLoc loc) {
  KValue v;
  v.loc = loc;
  return v;
}
KValue KValue::boolean(bool x, llvm::SMLoc loc) {
  KValue v;
  v.kind = Kind::Bool;
  v.b = x;
  v.loc = loc;
  return v;
}
KValue KValue::integer(int64_t x, llvm::SMLoc loc) {
  KValue v;
  v.kind = Kind::Int;
  v.i = x;
  v.loc = loc;
  return v;
}
KValue KValue::real(double x, llvm::SMLoc loc) {
  KValue v;
  v.kind = Kind::Float;
  v.f = x;
  v.loc = loc;
  return v;
}
KValue KValue::string(std::string x, llvm::SMLoc loc) {
  KValue v;
  v.kind = Kind::String;
  v.s = std::move(x);
  v.loc = loc;
  return v;
}
KValue KValue::list(std::vector<KValue> x, llvm::SMLoc loc) {
  KValue v;
  v.kind = Kind::List;
  v.items = std::move(x);
  v.loc = loc;
  return v;
}
KValue KValue::tuple(std::vector<KValue> x, llvm::SMLoc loc) {
  KValue v;
  v.kind = Kind::Tuple;
  v.items = std::move(x);
  v.loc = loc;
  return v;
}
KValue KValue::dict(std::vector<std::pair<std::string, KValue>> x,
                    llvm::SMLoc loc) {
  KValue v;
  v.kind = Kind::Dict;
  v.fields = std::move(x);
  v.loc = loc;
  return v;
}

const KValue *KValue::get(const std::string &key) const {
  if (kind != Kind::Dict)
    return nullptr;
  for (const auto &f : fields)
    if (f.first == key)
      return &f.second;
  return nullptr;
}

std::string KValue::str() const {
  switch (kind) {
  case Kind::None:
    return "None";
  case Kind::Bool:
    return b ? "True" : "False";
  case Kind::Int:
    return std::to_string(i);
  case Kind::Float: {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", f);
    // Shortest form that reads back the same, as Python's repr.
    for (int p = 1; p <= 17; ++p) {
      std::snprintf(buf, sizeof buf, "%.*g", p, f);
      if (std::strtod(buf, nullptr) == f)
        break;
    }
    std::string s = buf;
    if (s.find_first_of(".eEn") == std::string::npos)
      s += ".0";
    return s;
  }
  case Kind::String:
    return "\"" + s + "\"";
  case Kind::List:
  case Kind::Tuple: {
    std::string out = kind == Kind::List ? "[" : "(";
    for (size_t k = 0; k < items.size(); ++k)
      out += (k ? ", " : "") + items[k].str();
    if (kind == Kind::Tuple && items.size() == 1)
      out += ",";
    return out + (kind == Kind::List ? "]" : ")");
  }
  case Kind::Dict: {
    std::string out = "{";
    for (size_t k = 0; k < fields.size(); ++k)
      out += (k ? ", \"" : "\"") + fields[k].first + "\": " +
             fields[k].second.str();
    return out + "}";
  }
  }
  return "";
}

const KValue *CallSpec::kwarg(const std::string &key) const {
  for (const auto &kw : kwargs)
    if (kw.first == key)
      return &kw.second;
  return nullptr;
}

// Keras: re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name), then
// re.sub("([a-z])([A-Z])", r"\1_\2", name).lower(), after dropping \W.
std::string toSnakeCase(const std::string &className) {
  std::string in;
  for (char c : className)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_')
      in += c;
  auto isUpper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto isLower = [](char c) { return c >= 'a' && c <= 'z'; };
  // 1. An underscore before every capitalised word that follows a character.
  std::string pass1;
  for (size_t k = 0; k < in.size(); ++k) {
    if (k > 0 && isUpper(in[k]) && k + 1 < in.size() && isLower(in[k + 1]))
      pass1 += '_';
    pass1 += in[k];
  }
  // 2. An underscore between a lower-case letter and a capital. (Python's
  // re.sub does not re-match characters it consumed; a lower-case letter
  // followed by a capital never overlaps with another such pair.)
  std::string out;
  for (size_t k = 0; k < pass1.size(); ++k) {
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(pass1[k])));
    if (isLower(pass1[k]) && k + 1 < pass1.size() && isUpper(pass1[k + 1]))
      out += '_';
  }
  return out;
}

std::string uniqueName(const std::string &className,
                       std::map<std::string, int> &used) {
  std::string base = className == "InputLayer" ? "input_layer"
                                               : toSnakeCase(className);
  int n = used[base]++;
  return n == 0 ? base : base + "_" + std::to_string(n);
}

} // namespace kiln::frontend
