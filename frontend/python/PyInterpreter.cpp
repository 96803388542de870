//===- PyInterpreter.cpp - Generic Python evaluation ----------------------===//
//
// The language half of the interpreter: statements, names and scopes,
// indexing and slicing, user functions and `for` loops (constant folding
// and builtins are in PyOperators.cpp). Values that cannot be
// computed without running Python (data, numpy, matplotlib) propagate as
// opaque values; Keras values are handed to PyKeras.cpp. Every resource is
// bounded (statements run, value size and nesting, recursion) so that no
// script can hang or exhaust the stack.
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyInterp.h"

#include <cmath>

namespace kiln::frontend::python {
namespace {

constexpr long kMaxSteps = 200000;   ///< statements executed
constexpr int kMaxValueSize = 100000; ///< nodes in one value
constexpr int kMaxValueDepth = 100;  ///< nesting of one value
constexpr int kMaxEvalDepth = 600;   ///< nested eval/exec, across calls
constexpr int kMaxCallDepth = 50;    ///< nested user function calls

using VK = Value::Kind;

struct DepthGuard {
  int &d;
  explicit DepthGuard(int &d) : d(++d) {}
  ~DepthGuard() { --d; }
};

} // namespace

using namespace values;

std::string Interp::typeName(const Value &v) {
  switch (v.kind) {
  case VK::None: return "NoneType";
  case VK::Bool: return "bool";
  case VK::Int: return "int";
  case VK::Float: return "float";
  case VK::Str: return "str";
  case VK::Tuple: return "tuple";
  case VK::List: return "list";
  case VK::Dict: return "dict";
  case VK::Opaque: return "data value";
  case VK::Module: return "module";
  case VK::Builtin:
  case VK::Function: return "function";
  case VK::KerasFn: return "Keras function";
  case VK::LayerClass: return "layer class";
  case VK::ConfigClass: return "Keras class";
  case VK::Config: return "Keras object";
  case VK::Layer: return "layer";
  case VK::Tensor: return "Keras tensor";
  case VK::Model: return "model";
  case VK::Method: return "method";
  }
  return "value";
}

bool Interp::fail(llvm::SMLoc loc, const llvm::Twine &msg) {
  if (!failed) {
    failed = true;
    err.loc = loc;
    err.msg = context + msg.str();
  }
  return false;
}

bool Interp::makeSeq(VK kind, std::vector<Value> items, llvm::SMLoc loc,
                     Value &out) {
  long size = 1;
  int depth = 0;
  for (const Value &v : items) {
    size += v.size;
    depth = std::max(depth, v.depth);
  }
  if (size > kMaxValueSize)
    return fail(loc, "value is too large (over " +
                         llvm::Twine(kMaxValueSize) + " elements)");
  if (depth + 1 > kMaxValueDepth)
    return fail(loc, "value is nested too deeply");
  out = Value();
  out.kind = kind;
  out.items = std::move(items);
  out.size = int(size);
  out.depth = depth + 1;
  out.loc = loc;
  return true;
}

bool Interp::execBlock(const std::vector<StmtP> &body) {
  for (const StmtP &s : body) {
    if (!exec(*s))
      return false;
    if (returning)
      break;
  }
  return true;
}

bool Interp::exec(const Stmt &s) {
  DepthGuard g(evalDepth);
  if (evalDepth > kMaxEvalDepth)
    return fail(s.loc, "the script nests calls too deeply");
  if (++steps > kMaxSteps)
    return fail(s.loc, "the script runs too long (over " +
                           llvm::Twine(kMaxSteps) + " statements)");
  switch (s.kind) {
  case Stmt::Kind::Pass:
    return true;
  case Stmt::Kind::Expr: {
    Value v;
    return eval(*s.value, v);
  }
  case Stmt::Kind::Assign: {
    Value v;
    if (!eval(*s.value, v))
      return false;
    for (const ExprP &t : s.targets)
      if (!assign(*t, v))
        return false;
    return true;
  }
  case Stmt::Kind::AugAssign: {
    const Expr &t = *s.targets[0];
    if (t.kind != Expr::Kind::Name && t.kind != Expr::Kind::Subscript &&
        t.kind != Expr::Kind::Attr)
      return fail(t.loc, "invalid target of augmented assignment");
    Value l, r, v;
    if (!eval(t, l) || !eval(*s.value, r) || !binary(s.op, l, r, s.loc, v))
      return false;
    return assign(t, v);
  }
  case Stmt::Kind::Import:
    for (const ImportName &n : s.names) {
      Value full;
      if (!importModule(n.dotted, n.loc, full, false))
        return false;
      if (!n.as.empty()) {
        if (!bind(n.as, full))
          return false;
        continue;
      }
      std::string root = llvm::StringRef(n.dotted).split('.').first.str();
      Value rootMod;
      if (!importModule(root, n.loc, rootMod, true) ||
          !bind(root, rootMod))
        return false;
    }
    return true;
  case Stmt::Kind::ImportFrom: {
    if (s.level > 0)
      return fail(s.loc, "relative imports are not supported");
    if (s.star)
      return fail(s.loc, "'from " + s.module +
                             " import *' is not supported; import the names "
                             "you use");
    Value mod;
    if (!importModule(s.module, s.loc, mod, false))
      return false;
    for (const ImportName &n : s.names) {
      Value v;
      if (!getAttr(mod, n.dotted, n.loc, v))
        return false;
      const std::string &name = n.as.empty() ? n.dotted : n.as;
      if (!bind(name, v))
        return false;
    }
    return true;
  }
  case Stmt::Kind::Def: {
    Value fn;
    fn.kind = VK::Function;
    fn.ref = int(functions.size());
    fn.s = s.name;
    fn.loc = s.loc;
    functions.push_back(&s);
    return bind(s.name, fn);
  }
  case Stmt::Kind::Return: {
    Value v;
    v.loc = s.loc;
    if (s.value && !eval(*s.value, v))
      return false;
    returnValue = std::move(v);
    returning = true;
    return true;
  }
  case Stmt::Kind::For: {
    Value seq;
    std::vector<Value> items;
    if (!eval(*s.value, seq))
      return false;
    if (seq.isSeq())
      items = std::move(seq.items); // no copy of long ranges
    else if (!iterate(seq, s.value->loc, items))
      return false;
    for (const Value &item : items) {
      if (!assign(*s.targets[0], item) || !execBlock(s.body))
        return false;
      if (returning)
        break;
    }
    return true;
  }
  }
  return fail(s.loc, "unsupported statement");
}

bool Interp::iterate(const Value &v, llvm::SMLoc loc, std::vector<Value> &out) {
  if (v.isSeq()) {
    out = v.items;
    return true;
  }
  if (v.kind == VK::Dict) {
    for (size_t k = 0; k < v.keys.size(); ++k) {
      Value key;
      key.kind = VK::Str;
      key.s = v.keys[k];
      key.loc = v.items[k].loc;
      out.push_back(std::move(key));
    }
    return true;
  }
  if (v.kind == VK::Opaque)
    return fail(loc, "loops over data values are not supported");
  return fail(loc, "'" + typeName(v) + "' object is not iterable");
}

bool Interp::bind(const std::string &name, const Value &v) {
  if (locals)
    (*locals)[name] = v;
  else
    globals[name] = v;
  return true;
}

bool Interp::assign(const Expr &target, const Value &v) {
  switch (target.kind) {
  case Expr::Kind::Name:
    return bind(target.text, v);
  case Expr::Kind::Tuple:
  case Expr::Kind::List: {
    if (v.kind == VK::Opaque) {
      for (const ExprP &t : target.items)
        if (!assign(*t, opaque(v.s + "[...]", v.loc)))
          return false;
      return true;
    }
    if (!v.isSeq())
      return fail(target.loc, "cannot unpack non-sequence " + typeName(v));
    if (v.items.size() != target.items.size())
      return fail(target.loc, "cannot unpack " + llvm::Twine(v.items.size()) +
                                  " values into " +
                                  llvm::Twine(target.items.size()) +
                                  " targets");
    for (size_t k = 0; k < v.items.size(); ++k)
      if (!assign(*target.items[k], v.items[k]))
        return false;
    return true;
  }
  case Expr::Kind::Subscript:
  case Expr::Kind::Attr: {
    Value base;
    if (!eval(*target.items[0], base))
      return false;
    if (base.kind == VK::Opaque ||
        (base.kind == VK::Module && !llvm::StringRef(base.s).startswith(
                                        "keras") &&
         !llvm::StringRef(base.s).startswith("tensorflow"))) {
      if (target.kind == Expr::Kind::Subscript) {
        Value index;
        return eval(*target.items[1], index);
      }
      return true;
    }
    return fail(target.loc, "assigning to an attribute or item of a " +
                                typeName(base) + " is not supported");
  }
  default:
    return fail(target.loc, "cannot assign to expression");
  }
}

bool Interp::lookup(const Expr &e, Value &out) {
  if (locals) {
    auto it = locals->find(e.text);
    if (it != locals->end()) {
      out = it->second;
      out.loc = e.loc;
      return true;
    }
  }
  auto it = globals.find(e.text);
  if (it != globals.end()) {
    out = it->second;
    out.loc = e.loc;
    return true;
  }
  static const char *const builtins[] = {
      "print", "len",   "range", "int",   "float", "str",
      "abs",   "min",   "max",   "round", "list",  "tuple"};
  for (const char *b : builtins)
    if (e.text == b) {
      out = Value();
      out.kind = VK::Builtin;
      out.s = b;
      out.loc = e.loc;
      return true;
    }
  return fail(e.loc, "name '" + e.text + "' is not defined");
}

bool Interp::getAttr(const Value &obj, const std::string &name,
                     llvm::SMLoc loc, Value &out) {
  switch (obj.kind) {
  case VK::Module:
    return kerasAttr(obj, name, loc, out);
  case VK::Opaque:
    out = opaque(obj.s + "." + name, loc);
    return true;
  case VK::Str:
    out = opaque("str." + name, loc);
    return true;
  case VK::Model: {
    static const char *const methods[] = {
        "add",     "compile",      "fit",          "summary",
        "evaluate", "predict",     "save",         "save_weights",
        "load_weights", "to_json", "count_params", "get_config"};
    for (const char *m : methods)
      if (name == m) {
        out = Value();
        out.kind = VK::Method;
        out.s = name;
        out.ref = obj.ref;
        out.loc = loc;
        return true;
      }
    return fail(loc, "model attribute '" + name + "' is not supported");
  }
  case VK::Layer:
    return fail(loc, "layer attribute '" + name + "' is not supported");
  case VK::Tensor:
    return fail(loc, "attribute '" + name +
                         "' of a Keras tensor is not supported");
  default:
    return fail(loc, "'" + typeName(obj) + "' object has no attribute '" +
                         name + "'");
  }
}

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
    out = opaque("f-string", e.loc);
    return true;
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
  case Expr::Kind::List: {
    std::vector<Value> items(e.items.size());
    for (size_t k = 0; k < e.items.size(); ++k)
      if (!eval(*e.items[k], items[k]))
        return false;
    return makeSeq(e.kind == Expr::Kind::Tuple ? VK::Tuple : VK::List,
                   std::move(items), e.loc, out);
  }
  case Expr::Kind::Dict: {
    std::vector<Value> values;
    std::vector<std::string> keys;
    for (size_t k = 0; k + 1 < e.items.size(); k += 2) {
      Value key, value;
      if (!eval(*e.items[k], key) || !eval(*e.items[k + 1], value))
        return false;
      std::string name;
      if (key.kind == VK::Str)
        name = key.s;
      else if (key.kind == VK::Int)
        name = std::to_string(key.i);
      else
        return fail(key.loc, "dictionary keys must be strings or integers");
      bool replaced = false;
      for (size_t j = 0; j < keys.size(); ++j)
        if (keys[j] == name) {
          values[j] = std::move(value);
          replaced = true;
        }
      if (!replaced) {
        keys.push_back(std::move(name));
        values.push_back(std::move(value));
      }
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
  case Expr::Kind::Subscript: {
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
    bool opaqueIndex = index.kind == VK::Opaque;
    for (const Value &p : parts)
      opaqueIndex |= !(p.kind == VK::None || p.kind == VK::Int ||
                       p.kind == VK::Bool);
    if (base.kind == VK::Opaque || base.kind == VK::Str ||
        base.kind == VK::Module ||
        (base.isSeq() && opaqueIndex && ix.kind != Expr::Kind::Slice)) {
      out = opaque(e.source().str(), e.loc);
      return true;
    }
    if (base.kind == VK::Dict) {
      std::string key = index.kind == VK::Int ? std::to_string(index.i)
                                              : index.s;
      for (size_t k = 0; k < base.keys.size(); ++k)
        if (base.keys[k] == key &&
            (index.kind == VK::Str || index.kind == VK::Int)) {
          out = base.items[k];
          return true;
        }
      return fail(ix.loc, "key " + ix.source() + " is not in the dictionary");
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
    if (opaqueIndex)
      return fail(ix.loc, "slice indices must be integers or None");
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
    return makeSeq(base.kind, std::move(items), e.loc, out);
  }
  case Expr::Kind::BinOp: {
    Value l, r;
    if (!eval(*e.items[0], l))
      return false;
    if (e.text == "and" || e.text == "or") {
      bool known;
      bool t = truth(l, known);
      if (known && (e.text == "and" ? !t : t)) {
        out = l;
        return true;
      }
      if (!eval(*e.items[1], r))
        return false;
      out = known ? r : opaque(e.source().str(), e.loc);
      return true;
    }
    if (!eval(*e.items[1], r))
      return false;
    return binary(e.text, l, r, e.loc, out);
  }
  case Expr::Kind::Unary: {
    Value v;
    if (!eval(*e.items[0], v))
      return false;
    if (v.kind == VK::Opaque) {
      out = opaque(e.source().str(), e.loc);
      return true;
    }
    if (e.text == "not") {
      bool known;
      bool t = truth(v, known);
      if (!known)
        return fail(e.loc, "'not' of a " + typeName(v) + " is not supported");
      out.kind = VK::Bool;
      out.b = !t;
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
    bool known;
    bool t = truth(cond, known);
    if (!known)
      return fail(e.items[0]->loc, "the condition of a conditional "
                                   "expression must be a constant");
    return eval(*e.items[t ? 1 : 2], out);
  }
  }
  return fail(e.loc, "unsupported expression");
}

bool Interp::call(const Expr &e, Value &out) {
  Value fn;
  if (!eval(*e.items[0], fn))
    return false;
  if (e.starArg.isValid())
    return fail(e.starArg, "*args and **kwargs in calls are not supported");
  switch (fn.kind) {
  case VK::KerasFn:
  case VK::LayerClass:
  case VK::ConfigClass:
    return callKeras(fn, e, out);
  case VK::Layer:
    return layerCall(fn, e, out);
  case VK::Method:
    return modelMethod(fn, e, out);
  case VK::Model:
    return fail(e.loc, "using a model as a layer is not supported");
  default:
    break;
  }
  if (fn.kind == VK::Module &&
      (fn.s == "keras" || llvm::StringRef(fn.s).startswith("keras.")))
    return fail(e.loc, "'module' object '" + e.items[0]->source() +
                           "' is not callable");
  std::vector<Value> args(e.items.size() - 1), kwargs(e.kwValues.size());
  for (size_t k = 1; k < e.items.size(); ++k)
    if (!eval(*e.items[k], args[k - 1]))
      return false;
  for (size_t k = 0; k < e.kwValues.size(); ++k)
    if (!eval(*e.kwValues[k], kwargs[k]))
      return false;
  if (fn.kind == VK::Builtin) {
    if (!e.kwNames.empty() && fn.s != "print")
      return fail(e.kwLocs[0], fn.s + "() takes no keyword arguments");
    return callBuiltin(fn, e, args, e.loc, out);
  }
  if (fn.kind == VK::Function)
    return callFunction(fn, e, args, kwargs, out);
  if (fn.kind == VK::Module || fn.kind == VK::Opaque) {
    for (size_t k = 0; k < args.size() + kwargs.size(); ++k) {
      const Value &a = k < args.size() ? args[k] : kwargs[k - args.size()];
      if (holdsKeras(a))
        return fail(a.loc, "'" + e.items[0]->source() +
                               "' cannot be applied to Keras tensors or "
                               "layers; only Keras layers can");
    }
    out = opaque(e.source().str(), e.loc);
    return true;
  }
  return fail(e.loc, "'" + typeName(fn) + "' object is not callable");
}

bool Interp::callFunction(const Value &fn, const Expr &e,
                          std::vector<Value> &args,
                          std::vector<Value> &kwargs, Value &out) {
  const Stmt &def = *functions[size_t(fn.ref)];
  if (callDepth >= kMaxCallDepth)
    return fail(e.loc, "maximum recursion depth exceeded");
  if (args.size() > def.params.size())
    return fail(e.loc, def.name + "() takes " +
                           llvm::Twine(def.params.size()) +
                           " positional arguments but " +
                           llvm::Twine(args.size()) + " were given");
  std::map<std::string, Value> frame;
  for (size_t k = 0; k < args.size(); ++k)
    frame[def.params[k].name] = args[k];
  for (size_t k = 0; k < kwargs.size(); ++k) {
    const std::string &name = e.kwNames[k];
    bool known = false;
    for (const Param &p : def.params)
      known |= p.name == name;
    if (!known)
      return fail(e.kwLocs[k], def.name +
                                   "() got an unexpected keyword argument '" +
                                   name + "'");
    if (frame.count(name))
      return fail(e.kwLocs[k], def.name + "() got multiple values for "
                                          "argument '" + name + "'");
    frame[name] = kwargs[k];
  }
  std::map<std::string, Value> *saved = locals;
  for (const Param &p : def.params) {
    if (frame.count(p.name))
      continue;
    if (!p.defaultValue)
      return fail(e.loc, def.name + "() missing required argument '" +
                             p.name + "'");
    // Defaults are evaluated in the global scope, as at definition time.
    locals = nullptr;
    Value v;
    bool ok = eval(*p.defaultValue, v);
    locals = saved;
    if (!ok)
      return false;
    frame[p.name] = std::move(v);
  }
  locals = &frame;
  ++callDepth;
  bool ok = execBlock(def.body);
  --callDepth;
  locals = saved;
  if (!ok)
    return false;
  out = returning ? std::move(returnValue) : Value();
  out.loc = e.loc;
  returning = false;
  returnValue = Value();
  return true;
}

} // namespace kiln::frontend::python
