//===- PyEval.cpp - Expressions and calls ---------------------------------===//
//
// The expression half of the interpreter: literals, containers (with * and
// ** unpacking), comprehensions (their own scope, as in Python 3), lambda,
// f-strings, subscripts and slices with Python's index rules, attributes,
// chained comparisons and conditional expressions. Calls are in
// PyCalls.cpp.
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyInterp.h"

#include <algorithm>
#include <functional>

namespace kiln::frontend::python {
namespace {
using namespace values;
constexpr int kMaxEvalDepth = 600; ///< nested eval/exec, across calls
using VK = Value::Kind;

struct DepthGuard {
  int &d;
  explicit DepthGuard(int &d) : d(++d) {}
  ~DepthGuard() { --d; }
};

} // namespace

using namespace values;

bool Interp::eval(const Expr &e, Value &out) {
  DepthGuard g(evalDepth);
  if (evalDepth > kMaxEvalDepth)
    return fail(e.loc, "the script nests calls too deeply");
  out = Value();
  out.loc = e.loc;
  switch (e.kind) {
  case Expr::Kind::Name:
    return lookup(e, out);
  case Expr::Kind::Int:
    out.kind = VK::Int;
    out.i = e.i;
    return true;
  case Expr::Kind::Float:
    out.kind = VK::Float;
    out.f = e.f;
    return true;
  case Expr::Kind::Str:
    out.kind = VK::Str;
    out.s = e.text;
    return true;
  case Expr::Kind::FStr:
    return evalFString(e, out);
  case Expr::Kind::None:
    return true;
  case Expr::Kind::Bool:
    out.kind = VK::Bool;
    out.b = e.i != 0;
    return true;
  case Expr::Kind::Ellipsis:
  case Expr::Kind::Slice:
    out = opaque("...", e.loc);
    return true;
  case Expr::Kind::Tuple:
  case Expr::Kind::List:
  case Expr::Kind::Set: {
    std::vector<Value> items;
    for (const ExprP &item : e.items) {
      Value v;
      if (!eval(item->kind == Expr::Kind::Starred ? *item->items[0] : *item,
                v))
        return false;
      if (item->kind != Expr::Kind::Starred) {
        items.push_back(std::move(v));
        continue;
      }
      if (v.kind == VK::Opaque) {
        out = derived(v, e.source().str(), e.loc);
        return true;
      }
      std::vector<Value> more;
      if (!iterate(v, item->loc, more))
        return false;
      items.insert(items.end(), more.begin(), more.end());
    }
    if (e.kind == Expr::Kind::Set) {
      std::vector<Value> unique;
      for (Value &v : items) {
        bool dup = false;
        for (const Value &u : unique) {
          bool known;
          dup |= equal(u, v, known) && known;
        }
        if (!dup)
          unique.push_back(std::move(v));
      }
      items = std::move(unique);
    }
    return makeSeq(e.kind == Expr::Kind::Tuple  ? VK::Tuple
                   : e.kind == Expr::Kind::List ? VK::List
                                                : VK::Set,
                   std::move(items), e.loc, out);
  }
  case Expr::Kind::Dict: {
    std::vector<Value> values;
    std::vector<std::string> keys;
    auto put = [&](std::string name, Value value) {
      for (size_t j = 0; j < keys.size(); ++j)
        if (keys[j] == name) {
          values[j] = std::move(value);
          return;
        }
      keys.push_back(std::move(name));
      values.push_back(std::move(value));
    };
    for (size_t k = 0; k + 1 < e.items.size(); k += 2) {
      Value key, value;
      if (!e.items[k]) {
        if (!eval(*e.items[k + 1], value))
          return false;
        if (value.kind == VK::Opaque) {
          out = derived(value, e.source().str(), e.loc);
          return true;
        }
        if (value.kind != VK::Dict)
          return fail(value.loc, "'" + typeName(value) +
                                     "' object is not a mapping");
        for (size_t j = 0; j < value.keys.size(); ++j)
          put(value.keys[j], value.items[j]);
        continue;
      }
      if (!eval(*e.items[k], key) || !eval(*e.items[k + 1], value))
        return false;
      if (key.kind == VK::Str)
        put(key.s, std::move(value));
      else if (key.kind == VK::Int)
        put(std::to_string(key.i), std::move(value));
      else if (key.kind == VK::Opaque) {
        out = derived(key, e.source().str(), e.loc);
        return true;
      } else
        return fail(key.loc, "dictionary keys must be strings or integers");
    }
    if (!makeSeq(VK::Dict, std::move(values), e.loc, out))
      return false;
    out.keys = std::move(keys);
    return true;
  }
  case Expr::Kind::Attr: {
    Value obj;
    if (!eval(*e.items[0], obj))
      return false;
    return getAttr(obj, e.text, e.loc, out);
  }
  case Expr::Kind::Call:
    return call(e, out);
  case Expr::Kind::Subscript:
    return evalSubscript(e, out);
  case Expr::Kind::BinOp: {
    Value l, r;
    if (!eval(*e.items[0], l))
      return false;
    if (e.text == "and" || e.text == "or") {
      bool known;
      bool t = truth(l, known);
      if (!known && l.kind != VK::Opaque && l.kind != VK::Tensor) {
        known = true; // objects are true
        t = true;
      }
      if (known && (e.text == "and" ? !t : t)) {
        out = l;
        return true;
      }
      if (!eval(*e.items[1], r))
        return false;
      out = known ? r : derived(l, e.source().str(), e.loc);
      return true;
    }
    if (!eval(*e.items[1], r))
      return false;
    if (!binary(e.text, l, r, e.loc, out))
      return false;
    if (out.kind == VK::Opaque)
      out = derived(l.kind == VK::Opaque ? l : r, e.source().str(), e.loc);
    return true;
  }
  case Expr::Kind::Compare: {
    Value l;
    if (!eval(*e.items[0], l))
      return false;
    for (size_t k = 1; k < e.items.size(); ++k) {
      Value r, res;
      if (!eval(*e.items[k], r) || !compare(e.strs[k - 1], l, r, e.loc, res))
        return false;
      out = res;
      if (res.kind == VK::Opaque) {
        out = derived(l.kind == VK::Opaque ? l : r, e.source().str(), e.loc);
        return true;
      }
      if (res.kind == VK::Bool && !res.b)
        return true;
      l = std::move(r);
    }
    out.loc = e.loc;
    return true;
  }
  case Expr::Kind::Unary: {
    Value v;
    if (!eval(*e.items[0], v))
      return false;
    if (v.kind == VK::Opaque) {
      out = derived(v, e.source().str(), e.loc);
      return true;
    }
    if (e.text == "not") {
      bool known;
      bool t = truth(v, known);
      if (!known && v.kind == VK::Tensor)
        return fail(e.loc, "'not' of a Keras tensor is not supported");
      out.kind = VK::Bool;
      out.b = known ? !t : false;
      return true;
    }
    if (!v.isNum() || (e.text == "~" && v.kind == VK::Float))
      return fail(e.loc, "bad operand type for unary " + e.text + ": '" +
                             typeName(v) + "'");
    if (e.text == "+") {
      out = v;
      if (out.kind == VK::Bool) {
        out.kind = VK::Int;
        out.i = v.b;
      }
    } else if (v.kind == VK::Float) {
      out.kind = VK::Float;
      out.f = -v.f;
    } else {
      int64_t x = asInt(v);
      if (e.text == "-" && x == INT64_MIN)
        return fail(e.loc, "integer overflow in constant arithmetic");
      out.kind = VK::Int;
      out.i = e.text == "-" ? -x : ~x;
    }
    out.loc = e.loc;
    return true;
  }
  case Expr::Kind::IfExp: {
    Value cond;
    if (!eval(*e.items[0], cond))
      return false;
    if (cond.kind == VK::Opaque) {
      out = derived(cond, e.source().str(), e.loc);
      return true;
    }
    if (cond.kind == VK::Tensor)
      return fail(e.items[0]->loc, "the truth value of a Keras tensor is "
                                   "not known while the model is built");
    bool known;
    bool t = truth(cond, known);
    return eval(*e.items[!known || t ? 1 : 2], out);
  }
  case Expr::Kind::Lambda:
    return defineFunction(*e.lambda, out);
  case Expr::Kind::Comp:
    return evalComp(e, out);
  case Expr::Kind::NamedExpr:
    return eval(*e.items[1], out) && bind(e.items[0]->text, out);
  case Expr::Kind::Starred:
    return fail(e.loc, "can't use starred expression here");
  case Expr::Kind::Yield:
    return fail(e.loc, "'" + e.text + "' is not supported: kiln does not "
                                      "run generators");
  case Expr::Kind::Await:
    return fail(e.loc, "'await' is not supported: kiln does not run "
                       "asynchronous code");
  }
  return fail(e.loc, "unsupported expression");
}

bool Interp::evalFString(const Expr &e, Value &out) {
  std::string text = e.strs[0];
  for (size_t k = 0; k < e.items.size(); ++k) {
    Value v, piece;
    if (!eval(*e.items[k], v))
      return false;
    if (v.kind == VK::Opaque) {
      out = derived(v, e.source().str(), e.loc);
      return true;
    }
    if (!formatValue(v, e.strs[2 * k + 1], e.items[k]->loc, piece))
      return false;
    if (piece.kind != VK::Str) {
      out = piece;
      return true;
    }
    text += piece.s + e.strs[2 * k + 2];
  }
  out = strValue(std::move(text), e.loc);
  return true;
}

/// [elem for t in it if c ...]: a new scope for the targets; over data the
/// result is data.
bool Interp::evalComp(const Expr &e, Value &out) {
  auto scope = std::make_shared<Frame>();
  scope->parent = frame;
  std::shared_ptr<Frame> saved = frame;
  std::vector<Value> items, keys;
  Value opaqueSrc;
  std::function<bool(size_t)> run = [&](size_t level) -> bool {
    if (level == e.comp.size()) {
      Value v;
      if (!eval(*e.items[0], v))
        return false;
      if (e.text == "dict") {
        Value val;
        if (!eval(*e.items[1], val))
          return false;
        keys.push_back(std::move(v));
        v = std::move(val);
      }
      items.push_back(std::move(v));
      if (++steps > 200000)
        return fail(e.loc, "the script runs too long");
      return true;
    }
    const CompFor &c = e.comp[level];
    Value seq;
    std::vector<Value> elems;
    if (!eval(*c.iter, seq))
      return false;
    if (seq.kind == VK::Opaque) {
      opaqueSrc = seq;
      return true;
    }
    if (!iterate(seq, c.iter->loc, elems))
      return false;
    for (const Value &x : elems) {
      if (!assign(*c.target, x))
        return false;
      bool keep = true;
      for (const ExprP &cond : c.conds) {
        Value cv;
        if (!eval(*cond, cv))
          return false;
        if (cv.kind == VK::Opaque) {
          opaqueSrc = cv;
          return true;
        }
        bool known;
        keep = truth(cv, known) || !known;
        if (!keep)
          break;
      }
      if (keep && !run(level + 1))
        return false;
      if (opaqueSrc.kind == VK::Opaque)
        return true;
    }
    return true;
  };
  frame = scope;
  bool ok = run(0);
  frame = saved;
  if (!ok)
    return false;
  if (opaqueSrc.kind == VK::Opaque) {
    out = derived(opaqueSrc, e.source().str(), e.loc);
    return true;
  }
  if (e.text == "dict") {
    std::vector<std::string> names;
    std::vector<Value> vals;
    for (size_t k = 0; k < keys.size(); ++k) {
      if (keys[k].kind != VK::Str && keys[k].kind != VK::Int)
        return fail(e.loc, "dictionary keys must be strings or integers");
      std::string n = keys[k].kind == VK::Int ? std::to_string(keys[k].i)
                                              : keys[k].s;
      auto at = std::find(names.begin(), names.end(), n);
      if (at != names.end()) {
        vals[size_t(at - names.begin())] = items[k];
        continue;
      }
      names.push_back(n);
      vals.push_back(items[k]);
    }
    if (!makeSeq(VK::Dict, std::move(vals), e.loc, out))
      return false;
    out.keys = std::move(names);
    return true;
  }
  if (e.text == "set") {
    std::vector<Value> unique;
    for (Value &v : items) {
      bool dup = false;
      for (const Value &u : unique) {
        bool known;
        dup |= equal(u, v, known) && known;
      }
      if (!dup)
        unique.push_back(std::move(v));
    }
    return makeSeq(VK::Set, std::move(unique), e.loc, out);
  }
  // A generator expression is consumed eagerly, as a list.
  return makeSeq(VK::List, std::move(items), e.loc, out);
}

bool Interp::evalSubscript(const Expr &e, Value &out) {
  Value base, index;
  if (!eval(*e.items[0], base))
    return false;
  const Expr &ix = *e.items[1];
  std::vector<Value> parts;
  if (ix.kind == Expr::Kind::Slice) {
    for (const ExprP &p : ix.items) {
      Value v;
      if (p && !eval(*p, v))
        return false;
      parts.push_back(std::move(v));
    }
  } else if (!eval(ix, index)) {
    return false;
  }
  if (base.kind == VK::Tensor || base.kind == VK::Layer)
    return fail(e.loc, "indexing a Keras " + typeName(base) +
                           " is not supported");
  if (base.kind == VK::Model) {
    Value layersList;
    if (!modelAttr(base.ref, "layers", e.loc, layersList))
      return false;
    return fail(e.loc, "'model' object is not subscriptable; use "
                       "model.layers[...]");
  }
  if (base.kind == VK::Instance) {
    Value fn;
    if (!findAttr(objects[size_t(base.ref)].cls, "__getitem__", fn, nullptr))
      return fail(e.loc, "'" + classes[size_t(objects[size_t(base.ref)].cls)]
                                   .name +
                             "' object is not subscriptable");
    CallArgs a;
    a.args.push_back(ix.kind == Expr::Kind::Slice ? opaque("slice", ix.loc)
                                                  : index);
    a.argSrc.push_back(&ix);
    Value bound = fn;
    bound.kind = VK::BoundMethod;
    bound.items = {base};
    return callFunction(bound, a, e.loc, out);
  }
  bool opaqueIndex = index.kind == VK::Opaque;
  for (const Value &p : parts)
    opaqueIndex |= !(p.kind == VK::None || p.kind == VK::Int ||
                     p.kind == VK::Bool);
  if (base.kind == VK::Opaque || base.kind == VK::Module ||
      ((base.isSeq() || base.kind == VK::Str || base.kind == VK::Dict) &&
       opaqueIndex)) {
    const Value &from = base.kind == VK::Opaque ? base : index;
    out = derived(from, e.source().str(), e.loc);
    return true;
  }
  if (base.kind == VK::Dict) {
    if (index.kind != VK::Str && index.kind != VK::Int)
      return fail(ix.loc, "dictionary keys must be strings or integers");
    std::string key = index.kind == VK::Int ? std::to_string(index.i)
                                            : index.s;
    for (size_t k = 0; k < base.keys.size(); ++k)
      if (base.keys[k] == key) {
        out = base.items[k];
        return true;
      }
    return fail(ix.loc, "key " + ix.source() + " is not in the dictionary");
  }
  bool isStr = base.kind == VK::Str;
  if (isStr) {
    std::vector<Value> items;
    iterate(base, e.loc, items);
    base.kind = VK::List;
    base.items = std::move(items);
    if (ix.kind != Expr::Kind::Slice) {
      int64_t n = int64_t(base.items.size()), k = asInt(index);
      if (index.kind != VK::Int && index.kind != VK::Bool)
        return fail(ix.loc, "string indices must be integers");
      k = k < 0 ? k + n : k;
      if (k < 0 || k >= n)
        return fail(ix.loc, "string index out of range");
      out = base.items[size_t(k)];
      return true;
    }
  }
  if (!base.isSeq())
    return fail(e.loc, "'" + typeName(base) + "' object is not subscriptable");
  int64_t n = int64_t(base.items.size());
  if (ix.kind != Expr::Kind::Slice) {
    if (index.kind != VK::Int && index.kind != VK::Bool)
      return fail(ix.loc, typeName(base) + " indices must be integers");
    int64_t k = asInt(index);
    if (k < 0)
      k += n;
    if (k < 0 || k >= n)
      return fail(ix.loc, typeName(base) + " index out of range");
    out = base.items[size_t(k)];
    return true;
  }
  int64_t step = parts[2].kind == VK::None ? 1 : asInt(parts[2]);
  if (step == 0)
    return fail(ix.loc, "slice step cannot be zero");
  step = std::max<int64_t>(-n - 1, std::min<int64_t>(step, n + 1));
  auto bound = [&](const Value &v, int64_t dflt, int64_t lo, int64_t hi) {
    if (v.kind == VK::None)
      return dflt;
    int64_t x = asInt(v);
    if (x < 0)
      x = x < -n ? lo : x + n;
    return std::max(lo, std::min(hi, x));
  };
  std::vector<Value> items;
  if (step > 0) {
    for (int64_t k = bound(parts[0], 0, 0, n), hi = bound(parts[1], n, 0, n);
         k < hi; k += step)
      items.push_back(base.items[size_t(k)]);
  } else {
    for (int64_t k = bound(parts[0], n - 1, -1, n - 1),
                 lo = bound(parts[1], -1, -1, n - 1);
         k > lo; k += step)
      items.push_back(base.items[size_t(k)]);
  }
  if (isStr) {
    std::string text;
    for (const Value &c : items)
      text += c.s;
    out = strValue(std::move(text), e.loc);
    return true;
  }
  return makeSeq(base.kind, std::move(items), e.loc, out);
}

bool Interp::getAttr(const Value &obj, const std::string &name,
                     llvm::SMLoc loc, Value &out) {
  switch (obj.kind) {
  case VK::Module:
    return kerasAttr(obj, name, loc, out);
  case VK::Opaque:
    out = derived(obj, obj.s + "." + name, loc);
    if (!obj.origin.isValid())
      out.origin = loc;
    return true;
  case VK::Str:
  case VK::Config:
    out = opaque(obj.kind == VK::Str ? "str." + name : obj.s + "." + name,
                 loc);
    return true;
  case VK::Model:
    return modelAttr(obj.ref, name, loc, out);
  case VK::Layer: {
    const LayerSpec &spec = layers[size_t(obj.ref)].spec;
    if (name == "name") {
      out = strValue(spec.name, loc);
      return true;
    }
    if ((name == "output" || name == "input") &&
        layers[size_t(obj.ref)].connected) {
      std::vector<Value> ts;
      if (name == "output" || spec.className == "InputLayer") {
        Value t;
        t.kind = VK::Tensor;
        t.ref = obj.ref;
        ts.push_back(t);
      } else {
        for (const TensorRef &r : spec.inputs) {
          Value t;
          t.kind = VK::Tensor;
          t.ref = r.layer;
          t.index = r.index;
          ts.push_back(t);
        }
      }
      if (ts.size() == 1) {
        out = ts[0];
        out.loc = loc;
        return true;
      }
      return makeSeq(VK::List, std::move(ts), loc, out);
    }
    if (name == "trainable") {
      out.kind = VK::Bool;
      out.b = true;
      out.loc = loc;
      return true;
    }
    // Methods that feed data to a layer or read its weights do not change
    // the model's structure.
    if (name == "adapt" || name == "build" || name == "set_weights" ||
        name == "get_weights" || name == "count_params" ||
        name == "get_config" || name == "summary") {
      out = Value();
      out.kind = VK::LayerMethod;
      out.s = name;
      out.ref = obj.ref;
      out.loc = loc;
      return true;
    }
    return fail(loc, "layer attribute '" + name + "' is not supported");
  }
  case VK::Tensor:
    if (name == "shape" || name == "dtype") {
      out = opaque(name == "shape" ? "the shape of a Keras tensor"
                                   : "the dtype of a Keras tensor",
                   loc);
      return true;
    }
    return fail(loc, "attribute '" + name +
                         "' of a Keras tensor is not supported");
  case VK::Instance:
    return instanceAttr(obj, name, loc, out);
  case VK::Super:
    return superAttr(obj, name, loc, out);
  case VK::Class: {
    int owner = -1;
    if (findAttr(obj.ref, name, out, &owner)) {
      out.loc = loc;
      return true;
    }
    if (name == "__name__") {
      out = strValue(classes[size_t(obj.ref)].name, loc);
      return true;
    }
    return fail(loc, "type object '" + classes[size_t(obj.ref)].name +
                         "' has no attribute '" + name + "'");
  }
  case VK::Function:
    if (name == "__name__") {
      out = strValue(obj.s, loc);
      return true;
    }
    break;
  case VK::Exception:
    out = opaque(obj.s2 + "." + name, loc);
    return true;
  default:
    break;
  }
  return fail(loc, "'" + typeName(obj) + "' object has no attribute '" +
                       name + "'");
}

} // namespace kiln::frontend::python
