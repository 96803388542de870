//===- PyBuiltins.cpp - Builtin functions and container methods -----------===//
//
// The builtins model scripts call (len, range, zip, enumerate, sorted, sum,
// min/max, isinstance, map, filter, dict, set, ...) and Python's math
// module. Formatting is in PyFormat.cpp, container methods in
// PyMethods.cpp. A builtin applied to data gives
// data (opaque); builtins that only move values around (list, zip,
// enumerate, reversed, len) accept Keras layers and tensors, arithmetic
// ones refuse them.
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyInterp.h"

#include <algorithm>
#include <cmath>

namespace kiln::frontend::python {
namespace {
using namespace values;
constexpr int kMaxRange = 10000;
constexpr size_t kMaxString = 1000000;
using VK = Value::Kind;


} // namespace

using namespace values;

bool Interp::callBuiltin(const Value &fn, CallArgs &a, llvm::SMLoc loc,
                         const std::string &src, Value &out) {
  const std::string &name = fn.s;
  std::vector<Value> &args = a.args;
  out = Value();
  out.loc = loc;
  if (fn.s2 == "exception") {
    out.kind = VK::Exception;
    out.s = name;
    out.s2 = src;
    return true;
  }
  if (name == "print")
    return true;
  auto kw = [&](const char *key) -> const Value * {
    for (size_t k = 0; k < a.kwNames.size(); ++k)
      if (a.kwNames[k] == key)
        return &a.kwargs[k];
    return nullptr;
  };
  static const char *const kwOk[][4] = {
      {"sorted", "key", "reverse", nullptr}, {"min", "key", "default", nullptr},
      {"max", "key", "default", nullptr},    {"sum", "start", nullptr, nullptr},
      {"enumerate", "start", nullptr, nullptr}, {"zip", "strict", nullptr,
                                                 nullptr},
      {"int", "base", nullptr, nullptr},     {"round", "ndigits", nullptr,
                                              nullptr}};
  if (name != "dict" && name != "open" && name != "type" && name != "super")
    for (size_t k = 0; k < a.kwNames.size(); ++k) {
      bool ok = false;
      for (auto &row : kwOk)
        if (name == row[0])
          for (int j = 1; j < 4 && row[j]; ++j)
            ok |= a.kwNames[k] == row[j];
      if (!ok)
        return fail(a.kwLocs[k], name + "() got an unexpected keyword "
                                        "argument '" + a.kwNames[k] + "'");
    }
  auto argCount = [&](size_t lo, size_t hi) {
    if (args.size() >= lo && args.size() <= hi)
      return true;
    return fail(loc, name + "() takes " + llvm::Twine(lo) +
                         (lo == hi ? "" : " to " + std::to_string(hi)) +
                         " arguments (" + llvm::Twine(args.size()) +
                         " given)");
  };
  if (name == "super") {
    if (!argCount(0, 2))
      return false;
    out.kind = VK::Super;
    if (args.size() == 2) {
      if (args[0].kind != VK::Class)
        return fail(args[0].loc, "super() argument 1 must be a class");
      out.ref = args[0].ref;
      out.items = {args[1]};
      return true;
    }
    if (!frame || frame->cls < 0)
      return fail(loc, "super(): no arguments outside a method of a class");
    out.ref = frame->cls;
    out.items = {frame->self};
    return true;
  }
  if (name == "open" || name == "type" || name == "id" || name == "hash" ||
      name == "vars" || name == "input" || name == "exit" || name == "quit" ||
      name == "object") {
    out = opaque(src, loc);
    return true;
  }
  if (name == "property" || name == "staticmethod" || name == "classmethod") {
    if (!argCount(1, 1))
      return false;
    out = args[0];
    return true;
  }
  if (name == "callable") {
    if (!argCount(1, 1))
      return false;
    VK k = args[0].kind;
    if (k == VK::Opaque) {
      out = derived(args[0], src, loc);
      return true;
    }
    out = boolValue(k == VK::Function || k == VK::Builtin ||
                        k == VK::BoundMethod || k == VK::Class ||
                        k == VK::Layer || k == VK::Model ||
                        k == VK::LayerClass || k == VK::KerasFn,
                    loc);
    return true;
  }
  // Data in, data out; objects of classes built on data loaders
  // (keras.utils.Sequence, tf.Module, ...) are data too.
  for (Value &v : args)
    if (v.kind == VK::Instance &&
        kerasBaseOf(objects[size_t(v.ref)].cls) == "opaque")
      v = opaque(v.s + " object", v.loc);
  for (const Value &v : args)
    if (v.kind == VK::Opaque) {
      out = derived(v, src, loc);
      return true;
    }
  if (a.opaqueStar.isValid()) {
    out = opaque(src, loc);
    return true;
  }
  if (llvm::StringRef(name).startswith("math.")) {
    std::string f = name.substr(5);
    if (f == "prod" || f == "fsum") {
      std::vector<Value> v;
      if (!argCount(1, 1) || !iterate(args[0], args[0].loc, v))
        return false;
      Value acc = f == "prod" ? intValue(1, loc) : intValue(0, loc);
      for (const Value &x : v) {
        if (x.kind == VK::Opaque) {
          out = derived(x, src, loc);
          return true;
        }
        Value next;
        if (!binary(f == "prod" ? "*" : "+", acc, x, loc, next))
          return false;
        acc = std::move(next);
      }
      out = acc;
      out.loc = loc;
      return true;
    }
    for (const Value &v : args)
      if (!v.isNum())
        return fail(v.loc, name + "() of a " + typeName(v) +
                               " is not supported");
    if ((f == "floor" || f == "ceil" || f == "trunc") && argCount(1, 1)) {
      double d = f == "floor"  ? std::floor(asDouble(args[0]))
                 : f == "ceil" ? std::ceil(asDouble(args[0]))
                               : std::trunc(asDouble(args[0]));
      if (!(d > -9.2e18 && d < 9.2e18))
        return fail(loc, "cannot convert the value to an integer");
      out = intValue(int64_t(d), loc);
      return true;
    }
    if (f == "gcd" && argCount(2, 2)) {
      int64_t x = std::llabs(asInt(args[0])), y = std::llabs(asInt(args[1]));
      while (y) {
        int64_t t = x % y;
        x = y;
        y = t;
      }
      out = intValue(x, loc);
      return true;
    }
    double x = args.empty() ? 0 : asDouble(args[0]);
    double r;
    if (f == "sqrt" && argCount(1, 1) && x >= 0)
      r = std::sqrt(x);
    else if (f == "exp" && argCount(1, 1))
      r = std::exp(x);
    else if (f == "log" && argCount(1, 2) && x > 0)
      r = args.size() == 2 ? std::log(x) / std::log(asDouble(args[1]))
                           : std::log(x);
    else if (f == "log2" && argCount(1, 1) && x > 0)
      r = std::log2(x);
    else if (f == "log10" && argCount(1, 1) && x > 0)
      r = std::log10(x);
    else if (f == "pow" && argCount(2, 2))
      r = std::pow(x, asDouble(args[1]));
    else if ((f == "sin" || f == "cos" || f == "tan") && argCount(1, 1))
      r = f == "sin" ? std::sin(x) : f == "cos" ? std::cos(x) : std::tan(x);
    else if (failed)
      return false;
    else
      return fail(loc, name + "() is not supported for these arguments");
    out.kind = VK::Float;
    out.f = r;
    return true;
  }
  bool moves = name == "len" || name == "list" || name == "tuple" ||
               name == "zip" || name == "enumerate" || name == "reversed" ||
               name == "iter" || name == "next" || name == "isinstance" ||
               name == "getattr" || name == "hasattr" || name == "setattr" ||
               name == "map" || name == "filter" || name == "dict" ||
               name == "str" || name == "repr" || name == "format" ||
               name == "issubclass" || name == "any" || name == "all";
  if (!moves)
    for (const Value &v : args)
      if (holdsKeras(v))
        return fail(v.loc, name + "() of Keras tensors is not supported");
  if (name == "len") {
    if (!argCount(1, 1))
      return false;
    const Value &x = args[0];
    if (x.kind == VK::Str)
      out = intValue(int64_t(x.s.size()), loc);
    else if (x.isSeq() || x.kind == VK::Dict || x.kind == VK::Set)
      out = intValue(int64_t(x.items.size()), loc);
    else if (x.kind == VK::Model) {
      Value l;
      if (!modelAttr(x.ref, "layers", loc, l))
        return false;
      out = intValue(int64_t(l.items.size()), loc);
    } else
      return fail(loc, "object of type '" + typeName(x) + "' has no len()");
    return true;
  }
  if (name == "range") {
    if (!argCount(1, 3))
      return false;
    for (const Value &v : args)
      if (v.kind != VK::Int && v.kind != VK::Bool)
        return fail(v.loc, "range() arguments must be integers");
    int64_t lo = args.size() > 1 ? asInt(args[0]) : 0;
    int64_t hi = args.size() > 1 ? asInt(args[1]) : asInt(args[0]);
    int64_t step = args.size() > 2 ? asInt(args[2]) : 1;
    if (step == 0)
      return fail(args[2].loc, "range() arg 3 must not be zero");
    std::vector<Value> items;
    for (int64_t k = lo; step > 0 ? k < hi : k > hi;) {
      if (items.size() >= size_t(kMaxRange))
        return fail(loc, "range() is too long for kiln (over 10000)");
      items.push_back(intValue(k, loc));
      if (__builtin_add_overflow(k, step, &k))
        break;
    }
    return makeSeq(VK::List, std::move(items), loc, out);
  }
  // Builtins over iterables.
  auto items = [&](size_t k, std::vector<Value> &v) {
    return iterate(args[k], args[k].loc, v);
  };
  if (name == "list" || name == "tuple" || name == "set" ||
      name == "frozenset" || name == "iter" || name == "reversed") {
    if (!argCount(name == "iter" || name == "reversed" ? 1 : 0, 1))
      return false;
    std::vector<Value> v;
    if (!args.empty() && !items(0, v))
      return false;
    if (name == "reversed")
      std::reverse(v.begin(), v.end());
    if (name == "set" || name == "frozenset") {
      std::vector<Value> unique;
      for (Value &x : v) {
        bool dup = false;
        for (const Value &u : unique) {
          bool known;
          dup |= equal(u, x, known) && known;
        }
        if (!dup)
          unique.push_back(std::move(x));
      }
      v = std::move(unique);
    }
    return makeSeq(name == "tuple"                       ? VK::Tuple
                   : name == "set" || name == "frozenset" ? VK::Set
                                                          : VK::List,
                   std::move(v), loc, out);
  }
  if (name == "next") {
    if (!argCount(1, 2))
      return false;
    std::vector<Value> v;
    if (!items(0, v))
      return false;
    if (v.empty() && args.size() < 2)
      return fail(loc, "next() of an empty iterator raises StopIteration");
    out = v.empty() ? args[1] : v[0];
    out.loc = loc;
    return true;
  }
  if (name == "zip" || name == "enumerate") {
    std::vector<std::vector<Value>> cols(args.size());
    size_t n = SIZE_MAX;
    for (size_t k = 0; k < args.size(); ++k) {
      if (!items(k, cols[k]))
        return false;
      n = std::min(n, cols[k].size());
    }
    if (name == "enumerate" && !argCount(1, 2))
      return false;
    int64_t start = 0;
    if (name == "enumerate") {
      const Value *s = args.size() > 1 ? &args[1] : kw("start");
      if (s && s->kind != VK::Int)
        return fail(s->loc, "enumerate() start must be an integer");
      start = s ? s->i : 0;
      n = cols[0].size();
    }
    if (args.empty())
      n = 0;
    std::vector<Value> rows;
    for (size_t r = 0; r < n; ++r) {
      std::vector<Value> row;
      if (name == "enumerate") {
        row.push_back(intValue(start + int64_t(r), loc));
        row.push_back(cols[0][r]);
      } else {
        for (auto &c : cols)
          row.push_back(c[r]);
      }
      Value t;
      if (!makeSeq(VK::Tuple, std::move(row), loc, t))
        return false;
      rows.push_back(std::move(t));
    }
    return makeSeq(VK::List, std::move(rows), loc, out);
  }
  if (name == "map" || name == "filter") {
    if (!argCount(2, 64))
      return false;
    std::vector<std::vector<Value>> cols(args.size() - 1);
    size_t n = SIZE_MAX;
    for (size_t k = 1; k < args.size(); ++k) {
      if (!items(k, cols[k - 1]))
        return false;
      n = std::min(n, cols[k - 1].size());
    }
    if (name == "filter" && args.size() != 2)
      return fail(loc, "filter() takes 2 arguments");
    std::vector<Value> res;
    for (size_t r = 0; r < n; ++r) {
      Value y;
      if (name == "filter" && args[0].kind == VK::None) {
        y = cols[0][r];
      } else {
        CallArgs ca;
        for (auto &c : cols) {
          ca.args.push_back(c[r]);
          ca.argSrc.push_back(nullptr);
        }
        if (!callValue(args[0], ca, loc, y))
          return false;
      }
      if (y.kind == VK::Opaque && name == "filter") {
        out = derived(y, src, loc);
        return true;
      }
      if (name == "map") {
        res.push_back(std::move(y));
        continue;
      }
      bool known;
      if (truth(y, known) || !known)
        res.push_back(cols[0][r]);
    }
    return makeSeq(VK::List, std::move(res), loc, out);
  }
  if (name == "any" || name == "all") {
    if (!argCount(1, 1))
      return false;
    std::vector<Value> v;
    if (!items(0, v))
      return false;
    bool any = name == "any";
    for (const Value &x : v) {
      if (x.kind == VK::Opaque) {
        out = derived(x, src, loc);
        return true;
      }
      bool known;
      bool t = truth(x, known) || !known;
      if (t == any) {
        out = boolValue(any, loc);
        return true;
      }
    }
    out = boolValue(!any, loc);
    return true;
  }
  if (name == "dict") {
    if (!argCount(0, 1))
      return false;
    Value d;
    d.kind = VK::Dict;
    std::vector<std::string> keys;
    std::vector<Value> vals;
    auto put = [&](const Value &k, const Value &v) {
      if (k.kind != VK::Str && k.kind != VK::Int)
        return fail(k.loc, "dictionary keys must be strings or integers");
      std::string key = k.kind == VK::Int ? std::to_string(k.i) : k.s;
      auto at = std::find(keys.begin(), keys.end(), key);
      if (at != keys.end())
        vals[size_t(at - keys.begin())] = v;
      else {
        keys.push_back(key);
        vals.push_back(v);
      }
      return true;
    };
    if (!args.empty()) {
      if (args[0].kind == VK::Dict) {
        keys = args[0].keys;
        vals = args[0].items;
      } else {
        std::vector<Value> pairs;
        if (!items(0, pairs))
          return false;
        for (const Value &p : pairs) {
          if (!p.isSeq() || p.items.size() != 2)
            return fail(p.loc, "dict() needs pairs");
          if (!put(p.items[0], p.items[1]))
            return false;
        }
      }
    }
    for (size_t k = 0; k < a.kwNames.size(); ++k)
      if (!put(strValue(a.kwNames[k], loc), a.kwargs[k]))
        return false;
    if (!makeSeq(VK::Dict, std::move(vals), loc, out))
      return false;
    out.keys = std::move(keys);
    return true;
  }
  if (name == "sorted" || name == "min" || name == "max" || name == "sum") {
    std::vector<Value> v;
    bool iterable = args.size() == 1 || name == "sorted" || name == "sum";
    if (name == "sorted" && !argCount(1, 1))
      return false;
    if (name == "sum" && !argCount(1, 2))
      return false;
    if (args.empty())
      return fail(loc, name + "() expected at least 1 argument");
    if (iterable) {
      if (!items(0, v))
        return false;
    } else {
      v = args;
    }
    for (const Value &x : v) {
      if (x.kind == VK::Opaque) {
        out = derived(x, src, loc);
        return true;
      }
      if (holdsKeras(x))
        return fail(x.loc, name + "() of Keras tensors is not supported");
    }
    if (name == "sum") {
      Value acc = args.size() > 1 ? args[1]
                  : kw("start")   ? *kw("start")
                                  : intValue(0, loc);
      for (const Value &x : v) {
        Value next;
        if (!binary("+", acc, x, loc, next))
          return false;
        acc = std::move(next);
      }
      out = acc;
      out.loc = loc;
      return true;
    }
    // Keys: key(x) when given.
    std::vector<Value> keys = v;
    const Value *key = kw("key");
    if (key && key->kind != VK::None)
      for (size_t k = 0; k < v.size(); ++k) {
        CallArgs ca;
        ca.args.push_back(v[k]);
        ca.argSrc.push_back(nullptr);
        if (!callValue(*key, ca, loc, keys[k]))
          return false;
        if (keys[k].kind == VK::Opaque) {
          out = derived(keys[k], src, loc);
          return true;
        }
      }
    bool bad = false;
    auto less = [&](size_t x, size_t y) {
      Value r;
      if (bad || !compare("<", keys[x], keys[y], loc, r)) {
        bad = true;
        return false;
      }
      return r.kind == VK::Bool && r.b;
    };
    std::vector<size_t> idx(v.size());
    for (size_t k = 0; k < idx.size(); ++k)
      idx[k] = k;
    if (name == "sorted") {
      std::stable_sort(idx.begin(), idx.end(), less);
      const Value *rev = kw("reverse");
      if (rev && rev->kind == VK::Bool && rev->b)
        std::reverse(idx.begin(), idx.end());
      std::vector<Value> res;
      for (size_t k : idx)
        res.push_back(v[k]);
      if (bad)
        return false;
      return makeSeq(VK::List, std::move(res), loc, out);
    }
    if (v.empty()) {
      if (const Value *d = kw("default")) {
        out = *d;
        return true;
      }
      return fail(loc, name + "() arg is an empty sequence");
    }
    size_t best = 0;
    for (size_t k = 1; k < v.size(); ++k)
      if (name == "min" ? less(k, best) : less(best, k))
        best = k;
    if (bad)
      return false;
    out = v[best];
    out.loc = loc;
    return true;
  }
  if (name == "isinstance" || name == "issubclass") {
    if (!argCount(2, 2))
      return false;
    const Value &x = args[0];
    std::vector<Value> types =
        args[1].isSeq() ? args[1].items : std::vector<Value>{args[1]};
    bool result = false, known = true;
    for (const Value &t : types) {
      if (name == "issubclass") {
        if (x.kind != VK::Class || t.kind != VK::Class) {
          known = false;
          continue;
        }
        std::vector<int> stack{x.ref};
        while (!stack.empty()) {
          int c = stack.back();
          stack.pop_back();
          result |= c == t.ref;
          for (int b : classes[size_t(c)].bases)
            stack.push_back(b);
        }
        continue;
      }
      if (t.kind == VK::Builtin) {
        const std::string &n = t.s;
        result |= (n == "int" && (x.kind == VK::Int || x.kind == VK::Bool)) ||
                  (n == "float" && x.kind == VK::Float) ||
                  (n == "str" && x.kind == VK::Str) ||
                  (n == "bool" && x.kind == VK::Bool) ||
                  (n == "list" && x.kind == VK::List) ||
                  (n == "tuple" && x.kind == VK::Tuple) ||
                  (n == "dict" && x.kind == VK::Dict) ||
                  (n == "set" && x.kind == VK::Set) || n == "object";
      } else if (t.kind == VK::Class && x.kind == VK::Instance) {
        std::vector<int> stack{objects[size_t(x.ref)].cls};
        while (!stack.empty()) {
          int c = stack.back();
          stack.pop_back();
          result |= c == t.ref;
          for (int b : classes[size_t(c)].bases)
            stack.push_back(b);
        }
      } else if (t.kind == VK::LayerClass) {
        result |= (x.kind == VK::Layer &&
                   (t.s == "Layer" ||
                    layers[size_t(x.ref)].spec.className == t.s)) ||
                  (x.kind == VK::Instance &&
                   kerasBaseOf(objects[size_t(x.ref)].cls) == "Layer" &&
                   t.s == "Layer");
      } else if (t.kind == VK::KerasFn && t.s == "Model") {
        result |= x.kind == VK::Model ||
                  (x.kind == VK::Instance &&
                   objects[size_t(x.ref)].model >= 0);
      } else if (t.kind == VK::Class) {
        // A constant is never an instance of a user class.
      } else {
        known = false;
      }
    }
    if (!result && !known) {
      out = opaque(src, loc);
      return true;
    }
    out = boolValue(result, loc);
    return true;
  }
  if (name == "getattr" || name == "hasattr") {
    if (!argCount(2, name == "getattr" ? 3 : 2))
      return false;
    if (args[1].kind != VK::Str)
      return fail(args[1].loc, name + "(): attribute name must be string");
    const Value &x = args[0];
    bool present = true;
    if (x.kind == VK::Instance) {
      Value tmp;
      present = objects[size_t(x.ref)].attrs.count(args[1].s) ||
                findAttr(objects[size_t(x.ref)].cls, args[1].s, tmp, nullptr);
    } else if (x.kind == VK::Class) {
      Value tmp;
      present = findAttr(x.ref, args[1].s, tmp, nullptr);
    } else if (x.kind != VK::Module && x.kind != VK::Model &&
               x.kind != VK::Layer && x.kind != VK::Config) {
      present = false;
    }
    if (name == "hasattr") {
      out = boolValue(present, loc);
      return true;
    }
    if (!present && args.size() == 3) {
      out = args[2];
      return true;
    }
    return getAttr(x, args[1].s, loc, out);
  }
  if (name == "setattr") {
    if (!argCount(3, 3))
      return false;
    if (args[1].kind != VK::Str)
      return fail(args[1].loc, "setattr(): attribute name must be string");
    if (args[0].kind == VK::Instance)
      objects[size_t(args[0].ref)].attrs[args[1].s] = args[2];
    else if (args[0].kind == VK::Class)
      classes[size_t(args[0].ref)].attrs[args[1].s] = args[2];
    else if (args[0].kind != VK::Module)
      return fail(loc, "setattr() on a " + typeName(args[0]) +
                           " is not supported");
    return true;
  }
  if (name == "str" || name == "repr" || name == "format") {
    if (!argCount(name == "str" ? 0 : 1, name == "format" ? 2 : 1))
      return false;
    if (args.empty()) {
      out = strValue("", loc);
      return true;
    }
    std::string spec = name == "repr" ? "!r" : "";
    if (name == "format" && args.size() == 2) {
      if (args[1].kind != VK::Str)
        return fail(args[1].loc, "format() spec must be a string");
      spec = ":" + args[1].s;
    }
    if (!formatValue(args[0], spec, loc, out))
      return false;
    if (out.kind != VK::Str)
      out = opaque(src, loc);
    return true;
  }
  if (name == "chr" || name == "ord") {
    if (!argCount(1, 1))
      return false;
    if (name == "chr" && args[0].kind == VK::Int && args[0].i >= 0 &&
        args[0].i < 128) {
      out = strValue(std::string(1, char(args[0].i)), loc);
      return true;
    }
    if (name == "ord" && args[0].kind == VK::Str && args[0].s.size() == 1) {
      out = intValue(static_cast<unsigned char>(args[0].s[0]), loc);
      return true;
    }
    return fail(loc, name + "() of this value is not supported");
  }
  if (name == "bool") {
    if (!argCount(0, 1))
      return false;
    bool known = true;
    bool t = !args.empty() && truth(args[0], known);
    out = boolValue(known ? t : true, loc);
    return true;
  }
  if ((name == "int" || name == "float") && args.size() >= 1 &&
      args[0].kind == VK::Str) {
    std::string t = llvm::StringRef(args[0].s).trim().str();
    char *end = nullptr;
    if (name == "int") {
      const Value *b = args.size() > 1 ? &args[1] : kw("base");
      long long x = std::strtoll(t.c_str(), &end, b && b->kind == VK::Int
                                                      ? int(b->i)
                                                      : 10);
      if (t.empty() || *end)
        return fail(loc, "invalid literal for int(): " + args[0].s);
      out = intValue(x, loc);
      return true;
    }
    double x = std::strtod(t.c_str(), &end);
    if (t.empty() || *end)
      return fail(loc, "could not convert string to float: " + args[0].s);
    out.kind = VK::Float;
    out.f = x;
    return true;
  }
  for (const Value &v : args)
    if (!v.isNum())
      return fail(v.loc, name + "() of a " + typeName(v) +
                             " is not supported");
  if (name == "divmod" || name == "pow") {
    if (!argCount(2, 2))
      return false;
    if (name == "pow")
      return binary("**", args[0], args[1], loc, out);
    Value q, r;
    if (!binary("//", args[0], args[1], loc, q) ||
        !binary("%", args[0], args[1], loc, r))
      return false;
    return makeSeq(VK::Tuple, {q, r}, loc, out);
  }
  if (name == "round" && (args.size() == 2 || kw("ndigits"))) {
    const Value *nd = args.size() == 2 ? &args[1] : kw("ndigits");
    if (nd->kind == VK::None) {
      args.resize(1);
    } else {
      double scale = std::pow(10.0, double(asInt(*nd)));
      double x = std::nearbyint(asDouble(args[0]) * scale) / scale;
      if (args[0].kind == VK::Float) {
        out.kind = VK::Float;
        out.f = x;
      } else {
        out = intValue(int64_t(x), loc);
      }
      return true;
    }
  }
  if (name == "int" || name == "float" || name == "abs" || name == "round") {
    if (!argCount(name == "int" || name == "float" ? 0 : 1, 1))
      return false;
    Value x = args.empty() ? intValue(0, loc) : args[0];
    bool toFloat = name == "float" || (name == "abs" && x.kind == VK::Float);
    if (toFloat) {
      out.kind = VK::Float;
      out.f = name == "abs" ? std::fabs(x.f) : asDouble(x);
      return true;
    }
    double d = asDouble(x);
    if (name == "round")
      d = std::nearbyint(d);
    if (name == "abs") {
      if (asInt(x) == INT64_MIN)
        return fail(loc, "integer overflow in constant arithmetic");
      out = intValue(asInt(x) < 0 ? -asInt(x) : asInt(x), loc);
      return true;
    }
    if (!(d > -9.2e18 && d < 9.2e18))
      return fail(loc, "cannot convert the value to an integer");
    out = intValue(x.kind == VK::Float ? int64_t(d) : asInt(x), loc);
    return true;
  }
  return fail(loc, "the builtin '" + name + "' is not supported");
}

} // namespace kiln::frontend::python
