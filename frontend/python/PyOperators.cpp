//===- PyOperators.cpp - Constant folding and comparisons -----------------===//
//
// Python's binary operators on the interpreter's values (numbers with
// Python's division, modulo and power rules and overflow checks, bitwise
// operators on ints; strings, tuples and lists; printf-style `%` on
// strings; opaque data passes through) and comparisons (==, <, in, is, on
// numbers, strings, containers and object identity). Kept apart from
// PyEval.cpp, which walks the tree.
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyInterp.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace kiln::frontend::python {
namespace {
constexpr size_t kMaxString = 1000000;
constexpr int kMaxValueSize = 100000;

/// Identity of objects that have one (layers, models, user objects).
bool sameObject(const Value &l, const Value &r) {
  using VK = Value::Kind;
  if (l.kind != r.kind)
    return false;
  switch (l.kind) {
  case VK::Layer:
  case VK::Model:
  case VK::Instance:
  case VK::Class:
  case VK::Function:
    return l.ref == r.ref;
  case VK::Tensor:
    return l.ref == r.ref && l.index == r.index;
  case VK::Module:
  case VK::Builtin:
  case VK::LayerClass:
  case VK::KerasFn:
  case VK::ConfigClass:
    return l.s == r.s && l.s2 == r.s2;
  default:
    return false;
  }
}
} // namespace

using namespace values;

bool Interp::binary(const std::string &op, const Value &l, const Value &r,
                    llvm::SMLoc loc, Value &out) {
  auto unsupported = [&] {
    return fail(loc, "unsupported operand types for " + op + ": '" +
                         typeName(l) + "' and '" + typeName(r) + "'");
  };
  auto keras = [](const Value &v) {
    return v.kind == VK::Tensor || v.kind == VK::Layer;
  };
  if (keras(l) || keras(r) ||
      ((holdsKeras(l) || holdsKeras(r)) && !(l.isSeq() && r.kind == l.kind)))
    return fail(loc, "operator '" + op +
                         "' on Keras tensors is not supported; use a layer "
                         "such as layers.Add()");
  out = Value();
  out.loc = loc;
  if (op == "is" || op == "is not") {
    if (l.kind != VK::None && r.kind != VK::None)
      return unsupported();
    out.kind = VK::Bool;
    out.b = (l.kind == r.kind) == (op == "is");
    return true;
  }
  if (l.kind == VK::Opaque || r.kind == VK::Opaque) {
    out = derived(l.kind == VK::Opaque ? l : r, "expression", loc);
    return true;
  }
  if (op == "%" && l.kind == VK::Str) {
    // printf-style formatting: %s %r %d %i %f %e %g %x %%, with flags,
    // width and precision passed to the same spec formatter as f-strings.
    std::vector<Value> args = r.kind == VK::Tuple ? r.items
                                                  : std::vector<Value>{r};
    std::string text;
    size_t next = 0;
    const std::string &f = l.s;
    for (size_t i = 0; i < f.size(); ++i) {
      if (f[i] != '%') {
        text += f[i];
        continue;
      }
      size_t j = i + 1;
      std::string flags;
      while (j < f.size() && strchr("-+ 0#.0123456789", f[j]))
        flags += f[j++];
      if (j >= f.size())
        return fail(loc, "incomplete format");
      char t = f[j];
      i = j;
      if (t == '%') {
        text += '%';
        continue;
      }
      if (next >= args.size())
        return fail(loc, "not enough arguments for format string");
      std::string spec = t == 'r' ? "!r" : "";
      std::string conv = flags;
      if (!conv.empty() && conv[0] == '-')
        conv = "<" + conv.substr(1);
      char type = t == 'i' || t == 'u' ? 'd' : t == 's' || t == 'r' ? 0 : t;
      if (type != 0 || !conv.empty())
        spec += ":" + conv + (type ? std::string(1, type) : "");
      Value piece;
      if (!formatValue(args[next++], spec, loc, piece))
        return false;
      if (piece.kind != VK::Str) {
        out = piece;
        return true;
      }
      text += piece.s;
    }
    if (next < args.size())
      return fail(loc, "not all arguments converted during string "
                       "formatting");
    out.kind = VK::Str;
    out.s = std::move(text);
    return true;
  }
  if ((op == "&" || op == "|" || op == "^" || op == "<<" || op == ">>") &&
      (l.kind == VK::Int || l.kind == VK::Bool) &&
      (r.kind == VK::Int || r.kind == VK::Bool)) {
    int64_t x = asInt(l), y = asInt(r);
    if ((op == "<<" || op == ">>") && (y < 0 || y > 62))
      return fail(loc, y < 0 ? "negative shift count"
                             : "integer overflow in constant arithmetic");
    if (op == "<<" && (x > (INT64_MAX >> y) || x < (INT64_MIN >> y)))
      return fail(loc, "integer overflow in constant arithmetic");
    out.kind = VK::Int;
    out.i = op == "&"    ? x & y
            : op == "|"  ? x | y
            : op == "^"  ? x ^ y
            : op == "<<" ? x << y
                         : x >> y;
    if (l.kind == VK::Bool && r.kind == VK::Bool && op != "<<" && op != ">>") {
      out.kind = VK::Bool;
      out.b = out.i != 0;
    }
    return true;
  }
  if (l.isNum() && r.isNum()) {
    bool isFloat = l.kind == VK::Float || r.kind == VK::Float;
    static const char *const cmps[] = {"<", ">", "<=", ">=", "==", "!="};
    for (const char *c : cmps)
      if (op == c) {
        double a = asDouble(l), b = asDouble(r);
        bool res = op == "<"    ? a < b
                   : op == ">"  ? a > b
                   : op == "<=" ? a <= b
                   : op == ">=" ? a >= b
                   : op == "==" ? a == b
                                : a != b;
        if (!isFloat) {
          int64_t x = asInt(l), y = asInt(r);
          res = op == "<"    ? x < y
                : op == ">"  ? x > y
                : op == "<=" ? x <= y
                : op == ">=" ? x >= y
                : op == "==" ? x == y
                             : x != y;
        }
        out.kind = VK::Bool;
        out.b = res;
        return true;
      }
    bool divides = op == "/" || op == "//" || op == "%";
    if (divides && asDouble(r) == 0)
      return fail(loc, "division by zero");
    if (!isFloat && op != "/") {
      int64_t x = asInt(l), y = asInt(r), z = 0;
      bool overflow = false;
      if (op == "+")
        overflow = __builtin_add_overflow(x, y, &z);
      else if (op == "-")
        overflow = __builtin_sub_overflow(x, y, &z);
      else if (op == "*")
        overflow = __builtin_mul_overflow(x, y, &z);
      else if (op == "//" || op == "%") {
        if (x == INT64_MIN && y == -1) {
          overflow = op == "//";
        } else {
          int64_t q = x / y, m = x % y;
          if (m != 0 && ((m < 0) != (y < 0))) {
            q -= 1;
            m += y;
          }
          z = op == "//" ? q : m;
        }
      } else if (op == "**") {
        if (y < 0) {
          if (x == 0)
            return fail(loc, "0 cannot be raised to a negative power");
          out.kind = VK::Float;
          out.f = std::pow(double(x), double(y));
          return true;
        }
        z = 1;
        int64_t base = x;
        while (y > 0 && !overflow) {
          if (y & 1)
            overflow = __builtin_mul_overflow(z, base, &z);
          y >>= 1;
          if (y > 0 && !overflow)
            overflow = __builtin_mul_overflow(base, base, &base);
        }
      } else {
        return unsupported();
      }
      if (overflow)
        return fail(loc, "integer overflow in constant arithmetic");
      out.kind = VK::Int;
      out.i = z;
      return true;
    }
    double a = asDouble(l), b = asDouble(r), z;
    if (op == "+")
      z = a + b;
    else if (op == "-")
      z = a - b;
    else if (op == "*")
      z = a * b;
    else if (op == "/")
      z = a / b;
    else if (op == "//")
      z = std::floor(a / b);
    else if (op == "%") {
      z = std::fmod(a, b);
      if (z != 0 && ((z < 0) != (b < 0)))
        z += b;
    } else if (op == "**") {
      if (a == 0 && b < 0)
        return fail(loc, "0.0 cannot be raised to a negative power");
      if (a < 0 && b != std::floor(b))
        return fail(loc, "complex results are not supported");
      z = std::pow(a, b);
    } else {
      return unsupported();
    }
    out.kind = VK::Float;
    out.f = z;
    return true;
  }
  if ((op == "==" || op == "!=") && l.kind == VK::Str && r.kind == VK::Str) {
    out.kind = VK::Bool;
    out.b = (l.s == r.s) == (op == "==");
    return true;
  }
  if (op == "+" && l.kind == VK::Str && r.kind == VK::Str) {
    if (l.s.size() + r.s.size() > kMaxString)
      return fail(loc, "string is too long");
    if (!charge(long(l.s.size() + r.s.size()), loc))
      return false;
    out.kind = VK::Str;
    out.s = l.s + r.s;
    return true;
  }
  if (op == "+" && l.isSeq() && r.kind == l.kind) {
    std::vector<Value> items = l.items;
    items.insert(items.end(), r.items.begin(), r.items.end());
    return makeSeq(l.kind, std::move(items), loc, out);
  }
  if (op == "*" && (l.kind == VK::Int || r.kind == VK::Int) &&
      (l.isSeq() || r.isSeq() || l.kind == VK::Str || r.kind == VK::Str)) {
    const Value &seq = l.kind == VK::Int ? r : l;
    int64_t n = std::max<int64_t>(0, l.kind == VK::Int ? l.i : r.i);
    int64_t unit = seq.kind == VK::Str ? int64_t(seq.s.size())
                                       : int64_t(seq.items.size());
    if (unit == 0)
      n = 0;
    if (unit > 0 && n > int64_t(kMaxString) / unit)
      return fail(loc, "value is too large");
    if (seq.kind == VK::Str) {
      if (!charge(long(n * unit), loc))
        return false;
      out.kind = VK::Str;
      for (int64_t k = 0; k < n; ++k)
        out.s += seq.s;
      return true;
    }
    std::vector<Value> items;
    for (int64_t k = 0; k < n; ++k) {
      if (int64_t(items.size()) * seq.size > kMaxValueSize)
        return fail(loc, "value is too large");
      items.insert(items.end(), seq.items.begin(), seq.items.end());
    }
    return makeSeq(seq.kind, std::move(items), loc, out);
  }
  return unsupported();
}

bool Interp::equal(const Value &l, const Value &r, bool &known) {
  known = true;
  if (l.kind == VK::Opaque || r.kind == VK::Opaque) {
    known = false;
    return false;
  }
  if (l.isNum() && r.isNum())
    return asDouble(l) == asDouble(r) &&
           (l.kind == VK::Float || r.kind == VK::Float ||
            asInt(l) == asInt(r));
  if (l.kind == VK::None || r.kind == VK::None)
    return l.kind == r.kind;
  if (l.kind == VK::Str && r.kind == VK::Str)
    return l.s == r.s;
  if ((l.isSeq() || l.kind == VK::Dict || l.kind == VK::Set) &&
      l.kind == r.kind) {
    if (l.items.size() != r.items.size() || l.keys != r.keys)
      return false;
    for (size_t k = 0; k < l.items.size(); ++k) {
      bool kk;
      bool eq = equal(l.items[k], r.items[k], kk);
      if (!kk) {
        known = false;
        return false;
      }
      if (!eq)
        return false;
    }
    return true;
  }
  return sameObject(l, r);
}

bool Interp::compare(const std::string &op, const Value &l, const Value &r,
                     llvm::SMLoc loc, Value &out) {
  out = Value();
  out.loc = loc;
  if (l.kind == VK::Opaque || r.kind == VK::Opaque) {
    out = derived(l.kind == VK::Opaque ? l : r, "comparison", loc);
    return true;
  }
  out.kind = VK::Bool;
  if (op == "is" || op == "is not") {
    bool same = (l.kind == VK::None || r.kind == VK::None ||
                 l.kind == VK::Bool || r.kind == VK::Bool)
                    ? l.kind == r.kind && (l.kind != VK::Bool || l.b == r.b)
                    : sameObject(l, r);
    out.b = same == (op == "is");
    return true;
  }
  if (op == "==" || op == "!=") {
    bool known;
    bool eq = equal(l, r, known);
    if (!known) {
      out = opaque("comparison", loc);
      return true;
    }
    out.b = eq == (op == "==");
    return true;
  }
  if (op == "in" || op == "not in") {
    bool found = false;
    if (r.kind == VK::Str) {
      if (l.kind != VK::Str)
        return fail(loc, "'in <string>' requires string as left operand");
      found = r.s.find(l.s) != std::string::npos;
    } else if (r.kind == VK::Dict) {
      std::string key = l.kind == VK::Int ? std::to_string(l.i) : l.s;
      found = (l.kind == VK::Str || l.kind == VK::Int) &&
              std::find(r.keys.begin(), r.keys.end(), key) != r.keys.end();
    } else if (r.isSeq() || r.kind == VK::Set) {
      for (const Value &item : r.items) {
        bool known;
        bool eq = equal(item, l, known);
        if (!known) {
          out = opaque("comparison", loc);
          return true;
        }
        found |= eq;
      }
    } else {
      return fail(loc, "argument of type '" + typeName(r) +
                           "' is not iterable");
    }
    out.b = found == (op == "in");
    return true;
  }
  if (holdsKeras(l) || holdsKeras(r))
    return fail(loc, "operator '" + op +
                         "' on Keras tensors is not supported");
  if (l.isNum() && r.isNum())
    return binary(op, l, r, loc, out);
  int c = 0;
  if (l.kind == VK::Str && r.kind == VK::Str) {
    c = l.s.compare(r.s);
  } else if (l.isSeq() && l.kind == r.kind) {
    size_t n = std::min(l.items.size(), r.items.size());
    size_t k = 0;
    for (; k < n; ++k) {
      bool known;
      if (!(equal(l.items[k], r.items[k], known) && known))
        break;
    }
    if (k < n)
      return compare(op, l.items[k], r.items[k], loc, out);
    c = l.items.size() < r.items.size() ? -1
        : l.items.size() > r.items.size() ? 1
                                          : 0;
  } else {
    return fail(loc, "'" + op + "' not supported between instances of '" +
                         typeName(l) + "' and '" + typeName(r) + "'");
  }
  out.b = op == "<"    ? c < 0
          : op == ">"  ? c > 0
          : op == "<=" ? c <= 0
                       : c >= 0;
  return true;
}

}  // namespace kiln::frontend::python
