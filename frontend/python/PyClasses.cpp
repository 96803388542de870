//===- PyClasses.cpp - Classes, instances and Keras subclasses ------------===//
//
// User classes: the body runs in its own namespace, methods bind `self`,
// attributes live on the instance (objects are shared, as in Python),
// inheritance searches bases depth-first, super() reaches the base class,
// @property/@staticmethod/@classmethod work.
//
// Subclasses of keras.layers.Layer and keras.Model are traced like
// functional code: calling such a layer on a Keras tensor runs its build()
// (once) and call(), so the Keras layers it uses join the model where it is
// called. A Model subclass becomes the model either through
// super().__init__(inputs=..., outputs=...) or when it is called on a
// keras.Input tensor or built with model.build(shape). Subclasses that
// replace Keras's training step are refused where kiln reads the model
// (PyReader.cpp).
//
//===----------------------------------------------------------------------===//
#include "frontend/python/PyInterp.h"

namespace kiln::frontend::python {
namespace {
using VK = Value::Kind;
} // namespace

using namespace values;

std::string Interp::kerasBaseOf(int cls) const {
  return cls < 0 ? "" : classes[size_t(cls)].kerasBase;
}

bool Interp::defineClass(const Stmt &s) {
  ClassRec rec;
  rec.name = s.name;
  rec.loc = s.loc;
  for (const ExprP &b : s.targets) {
    Value base;
    if (!eval(*b, base))
      return false;
    std::string kb;
    switch (base.kind) {
    case VK::Class:
      rec.bases.push_back(base.ref);
      kb = classes[size_t(base.ref)].kerasBase;
      break;
    case VK::LayerClass:
      if (base.s != "Layer")
        return fail(b->loc, "subclassing the Keras layer '" + base.s +
                                "' is not supported; subclass "
                                "keras.layers.Layer");
      kb = "Layer";
      break;
    case VK::KerasFn:
      if (base.s == "ignore") { // keras.utils.Sequence and the like
        kb = "opaque";
        break;
      }
      if (base.s != "Model")
        return fail(b->loc, "subclassing keras." + base.s +
                                " is not supported; subclass keras.Model");
      kb = "Model";
      break;
    case VK::ConfigClass:
      kb = base.s2; // callbacks, losses, metrics, schedules, ...
      break;
    case VK::Builtin:
      kb = base.s2 == "exception" ? "exception" : "";
      break;
    case VK::Opaque:
    case VK::Module:
      kb = "opaque";
      break;
    default:
      return fail(b->loc, "a class cannot derive from a " + typeName(base));
    }
    if (rec.kerasBase.empty() || rec.kerasBase == "opaque")
      rec.kerasBase = kb;
  }
  for (const ExprP &d : s.decorators) {
    Value v; // register_keras_serializable and the like: nothing to do
    if (!eval(*d, v))
      return false;
  }
  int idx = int(classes.size());
  classes.push_back(std::move(rec));
  auto body = std::make_shared<Frame>();
  body->parent = frame;
  body->isClass = true;
  body->cls = idx;
  std::shared_ptr<Frame> saved = frame;
  frame = body;
  bool ok = execBlock(s.body);
  frame = saved;
  if (!ok)
    return false;
  for (auto &kv : body->vars)
    classes[size_t(idx)].attrs[kv.first] = kv.second;
  Value cls;
  cls.kind = VK::Class;
  cls.ref = idx;
  cls.s = s.name;
  cls.loc = s.loc;
  return bind(s.name, cls);
}

bool Interp::findAttr(int cls, const std::string &name, Value &out,
                      int *owner) {
  if (cls < 0)
    return false;
  const ClassRec &c = classes[size_t(cls)];
  auto it = c.attrs.find(name);
  if (it != c.attrs.end()) {
    out = it->second;
    if (owner)
      *owner = cls;
    return true;
  }
  for (int b : c.bases)
    if (findAttr(b, name, out, owner))
      return true;
  return false;
}

bool Interp::instantiate(const Value &cls, const Expr *e, CallArgs &a,
                         llvm::SMLoc loc, Value &out) {
  const std::string kb = kerasBaseOf(cls.ref);
  const std::string cname = classes[size_t(cls.ref)].name;
  if (kb == "exception") {
    out = Value();
    out.kind = VK::Exception;
    out.s = cname;
    out.s2 = e ? e->source().str() : cname;
    out.loc = loc;
    return true;
  }
  if (objects.size() >= 100000)
    return fail(loc, "too many objects");
  ObjectRec obj;
  obj.cls = cls.ref;
  objects.push_back(obj);
  int ref = int(objects.size() - 1);
  out = Value();
  out.kind = VK::Instance;
  out.ref = ref;
  out.s = cname;
  out.loc = loc;
  if (kb == "Model") {
    ModelRec m;
    m.sequential = false;
    m.loc = loc;
    m.object = ref;
    m.name = uniqueName(cname, used);
    models.push_back(m);
    objects[size_t(ref)].model = int(models.size() - 1);
  }
  Value init;
  int owner = -1;
  if (findAttr(cls.ref, "__init__", init, &owner) &&
      init.kind == VK::Function) {
    Value bound = init;
    bound.kind = VK::BoundMethod;
    bound.items = {out};
    Value ignored;
    if (!callFunction(bound, a, loc, ignored))
      return false;
    out.loc = loc;
    return true;
  }
  if (kb.empty() && (!a.args.empty() || !a.kwargs.empty()))
    return fail(loc, cname + "() takes no arguments");
  return true;
}

bool Interp::instanceAttr(const Value &obj, const std::string &name,
                          llvm::SMLoc loc, Value &out) {
  ObjectRec &o = objects[size_t(obj.ref)];
  auto it = o.attrs.find(name);
  if (it != o.attrs.end()) {
    out = it->second;
    out.loc = loc;
    return true;
  }
  int owner = -1;
  if (findAttr(o.cls, name, out, &owner)) {
    out.loc = loc;
    if (out.kind != VK::Function)
      return true;
    const FuncRec &f = functions[size_t(out.ref)];
    if (f.isStatic)
      return true;
    out.kind = VK::BoundMethod;
    out.items = {obj};
    if (f.isClassMethod) {
      Value c;
      c.kind = VK::Class;
      c.ref = o.cls;
      out.items = {c};
    }
    if (f.isProperty) {
      CallArgs none;
      Value fn = out;
      return callFunction(fn, none, loc, out);
    }
    return true;
  }
  std::string kb = kerasBaseOf(o.cls);
  if (o.model >= 0)
    return modelAttr(o.model, name, loc, out);
  if (kb == "Layer") {
    if (name == "add_weight")
      return fail(loc, "add_weight() is not supported: kiln gives a custom "
                       "layer only the weights of the Keras layers it uses");
    if (name == "name") {
      out = Value();
      out.kind = VK::Str;
      out.s = toSnakeCase(classes[size_t(o.cls)].name);
      out.loc = loc;
      return true;
    }
    if (name == "trainable" || name == "built") {
      out = Value();
      out.kind = VK::Bool;
      out.b = name == "trainable" || o.built;
      out.loc = loc;
      return true;
    }
    return fail(loc, "attribute '" + name + "' of a Keras layer subclass is "
                                            "not supported");
  }
  if (!kb.empty()) {
    // Callbacks, schedules, losses, ...: what Keras gives them is data.
    out = opaque("self." + name, loc);
    return true;
  }
  return fail(loc, "'" + classes[size_t(o.cls)].name +
                       "' object has no attribute '" + name + "'");
}

bool Interp::superAttr(const Value &sup, const std::string &name,
                       llvm::SMLoc loc, Value &out) {
  const ClassRec &c = classes[size_t(sup.ref)];
  for (int b : c.bases) {
    int owner = -1;
    if (findAttr(b, name, out, &owner)) {
      if (out.kind == VK::Function) {
        out.kind = VK::BoundMethod;
        out.items = {sup.items[0]};
      }
      out.loc = loc;
      return true;
    }
  }
  // The Keras (or object) base: __init__ may define a functional model;
  // everything else it does is not model structure.
  out = Value();
  out.kind = VK::KerasFn;
  out.s = name == "__init__" ? "superinit" : "ignore";
  out.s2 = name;
  out.ref = sup.items.empty() || sup.items[0].kind != VK::Instance
                ? -1
                : sup.items[0].ref;
  out.loc = loc;
  return true;
}

bool Interp::callInstance(const Value &obj, const Expr *e, CallArgs &a,
                          llvm::SMLoc loc, Value &out) {
  (void)e;
  ObjectRec &o = objects[size_t(obj.ref)];
  std::string kb = kerasBaseOf(o.cls);
  const std::string cname = classes[size_t(o.cls)].name;
  auto method = [&](const char *name, Value &fn) {
    if (!findAttr(o.cls, name, fn, nullptr) || fn.kind != VK::Function)
      return false;
    fn.kind = VK::BoundMethod;
    fn.items = {obj};
    return true;
  };
  if (kb == "Layer" || kb == "Model") {
    if (!a.args.empty() && a.args[0].kind == VK::Opaque) {
      // Running the layer on data is not building the model.
      out = derived(a.args[0], cname + "(...)", loc);
      return true;
    }
    if (o.model >= 0 && !models[size_t(o.model)].outs.empty())
      return fail(loc, "using a model as a layer is not supported");
    Value callFn;
    if (!method("call", callFn))
      return fail(loc, "the Keras " +
                           std::string(kb == "Layer" ? "layer" : "model") +
                           " subclass '" + cname +
                           "' has no call() method kiln can trace");
    if (!o.built) {
      o.built = true;
      Value buildFn;
      if (method("build", buildFn)) {
        CallArgs ba;
        ba.args.push_back(opaque("the input shape Keras passes to " + cname +
                                     ".build()",
                                 loc));
        ba.argSrc.push_back(nullptr);
        Value ignored;
        if (!callFunction(buildFn, ba, loc, ignored))
          return false;
      }
    }
    if (!callFunction(callFn, a, loc, out))
      return false;
    ObjectRec &again = objects[size_t(obj.ref)];
    if (again.model >= 0 && !a.args.empty() &&
        a.args[0].kind == VK::Tensor &&
        layers[size_t(a.args[0].ref)].spec.className == "InputLayer") {
      ModelRec &m = models[size_t(again.model)];
      m.ins = {{a.args[0].ref, a.args[0].index}};
      m.outs.clear();
      if (!tensorsOf(out, "the outputs of " + cname + ".call()", m.outs))
        return false;
    }
    return true;
  }
  Value fn;
  if (method("__call__", fn))
    return callFunction(fn, a, loc, out);
  return fail(loc, "'" + cname + "' object is not callable");
}

bool Interp::traceModel(int object, const Value &shape, llvm::SMLoc loc) {
  // model.build((None, 28, 28, 1)): call() on keras.Input(shape[1:]).
  if (!shape.isSeq() || shape.items.empty())
    return fail(loc, "model.build() takes the input shape as a tuple, batch "
                     "dimension first");
  std::vector<Value> dims(shape.items.begin() + 1, shape.items.end());
  KValue kshape;
  Value tup;
  if (!makeSeq(VK::Tuple, dims, loc, tup) ||
      !toKValue(tup, nullptr, "the shape given to model.build()", kshape))
    return false;
  LayerRec rec;
  rec.spec.className = "InputLayer";
  rec.spec.loc = loc;
  rec.spec.kwargs.emplace_back("shape", kshape);
  rec.spec.name = uniqueName("InputLayer", used);
  rec.connected = true;
  rec.order = order++;
  layers.push_back(std::move(rec));
  Value input;
  input.kind = VK::Tensor;
  input.ref = int(layers.size() - 1);
  input.loc = loc;
  Value self;
  self.kind = VK::Instance;
  self.ref = object;
  CallArgs a;
  a.args.push_back(input);
  a.argSrc.push_back(nullptr);
  Value out;
  return callInstance(self, nullptr, a, loc, out);
}

} // namespace kiln::frontend::python
