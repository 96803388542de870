//===- PyCalls.cpp - Calls and argument binding ---------------------------===//
//
// Calls: evaluating arguments with `*` and `**` expanded, dispatching on
// what is called (Keras layers, classes and models go to PyKeras.cpp,
// PyModels.cpp and PyClasses.cpp; builtins to PyBuiltins.cpp), binding a
// user function's parameters (defaults, *args, keyword-only, **kwargs) in a
// new frame that closes over the function's defining frame, and growing
// a list stored in a variable or attribute in place (`l.append(x)` must not
// copy the list, or a loop that builds one would be quadratic).
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyInterp.h"

#include <algorithm>

namespace kiln::frontend::python {
namespace {
constexpr int kMaxCallDepth = 50; ///< nested user function calls
using VK = Value::Kind;
} // namespace

using namespace values;

bool Interp::evalArgs(const Expr &e, CallArgs &a) {
  for (size_t k = 1; k < e.items.size(); ++k) {
    const Expr &arg = *e.items[k];
    Value v;
    if (arg.kind != Expr::Kind::Starred) {
      if (!eval(arg, v))
        return false;
      a.args.push_back(std::move(v));
      a.argSrc.push_back(&arg);
      continue;
    }
    if (!eval(*arg.items[0], v))
      return false;
    if (v.kind == VK::Opaque) {
      if (!a.opaqueStar.isValid())
        a.opaqueStar = arg.loc;
      a.args.push_back(std::move(v));
      a.argSrc.push_back(&arg);
      continue;
    }
    std::vector<Value> items;
    if (!iterate(v, arg.loc, items))
      return false;
    for (Value &item : items) {
      a.args.push_back(std::move(item));
      a.argSrc.push_back(nullptr);
    }
  }
  for (size_t k = 0; k < e.kwValues.size(); ++k) {
    Value v;
    if (!eval(*e.kwValues[k], v))
      return false;
    if (e.kwNames[k] != "**") {
      for (const std::string &n : a.kwNames)
        if (n == e.kwNames[k])
          return fail(e.kwLocs[k], "got multiple values for keyword "
                                   "argument '" + n + "'");
      a.kwNames.push_back(e.kwNames[k]);
      a.kwargs.push_back(std::move(v));
      a.kwSrc.push_back(e.kwValues[k].get());
      a.kwLocs.push_back(e.kwLocs[k]);
      continue;
    }
    if (v.kind == VK::Opaque || v.kind == VK::None) {
      if (v.kind == VK::Opaque && !a.opaqueStar.isValid())
        a.opaqueStar = e.kwLocs[k];
      continue;
    }
    if (v.kind != VK::Dict)
      return fail(e.kwValues[k]->loc, "argument after ** must be a mapping, "
                                      "not " + typeName(v));
    for (size_t j = 0; j < v.keys.size(); ++j) {
      for (const std::string &n : a.kwNames)
        if (n == v.keys[j])
          return fail(e.kwLocs[k], "got multiple values for keyword "
                                   "argument '" + n + "'");
      a.kwNames.push_back(v.keys[j]);
      a.kwargs.push_back(v.items[j]);
      a.kwSrc.push_back(nullptr);
      a.kwLocs.push_back(e.kwLocs[k]);
    }
  }
  return true;
}

bool Interp::call(const Expr &e, Value &out) {
  const Expr &callee = *e.items[0];
  Value fn;
  if (callee.kind == Expr::Kind::Attr) {
    bool done = false;
    if (!mutateInPlace(e, done, out))
      return false;
    if (done)
      return true;
    Value base;
    if (!eval(*callee.items[0], base))
      return false;
    if (base.isSeq() || base.kind == VK::Dict || base.kind == VK::Str ||
        base.kind == VK::Set)
      return containerMethod(e, base, out);
    if (!getAttr(base, callee.text, callee.loc, fn))
      return false;
  } else if (!eval(callee, fn)) {
    return false;
  }
  if (fn.kind == VK::Module &&
      (fn.s == "keras" || llvm::StringRef(fn.s).startswith("keras.")))
    return fail(e.loc, "'module' object '" + callee.source() +
                           "' is not callable");
  CallArgs a;
  if (fn.kind == VK::LayerClass) {
    // Errors in a layer's arguments name the layer about to be made.
    std::string peek;
    for (size_t k = 0; k < e.kwNames.size(); ++k)
      if (e.kwNames[k] == "name" && e.kwValues[k]->kind == Expr::Kind::Str)
        peek = e.kwValues[k]->text;
    if (peek.empty()) {
      std::map<std::string, int> copy = used;
      peek = uniqueName(fn.s, copy);
    }
    Context ctx(*this, "in layer '" + peek + "' (" + fn.s + "): ");
    if (!evalArgs(e, a))
      return false;
  } else if (!evalArgs(e, a)) {
    return false;
  }
  switch (fn.kind) {
  case VK::KerasFn:
  case VK::LayerClass:
  case VK::ConfigClass:
    return callKeras(fn, e, a, out);
  case VK::Layer:
    return layerCall(fn, e, a, out);
  case VK::Method:
    return modelMethod(fn, e, a, out);
  case VK::Model:
    return modelCall(fn, a, e.loc, out);
  case VK::LayerMethod:
    out = opaque(e.source().str(), e.loc);
    return true;
  case VK::Builtin:
    return callBuiltin(fn, a, e.loc, e.source().str(), out);
  case VK::Function:
  case VK::BoundMethod:
    return callFunction(fn, a, e.loc, out);
  case VK::Class:
    return instantiate(fn, &e, a, e.loc, out);
  case VK::Instance:
    return callInstance(fn, &e, a, e.loc, out);
  case VK::Module:
  case VK::Opaque:
  case VK::Exception: {
    for (size_t k = 0; k < a.args.size() + a.kwargs.size(); ++k) {
      const Value &v =
          k < a.args.size() ? a.args[k] : a.kwargs[k - a.args.size()];
      if (holdsKeras(v))
        return fail(v.loc, "'" + callee.source() +
                               "' cannot be applied to Keras tensors or "
                               "layers; only Keras layers can");
    }
    out = opaque(e.source().str(), e.loc);
    return true;
  }
  default:
    return fail(e.loc, "'" + typeName(fn) + "' object is not callable");
  }
}

/// The stored value behind a name, or an attribute of an object, so that
/// growing a container does not copy it; null for anything else.
Value *Interp::storageOf(const Expr &target) {
  if (target.kind == Expr::Kind::Name) {
    for (Frame *f = frame.get(); f; f = f->parent.get()) {
      if (f->globalNames.count(target.text))
        break;
      auto it = f->vars.find(target.text);
      if (it != f->vars.end())
        return &it->second;
    }
    auto it = globals.find(target.text);
    return it == globals.end() ? nullptr : &it->second;
  }
  if (target.kind == Expr::Kind::Attr &&
      target.items[0]->kind == Expr::Kind::Name) {
    Value *base = storageOf(*target.items[0]);
    if (!base || base->kind != VK::Instance)
      return nullptr;
    auto &attrs = objects[size_t(base->ref)].attrs;
    auto it = attrs.find(target.text);
    return it == attrs.end() ? nullptr : &it->second;
  }
  return nullptr;
}

bool Interp::growInPlace(Value &c, std::vector<Value> items,
                         llvm::SMLoc loc) {
  for (Value &v : items) {
    if (c.size + v.size > 100000)
      return fail(loc, "value is too large (over 100000 elements)");
    if (v.depth + 1 > 100)
      return fail(loc, "value is nested too deeply");
    c.size += v.size;
    c.depth = std::max(c.depth, v.depth + 1);
    c.items.push_back(std::move(v));
  }
  return charge(long(items.size()), loc);
}

/// list.append/extend on a variable or attribute, updated where it is
/// stored (`done` false when the call is not one of those).
bool Interp::mutateInPlace(const Expr &e, bool &done, Value &out) {
  const Expr &callee = *e.items[0];
  done = false;
  if (callee.text != "append" && callee.text != "extend")
    return true;
  Value *p = storageOf(*callee.items[0]);
  if (!p || p->kind != VK::List || e.items.size() != 2 ||
      !e.kwNames.empty() || e.items[1]->kind == Expr::Kind::Starred)
    return true;
  Value arg;
  if (!eval(*e.items[1], arg))
    return false;
  // Evaluating the argument may have rebound the name: look again.
  p = storageOf(*callee.items[0]);
  if (!p || p->kind != VK::List)
    return true;
  std::vector<Value> items;
  if (callee.text == "append") {
    items.push_back(std::move(arg));
  } else {
    if (arg.kind == VK::Opaque)
      return true; // containerMethod makes the list data
    if (!iterate(arg, e.items[1]->loc, items))
      return false;
    p = storageOf(*callee.items[0]);
    if (!p || p->kind != VK::List)
      return true;
  }
  done = true;
  out = Value();
  out.loc = e.loc;
  return growInPlace(*p, std::move(items), e.loc);
}

bool Interp::callValue(const Value &fn, CallArgs &a, llvm::SMLoc loc,
                       Value &out) {
  switch (fn.kind) {
  case VK::Function:
  case VK::BoundMethod:
    return callFunction(fn, a, loc, out);
  case VK::Builtin:
    return callBuiltin(fn, a, loc, fn.s + "(...)", out);
  case VK::Class:
    return instantiate(fn, nullptr, a, loc, out);
  case VK::Instance:
    return callInstance(fn, nullptr, a, loc, out);
  case VK::Opaque:
  case VK::Module:
    out = derived(fn, fn.s + "(...)", loc);
    return true;
  default:
    return fail(loc, "calling a " + typeName(fn) +
                         " from a builtin such as map() is not supported");
  }
}

bool Interp::callFunction(const Value &fn, CallArgs &a, llvm::SMLoc loc,
                          Value &out) {
  const FuncRec &rec = functions[size_t(fn.ref)];
  const Stmt &def = *rec.def;
  if (callDepth >= kMaxCallDepth)
    return fail(loc, "maximum recursion depth exceeded");
  if (def.isAsync)
    return fail(loc, "calling the async function '" + def.name +
                         "' is not supported: kiln does not run "
                         "asynchronous code");
  if (def.hasYield)
    return fail(loc, "calling the generator function '" + def.name +
                         "' is not supported: kiln does not run generators");
  if (a.opaqueStar.isValid())
    return fail(a.opaqueStar, "unpacking a data value into the arguments of "
                              "'" + def.name + "' is not supported");
  std::vector<Value> pos = a.args;
  if (fn.kind == VK::BoundMethod && !rec.isStatic)
    pos.insert(pos.begin(), fn.items[0]);
  auto newFrame = std::make_shared<Frame>();
  newFrame->parent = fn.env;
  newFrame->cls = rec.cls;
  if (!pos.empty())
    newFrame->self = pos[0];
  std::map<std::string, Value> &vars = newFrame->vars;
  std::set<std::string> given;
  size_t next = 0;
  int varArgs = -1, varKw = -1;
  for (size_t k = 0; k < def.params.size(); ++k) {
    const Param &p = def.params[k];
    if (p.kind == Param::Kind::VarArgs)
      varArgs = int(k);
    else if (p.kind == Param::Kind::VarKw)
      varKw = int(k);
    else if (p.kind == Param::Kind::Normal && next < pos.size()) {
      vars[p.name] = pos[next++];
      given.insert(p.name);
    }
  }
  std::vector<Value> extra(pos.begin() + long(next), pos.end());
  if (!extra.empty() && (varArgs < 0 || def.params[size_t(varArgs)].name
                                            .empty()))
    return fail(loc, def.name + "() takes " + llvm::Twine(next) +
                         " positional arguments but " +
                         llvm::Twine(pos.size()) + " were given");
  Value kwDict;
  kwDict.kind = VK::Dict;
  for (size_t k = 0; k < a.kwNames.size(); ++k) {
    const std::string &name = a.kwNames[k];
    bool known = false;
    for (const Param &p : def.params)
      known |= p.name == name && (p.kind == Param::Kind::Normal ||
                                  p.kind == Param::Kind::KwOnly);
    if (!known) {
      if (varKw < 0)
        return fail(a.kwLocs[k], def.name +
                                     "() got an unexpected keyword argument "
                                     "'" + name + "'");
      kwDict.keys.push_back(name);
      kwDict.items.push_back(a.kwargs[k]);
      continue;
    }
    if (given.count(name))
      return fail(a.kwLocs[k], def.name + "() got multiple values for "
                                          "argument '" + name + "'");
    vars[name] = a.kwargs[k];
    given.insert(name);
  }
  for (size_t k = 0; k < def.params.size(); ++k) {
    const Param &p = def.params[k];
    if (p.kind == Param::Kind::VarArgs) {
      if (!p.name.empty() &&
          !makeSeq(VK::Tuple, extra, loc, vars[p.name]))
        return false;
      continue;
    }
    if (p.kind == Param::Kind::VarKw) {
      std::vector<std::string> keys = kwDict.keys;
      if (!makeSeq(VK::Dict, kwDict.items, loc, vars[p.name]))
        return false;
      vars[p.name].keys = std::move(keys);
      continue;
    }
    if (given.count(p.name))
      continue;
    if (!p.defaultValue)
      return fail(loc, def.name + "() missing required argument '" + p.name +
                           "'");
    vars[p.name] = rec.defaults[k];
  }
  std::shared_ptr<Frame> saved = frame;
  frame = newFrame;
  ++callDepth;
  bool ok = execBlock(def.body);
  --callDepth;
  frame = saved;
  breaking = continuing = false;
  if (!ok)
    return false;
  out = returning ? std::move(returnValue) : Value();
  out.loc = loc;
  returning = false;
  returnValue = Value();
  return true;
}

} // namespace kiln::frontend::python
