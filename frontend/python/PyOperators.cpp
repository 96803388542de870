//===- PyOperators.cpp - Constant folding and builtins --------------------===//
//
// Python's binary operators on the interpreter's values (numbers with
// Python's division, modulo and power rules and overflow checks; strings,
// tuples and lists; opaque data passes through) and the few builtins model
// scripts call. Kept apart from PyInterpreter.cpp, which walks the tree.
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyInterp.h"

#include <cmath>

namespace kiln::frontend::python {
namespace {
constexpr size_t kMaxString = 1000000;
constexpr int kMaxValueSize = 100000;
constexpr int kMaxRange = 10000;
} // namespace

using namespace values;

bool Interp::binary(const std::string &op, const Value &l, const Value &r,
                    llvm::SMLoc loc, Value &out) {
  auto unsupported = [&] {
    return fail(loc, "unsupported operand types for " + op + ": '" +
                         typeName(l) + "' and '" + typeName(r) + "'");
  };
  if (holdsKeras(l) || holdsKeras(r))
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
  if (l.kind == VK::Opaque || r.kind == VK::Opaque ||
      (op == "%" && l.kind == VK::Str)) {
    out = opaque("expression", loc);
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

bool Interp::callBuiltin(const Value &fn, const Expr &e,
                         std::vector<Value> &args, llvm::SMLoc loc,
                         Value &out) {
  const std::string &name = fn.s;
  out = Value();
  out.loc = loc;
  if (name == "print")
    return true;
  auto argCount = [&](size_t lo, size_t hi) {
    if (args.size() >= lo && args.size() <= hi)
      return true;
    return fail(loc, name + "() takes " + llvm::Twine(lo) +
                         (lo == hi ? "" : " to " + std::to_string(hi)) +
                         " arguments (" + llvm::Twine(args.size()) +
                         " given)");
  };
  for (const Value &a : args)
    if (a.kind == VK::Opaque || holdsKeras(a)) {
      if (holdsKeras(a))
        return fail(a.loc, name + "() of Keras tensors is not supported");
      out = opaque(e.source().str(), loc);
      return true;
    }
  if (name == "len") {
    if (!argCount(1, 1))
      return false;
    if (args[0].kind == VK::Str) {
      out.kind = VK::Int;
      out.i = int64_t(args[0].s.size());
      return true;
    }
    if (!args[0].isSeq() && args[0].kind != VK::Dict)
      return fail(loc, "object of type '" + typeName(args[0]) +
                           "' has no len()");
    out.kind = VK::Int;
    out.i = int64_t(args[0].items.size());
    return true;
  }
  if (name == "range") {
    if (!argCount(1, 3))
      return false;
    for (const Value &a : args)
      if (a.kind != VK::Int && a.kind != VK::Bool)
        return fail(a.loc, "range() arguments must be integers");
    int64_t lo = args.size() > 1 ? asInt(args[0]) : 0;
    int64_t hi = args.size() > 1 ? asInt(args[1]) : asInt(args[0]);
    int64_t step = args.size() > 2 ? asInt(args[2]) : 1;
    if (step == 0)
      return fail(args[2].loc, "range() arg 3 must not be zero");
    std::vector<Value> items;
    for (int64_t k = lo; step > 0 ? k < hi : k > hi;) {
      if (items.size() >= size_t(kMaxRange))
        return fail(loc, "range() is too long for kiln (over 10000)");
      Value v;
      v.kind = VK::Int;
      v.i = k;
      v.loc = loc;
      items.push_back(v);
      if (__builtin_add_overflow(k, step, &k))
        break;
    }
    return makeSeq(VK::List, std::move(items), loc, out);
  }
  if (name == "list" || name == "tuple") {
    if (!argCount(0, 1))
      return false;
    std::vector<Value> items;
    if (!args.empty() && !iterate(args[0], args[0].loc, items))
      return false;
    return makeSeq(name == "list" ? VK::List : VK::Tuple, std::move(items),
                   loc, out);
  }
  if (name == "str") {
    if (!argCount(0, 1))
      return false;
    out.kind = VK::Str;
    if (args.empty())
      return true;
    const Value &a = args[0];
    if (a.kind == VK::Str)
      out.s = a.s;
    else if (a.kind == VK::Int)
      out.s = std::to_string(a.i);
    else if (a.kind == VK::Float)
      out.s = KValue::real(a.f).str();
    else if (a.kind == VK::Bool)
      out.s = a.b ? "True" : "False";
    else if (a.kind == VK::None)
      out.s = "None";
    else
      out = opaque(e.source().str(), loc);
    return true;
  }
  for (const Value &a : args)
    if (!a.isNum())
      return fail(a.loc, name + "() of a " + typeName(a) +
                             " is not supported");
  if (name == "int" || name == "float" || name == "abs" || name == "round") {
    if (!argCount(name == "int" || name == "float" ? 0 : 1, 1))
      return false;
    Value a = args.empty() ? Value() : args[0];
    if (args.empty())
      a.kind = VK::Int;
    bool toFloat = name == "float" || (name == "abs" && a.kind == VK::Float);
    if (toFloat) {
      out.kind = VK::Float;
      out.f = name == "abs" ? std::fabs(a.f) : asDouble(a);
      return true;
    }
    double d = asDouble(a);
    if (name == "round")
      d = std::nearbyint(d);
    if (name == "abs" && a.kind != VK::Float) {
      if (asInt(a) == INT64_MIN)
        return fail(loc, "integer overflow in constant arithmetic");
      out.kind = VK::Int;
      out.i = asInt(a) < 0 ? -asInt(a) : asInt(a);
      return true;
    }
    if (!(d > -9.2e18 && d < 9.2e18))
      return fail(loc, "cannot convert the value to an integer");
    out.kind = VK::Int;
    out.i = a.kind == VK::Float ? int64_t(d) : asInt(a);
    return true;
  }
  // min / max
  if (args.empty())
    return fail(loc, name + "() expected at least 1 argument");
  size_t best = 0;
  for (size_t k = 1; k < args.size(); ++k) {
    double a = asDouble(args[k]), b = asDouble(args[best]);
    if (name == "min" ? a < b : a > b)
      best = k;
  }
  out = args[best];
  out.loc = loc;
  return true;
}

} // namespace kiln::frontend::python
