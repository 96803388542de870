//===- PyKeras.cpp - What Keras names mean to the Python reader -----------===//
//
// The Keras half of the interpreter: module paths (keras, tf.keras and their
// submodules), layer construction with Keras's global naming, keras.Input,
// Sequential (list and add() forms, with the Keras 2 input_shape= form),
// the functional API, initializer/optimizer/... objects as Keras 2 config
// dicts, model.compile()/fit() and data sets (PyReader.cpp builds the
// ModelSpec from what is recorded here).
// Layer arguments are recorded as written; the layer table resolves them.
//
//===----------------------------------------------------------------------===//
#include "frontend/Frontends.h"
#include "frontend/python/PyInterp.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <set>

namespace kiln::frontend::python {
namespace {

using VK = Value::Kind;

Value makeValue(VK kind, std::string s, llvm::SMLoc loc,
                std::string s2 = "") {
  Value v;
  v.kind = kind;
  v.s = std::move(s);
  v.s2 = std::move(s2);
  v.loc = loc;
  return v;
}

bool isKerasPath(llvm::StringRef path) {
  return path == "keras" || path.startswith("keras.");
}

std::string layerContext(const LayerSpec &spec) {
  return "in layer '" + spec.name + "' (" + spec.className + "): ";
}

/// Keras's merge functions (layers.add(...)) and the layer class each makes.
const char *mergeClass(llvm::StringRef fn) {
  return llvm::StringSwitch<const char *>(fn)
      .Case("add", "Add")
      .Case("subtract", "Subtract")
      .Case("multiply", "Multiply")
      .Case("average", "Average")
      .Case("maximum", "Maximum")
      .Case("minimum", "Minimum")
      .Case("concatenate", "Concatenate")
      .Case("dot", "Dot")
      .Default(nullptr);
}

/// The names of the positional arguments kiln accepts for a Keras object
/// class, in order; empty when positionals must be passed by keyword.
std::vector<std::string> positionalNames(const std::string &category,
                                         const std::string &cls) {
  if (category == "regularizers") {
    if (cls == "L1")
      return {"l1"};
    if (cls == "L2")
      return {"l2"};
    if (cls == "L1L2")
      return {"l1", "l2"};
  }
  if (category == "optimizers")
    return {"learning_rate"};
  if (category == "initializers") {
    if (cls == "Constant" || cls == "constant")
      return {"value"};
    if (cls == "RandomNormal" || cls == "TruncatedNormal")
      return {"mean", "stddev", "seed"};
    if (cls == "RandomUniform")
      return {"minval", "maxval", "seed"};
    if (llvm::StringRef(cls).startswith("Glorot") ||
        llvm::StringRef(cls).startswith("He") ||
        llvm::StringRef(cls).startswith("Lecun"))
      return {"seed"};
  }
  if (category == "constraints" && cls == "MaxNorm")
    return {"max_value", "axis"};
  return {};
}

} // namespace

bool Interp::importModule(const std::string &dotted, llvm::SMLoc loc,
                          Value &out, bool root) {
  llvm::SmallVector<llvm::StringRef, 4> parts;
  llvm::StringRef(dotted).split(parts, '.');
  llvm::StringRef first = parts[0];
  std::string path = first == "keras" || first == "tf_keras" ? "keras"
                     : first == "tensorflow"                 ? "tensorflow"
                                                             : first.str();
  out = makeValue(VK::Module, path, loc);
  if (root)
    return true;
  for (size_t k = 1; k < parts.size(); ++k) {
    Value next;
    if (!getAttr(out, parts[k].str(), loc, next))
      return false;
    if (next.kind != VK::Module)
      return fail(loc, "'" + dotted + "' is not a module");
    out = std::move(next);
  }
  return true;
}

bool Interp::kerasAttr(const Value &mod, const std::string &name,
                       llvm::SMLoc loc, Value &out) {
  const std::string &path = mod.s;
  auto module = [&](std::string p) {
    out = makeValue(VK::Module, std::move(p), loc);
    return true;
  };
  auto fn = [&](std::string f, std::string arg = "") {
    out = makeValue(VK::KerasFn, std::move(f), loc, std::move(arg));
    return true;
  };
  auto noAttr = [&] {
    return fail(loc, "module '" + path + "' has no attribute '" + name +
                         "' that kiln supports");
  };
  bool capital = !name.empty() && name[0] >= 'A' && name[0] <= 'Z';
  if (path == "tensorflow")
    return module(name == "keras" ? "keras" : "tensorflow." + name);
  if (path == "tensorflow.nn") {
    out = makeValue(VK::Str, name, loc); // tf.nn.relu names an activation
    return true;
  }
  if (!isKerasPath(path))
    return module(path + "." + name); // numpy, matplotlib, os, ...
  if (path == "keras") {
    if (llvm::StringSwitch<bool>(name)
            .Cases("layers", "models", "datasets", "utils", "initializers",
                   true)
            .Cases("regularizers", "constraints", "optimizers", "losses",
                   true)
            .Cases("metrics", "callbacks", "activations", "backend", true)
            .Default(false))
      return module("keras." + name);
    if (name == "Sequential" || name == "Model" || name == "Input")
      return fn(name);
    return noAttr();
  }
  if (path == "keras.layers") {
    if (name == "Input")
      return fn("Input");
    if (name == "experimental" || name == "preprocessing")
      return module(path);
    if (mergeClass(name))
      return fn("merge", mergeClass(name));
    if (capital) {
      out = makeValue(VK::LayerClass, name, loc);
      return true;
    }
    return noAttr();
  }
  if (path == "keras.models") {
    if (name == "Sequential" || name == "Model")
      return fn(name);
    return noAttr();
  }
  if (path == "keras.datasets") {
    if (name == "mnist" || name == "fashion_mnist" || name == "cifar10" ||
        name == "cifar100")
      return module(path + "." + name);
    return fail(loc, "data set '" + name +
                         "' is not supported (kiln knows mnist, "
                         "fashion_mnist, cifar10 and cifar100)");
  }
  if (llvm::StringRef(path).startswith("keras.datasets.")) {
    if (name == "load_data")
      return fn("load_data", path.substr(strlen("keras.datasets.")));
    return noAttr();
  }
  if (path == "keras.utils") {
    if (name == "to_categorical" || name == "normalize" ||
        name == "set_random_seed" || name == "plot_model")
      return fn("ignore", name);
    return noAttr();
  }
  if (path == "keras.backend") {
    if (name == "clear_session")
      return fn("ignore", name);
    return noAttr();
  }
  if (path == "keras.activations") {
    out = makeValue(VK::Str, name, loc);
    return true;
  }
  if (path == "keras.optimizers" && name == "legacy")
    return module(path);
  if (path == "keras.optimizers" && name == "schedules")
    return module("keras.schedules");
  std::string category = path.substr(strlen("keras."));
  out = makeValue(VK::ConfigClass, name, loc, category);
  return true;
}

bool Interp::evalArgs(const Expr &e, std::vector<Value> &args,
                      std::vector<Value> &kwargs) {
  args.resize(e.items.size() - 1);
  kwargs.resize(e.kwValues.size());
  for (size_t k = 1; k < e.items.size(); ++k)
    if (!eval(*e.items[k], args[k - 1]))
      return false;
  for (size_t k = 0; k < e.kwValues.size(); ++k)
    if (!eval(*e.kwValues[k], kwargs[k]))
      return false;
  return true;
}

bool Interp::toKValue(const Value &v, const Expr *src, const std::string &what,
                      KValue &out) {
  llvm::SMLoc loc = src ? src->loc : v.loc;
  switch (v.kind) {
  case VK::None:
    out = KValue::none(loc);
    return true;
  case VK::Bool:
    out = KValue::boolean(v.b, loc);
    return true;
  case VK::Int:
    out = KValue::integer(v.i, loc);
    return true;
  case VK::Float:
    out = KValue::real(v.f, loc);
    return true;
  case VK::Str:
    out = KValue::string(v.s, loc);
    return true;
  case VK::ConfigClass:
    out = KValue::string(v.s, loc);
    return true;
  case VK::Config:
    out = *v.cfg;
    out.loc = loc;
    return true;
  case VK::Tuple:
  case VK::List:
  case VK::Dict: {
    bool literal = src &&
                   (src->kind == Expr::Kind::Tuple ||
                    src->kind == Expr::Kind::List) &&
                   src->items.size() == v.items.size() && v.isSeq();
    std::vector<KValue> items(v.items.size());
    for (size_t k = 0; k < v.items.size(); ++k)
      if (!toKValue(v.items[k], literal ? src->items[k].get() : nullptr, what,
                    items[k]))
        return false;
    if (v.kind == VK::Dict) {
      std::vector<std::pair<std::string, KValue>> fields;
      for (size_t k = 0; k < items.size(); ++k)
        fields.emplace_back(v.keys[k], std::move(items[k]));
      out = KValue::dict(std::move(fields), loc);
    } else {
      out = v.kind == VK::Tuple ? KValue::tuple(std::move(items), loc)
                                : KValue::list(std::move(items), loc);
    }
    return true;
  }
  case VK::Opaque:
    if (v.s == "f-string")
      return fail(loc, "f-strings are not supported in " + what);
    if (allowData) {
      // Data handed to compile()/fit() is named by the user's text.
      std::string text = src ? src->source().str() : v.s;
      out = KValue::string(text, loc);
      return true;
    }
    return fail(loc, what + " must be a constant, not a value computed from "
                            "data");
  default:
    return fail(loc, what + " must be a constant, not a " + typeName(v));
  }
}

bool Interp::callKeras(const Value &fn, const Expr &e, Value &out) {
  if (fn.kind == VK::LayerClass)
    return createLayer(fn, e, out);
  if (fn.kind == VK::ConfigClass)
    return createConfig(fn, e, out);
  if (fn.s == "Input")
    return createInput(e, out);
  if (fn.s == "Sequential" || fn.s == "Model")
    return createModel(fn, e, out);
  if (fn.s == "merge") {
    // layers.add([a, b], **kw) is layers.Add(**kw)([a, b]).
    if (e.items.size() != 2)
      return fail(e.loc, "layers." + toSnakeCase(fn.s2) +
                             "() takes one list of tensors");
    Value layer;
    LayerRec rec;
    rec.spec.className = fn.s2;
    rec.spec.loc = e.loc;
    rec.spec.name = uniqueName(fn.s2, used);
    {
      Context ctx(*this, layerContext(rec.spec));
      for (size_t k = 0; k < e.kwValues.size(); ++k) {
        Value v;
        KValue kv;
        if (!eval(*e.kwValues[k], v))
          return false;
        if (e.kwNames[k] == "name" && v.kind == VK::Str) {
          rec.spec.name = v.s;
          rec.spec.nameGiven = true;
          continue;
        }
        if (!toKValue(v, e.kwValues[k].get(), "argument '" + e.kwNames[k] + "'",
                      kv))
          return false;
        rec.spec.kwargs.emplace_back(e.kwNames[k], std::move(kv));
      }
    }
    layers.push_back(std::move(rec));
    layer = makeValue(VK::Layer, "", e.loc);
    layer.ref = int(layers.size() - 1);
    Value arg;
    if (!eval(*e.items[1], arg))
      return false;
    Context ctx(*this, layerContext(layers[size_t(layer.ref)].spec));
    std::vector<TensorRef> ins;
    if (!tensorsOf(arg, "the layer's inputs", ins))
      return false;
    LayerRec &l = layers[size_t(layer.ref)];
    l.connected = true;
    l.order = order++;
    l.spec.inputs = ins;
    out = makeValue(VK::Tensor, "", e.loc);
    out.ref = layer.ref;
    return true;
  }
  std::vector<Value> args, kwargs;
  if (!evalArgs(e, args, kwargs))
    return false;
  if (fn.s == "load_data") {
    dataset = fn.s2;
    datasetLoc = e.loc;
    const char *names[2][2] = {{"x_train", "y_train"}, {"x_test", "y_test"}};
    std::vector<Value> halves;
    for (auto &half : names) {
      std::vector<Value> pair;
      for (const char *n : half) {
        pair.push_back(makeValue(VK::Opaque, n, e.loc));
      }
      Value t;
      if (!makeSeq(VK::Tuple, std::move(pair), e.loc, t))
        return false;
      halves.push_back(std::move(t));
    }
    return makeSeq(VK::Tuple, std::move(halves), e.loc, out);
  }
  for (const Value &a : args)
    if (a.kind == VK::Tensor)
      return fail(a.loc, "keras." + fn.s2 + "() of a Keras tensor is not "
                                            "supported");
  out = makeValue(VK::Opaque, e.source().str(), e.loc); // "ignore"
  return true;
}

bool Interp::createLayer(const Value &cls, const Expr &e, Value &out) {
  LayerRec rec;
  rec.spec.className = cls.s;
  rec.spec.loc = e.loc;
  // Errors while reading the arguments name the layer about to be made.
  std::string peek;
  for (size_t k = 0; k < e.kwNames.size(); ++k)
    if (e.kwNames[k] == "name" && e.kwValues[k]->kind == Expr::Kind::Str)
      peek = e.kwValues[k]->text;
  if (peek.empty()) {
    std::map<std::string, int> copy = used;
    peek = uniqueName(cls.s, copy);
  }
  Context ctx(*this, "in layer '" + peek + "' (" + cls.s + "): ");
  std::vector<Value> args, kwargs;
  if (!evalArgs(e, args, kwargs))
    return false;
  for (size_t k = 0; k < args.size(); ++k) {
    KValue kv;
    if (!toKValue(args[k], e.items[k + 1].get(),
                  "argument " + std::to_string(k + 1), kv))
      return false;
    rec.spec.args.push_back(std::move(kv));
  }
  for (size_t k = 0; k < kwargs.size(); ++k) {
    if (e.kwNames[k] == "name" && kwargs[k].kind != VK::None) {
      if (kwargs[k].kind != VK::Str)
        return fail(kwargs[k].loc, "name= must be a string");
      rec.spec.name = kwargs[k].s;
      rec.spec.nameGiven = true;
      continue;
    }
    if (e.kwNames[k] == "name")
      continue;
    KValue kv;
    if (!toKValue(kwargs[k], e.kwValues[k].get(),
                  "argument '" + e.kwNames[k] + "'", kv))
      return false;
    rec.spec.kwargs.emplace_back(e.kwNames[k], std::move(kv));
  }
  if (!rec.spec.nameGiven)
    rec.spec.name = uniqueName(cls.s, used);
  if (layers.size() >= 100000)
    return fail(e.loc, "too many layers");
  layers.push_back(std::move(rec));
  out = makeValue(VK::Layer, "", e.loc);
  out.ref = int(layers.size() - 1);
  return true;
}

/// keras.Input(shape, batch_size, dtype, sparse, batch_shape, name, tensor):
/// an InputLayer whose positionals are recorded under their keywords.
bool Interp::createInput(const Expr &e, Value &out) {
  static const char *const names[] = {"shape",       "batch_size", "dtype",
                                      "sparse",      "batch_shape", "name",
                                      "tensor"};
  LayerRec rec;
  rec.spec.className = "InputLayer";
  rec.spec.loc = e.loc;
  std::map<std::string, int> copy = used;
  Context ctx(*this, "in layer '" + uniqueName("InputLayer", copy) +
                         "' (InputLayer): ");
  std::vector<Value> args, kwargs;
  if (!evalArgs(e, args, kwargs))
    return false;
  if (args.size() > 7)
    return fail(e.items[8]->loc, "keras.Input() takes at most 7 positional "
                                 "arguments");
  for (size_t k = 0; k < args.size() + kwargs.size(); ++k) {
    bool pos = k < args.size();
    const Value &v = pos ? args[k] : kwargs[k - args.size()];
    const Expr *src = pos ? e.items[k + 1].get()
                          : e.kwValues[k - args.size()].get();
    std::string key = pos ? names[k] : e.kwNames[k - args.size()];
    if (!pos)
      for (size_t j = 0; j < args.size(); ++j)
        if (key == names[j])
          return fail(e.kwLocs[k - args.size()],
                      "keras.Input() got multiple values for '" + key + "'");
    if (key == "name" && v.kind != VK::None) {
      if (v.kind != VK::Str)
        return fail(v.loc, "name= must be a string");
      rec.spec.name = v.s;
      rec.spec.nameGiven = true;
      continue;
    }
    KValue kv;
    if (!toKValue(v, src, "argument '" + key + "'", kv))
      return false;
    rec.spec.kwargs.emplace_back(key, std::move(kv));
  }
  if (!rec.spec.nameGiven)
    rec.spec.name = uniqueName("InputLayer", used);
  rec.connected = true;
  rec.order = order++;
  layers.push_back(std::move(rec));
  out = makeValue(VK::Tensor, "", e.loc);
  out.ref = int(layers.size() - 1);
  return true;
}

bool Interp::createConfig(const Value &cls, const Expr &e, Value &out) {
  std::string name = cls.s;
  const std::string &category = cls.s2;
  if (category == "regularizers")
    name = llvm::StringSwitch<std::string>(name)
               .Case("l1", "L1")
               .Case("l2", "L2")
               .Case("l1_l2", "L1L2")
               .Default(name);
  std::vector<Value> args, kwargs;
  if (!evalArgs(e, args, kwargs))
    return false;
  std::vector<std::string> posNames = positionalNames(category, name);
  std::vector<std::pair<std::string, KValue>> fields;
  std::string full = "keras." + category + "." + cls.s;
  for (size_t k = 0; k < args.size(); ++k) {
    if (k >= posNames.size())
      return fail(args[k].loc, "cannot name positional argument " +
                                   std::to_string(k + 1) + " of " + full +
                                   "; pass it by keyword");
    KValue kv;
    if (!toKValue(args[k], e.items[k + 1].get(),
                  "argument '" + posNames[k] + "' of " + full, kv))
      return false;
    fields.emplace_back(posNames[k], std::move(kv));
  }
  for (size_t k = 0; k < kwargs.size(); ++k) {
    for (const auto &f : fields)
      if (f.first == e.kwNames[k])
        return fail(e.kwLocs[k], full + "() got multiple values for '" +
                                     e.kwNames[k] + "'");
    KValue kv;
    if (!toKValue(kwargs[k], e.kwValues[k].get(),
                  "argument '" + e.kwNames[k] + "' of " + full, kv))
      return false;
    fields.emplace_back(e.kwNames[k], std::move(kv));
  }
  out = makeValue(VK::Config, name, e.loc);
  out.cfg = std::make_shared<KValue>(
      KValue::dict({{"class_name", KValue::string(name, e.loc)},
                    {"config", KValue::dict(std::move(fields), e.loc)}},
                   e.loc));
  return true;
}

bool Interp::tensorsOf(const Value &v, const std::string &what,
                       std::vector<TensorRef> &out) {
  if (v.kind == VK::Tensor) {
    out.push_back({v.ref, v.index});
    return true;
  }
  if (v.isSeq() && !v.items.empty()) {
    for (const Value &item : v.items) {
      if (item.kind != VK::Tensor)
        return fail(item.loc, what + " must be Keras tensors, not a " +
                                  typeName(item));
      out.push_back({item.ref, item.index});
    }
    return true;
  }
  if (v.kind == VK::Model)
    return fail(v.loc, "using a model as a layer is not supported");
  return fail(v.loc, what + " must be Keras tensors, not a " + typeName(v));
}

bool Interp::createModel(const Value &fn, const Expr &e, Value &out) {
  bool seq = fn.s == "Sequential";
  std::vector<Value> args, kwargs;
  if (!evalArgs(e, args, kwargs))
    return false;
  std::vector<std::string> posNames =
      seq ? std::vector<std::string>{"layers", "name"}
          : std::vector<std::string>{"inputs", "outputs", "name"};
  std::map<std::string, Value> given;
  if (args.size() > posNames.size())
    return fail(args[posNames.size()].loc,
                "too many positional arguments to keras." + fn.s + "()");
  for (size_t k = 0; k < args.size(); ++k)
    given[posNames[k]] = args[k];
  for (size_t k = 0; k < kwargs.size(); ++k) {
    const std::string &key = e.kwNames[k];
    if (std::find(posNames.begin(), posNames.end(), key) == posNames.end() &&
        key != "trainable")
      return fail(e.kwLocs[k], "keras." + fn.s + "() argument '" + key +
                                   "' is not supported");
    if (given.count(key))
      return fail(e.kwLocs[k], "keras." + fn.s +
                                   "() got multiple values for '" + key + "'");
    given[key] = kwargs[k];
  }
  ModelRec m;
  m.sequential = seq;
  m.loc = e.loc;
  if (!seq) {
    if (!given.count("inputs") || !given.count("outputs"))
      return fail(e.loc, "keras.Model() needs inputs and outputs");
    if (!tensorsOf(given["inputs"], "model inputs", m.ins) ||
        !tensorsOf(given["outputs"], "model outputs", m.outs))
      return false;
    std::set<int> inputSet;
    for (const TensorRef &t : m.ins) {
      if (layers[size_t(t.layer)].spec.className != "InputLayer")
        return fail(given["inputs"].loc,
                    "model inputs must be keras.Input(...) tensors");
      inputSet.insert(t.layer);
    }
    // Every InputLayer the outputs depend on must be an input.
    std::vector<int> stack;
    std::set<int> seen;
    for (const TensorRef &t : m.outs)
      stack.push_back(t.layer);
    while (!stack.empty()) {
      int l = stack.back();
      stack.pop_back();
      if (!seen.insert(l).second)
        continue;
      const LayerSpec &spec = layers[size_t(l)].spec;
      if (spec.className == "InputLayer" && !inputSet.count(l))
        return fail(e.loc, "the model's outputs depend on input '" +
                               spec.name + "', which is not among its inputs");
      for (const TensorRef &t : spec.inputs)
        stack.push_back(t.layer);
    }
  }
  auto name = given.find("name");
  if (name != given.end() && name->second.kind == VK::Str)
    m.name = name->second.s;
  else if (name != given.end() && name->second.kind != VK::None)
    return fail(name->second.loc, "name= must be a string");
  else
    m.name = uniqueName(seq ? "Sequential" : "Functional", used);
  models.push_back(m);
  int idx = int(models.size() - 1);
  if (seq && given.count("layers") && given["layers"].kind != VK::None) {
    const Value &list = given["layers"];
    if (!list.isSeq())
      return fail(list.loc, "keras.Sequential() takes a list of layers, not "
                            "a " + typeName(list));
    for (const Value &item : list.items)
      if (!sequentialAdd(idx, item))
        return false;
  }
  out = makeValue(VK::Model, m.name, e.loc);
  out.ref = idx;
  return true;
}

bool Interp::sequentialAdd(int model, const Value &v) {
  if (v.kind == VK::Model)
    return fail(v.loc, "using a model as a layer is not supported");
  if (v.kind == VK::Tensor) {
    ModelRec &m = models[size_t(model)];
    if (layers[size_t(v.ref)].spec.className == "InputLayer" &&
        m.seq.empty() && m.input < 0) {
      m.input = v.ref;
      return true;
    }
    return fail(v.loc, "only keras.Input(...) can be added to a Sequential "
                       "model, as its first entry; other Keras tensors "
                       "cannot");
  }
  if (v.kind != VK::Layer)
    return fail(v.loc, "a Sequential model takes layers, not a " +
                           typeName(v));
  Context ctx(*this, layerContext(layers[size_t(v.ref)].spec));
  if (layers[size_t(v.ref)].connected)
    return fail(v.loc, "the layer is used a second time: shared layers are "
                       "not supported");
  LayerSpec &spec = layers[size_t(v.ref)].spec;
  bool first = models[size_t(model)].seq.empty() &&
               models[size_t(model)].input < 0;
  if (spec.className == "InputLayer") {
    if (!first)
      return fail(v.loc, "an InputLayer must be the first layer of a "
                         "Sequential model");
  } else if (first) {
    // Keras 2: input_shape= (or batch_input_shape=, input_dim=) on the first
    // layer makes the InputLayer; the keyword stays on the layer too.
    for (const auto &kw : spec.kwargs) {
      KValue shape;
      std::string key = "shape";
      if (kw.first == "input_shape") {
        shape = kw.second;
      } else if (kw.first == "batch_input_shape") {
        shape = kw.second;
        key = "batch_shape";
      } else if (kw.first == "input_dim") {
        shape = KValue::tuple({kw.second}, kw.second.loc);
      } else {
        continue;
      }
      LayerRec in;
      in.spec.className = "InputLayer";
      in.spec.loc = spec.loc;
      in.spec.kwargs.emplace_back(key, std::move(shape));
      in.spec.name = uniqueName("InputLayer", used);
      in.connected = true;
      in.order = order++;
      layers.push_back(std::move(in));
      models[size_t(model)].input = int(layers.size() - 1);
      break;
    }
  }
  LayerRec &rec = layers[size_t(v.ref)];
  rec.connected = true;
  rec.order = order++;
  if (rec.spec.className == "InputLayer")
    models[size_t(model)].input = v.ref;
  else
    models[size_t(model)].seq.push_back(v.ref);
  return true;
}

bool Interp::layerCall(const Value &layer, const Expr &e, Value &out) {
  int ref = layer.ref;
  Context ctx(*this, layerContext(layers[size_t(ref)].spec));
  if (!e.kwNames.empty())
    return fail(e.kwLocs[0], "keyword arguments to a layer call are not "
                             "supported");
  if (e.items.size() != 2)
    return fail(e.loc, "a layer is called on one tensor or one list of "
                       "tensors");
  Value arg;
  if (!eval(*e.items[1], arg))
    return false;
  std::vector<TensorRef> ins;
  if (!tensorsOf(arg, "the layer's inputs", ins))
    return false;
  LayerRec &rec = layers[size_t(ref)];
  if (rec.spec.className == "InputLayer")
    return fail(e.loc, "an InputLayer cannot be called; use keras.Input()");
  if (rec.connected)
    return fail(e.loc, "the layer is used a second time: shared layers are "
                       "not supported");
  rec.connected = true;
  rec.order = order++;
  rec.spec.inputs = std::move(ins);
  out = makeValue(VK::Tensor, "", e.loc);
  out.ref = ref;
  return true;
}

bool Interp::modelMethod(const Value &m, const Expr &e, Value &out) {
  const std::string &method = m.s;
  int idx = m.ref;
  if (method == "add") {
    if (!models[size_t(idx)].sequential)
      return fail(e.loc, "add() is only available on Sequential models");
    if (e.items.size() != 2 || !e.kwNames.empty())
      return fail(e.loc, "model.add() takes one layer");
    Value v;
    if (!eval(*e.items[1], v) || !sequentialAdd(idx, v))
      return false;
    out = Value();
    out.loc = e.loc;
    return true;
  }
  std::vector<Value> args, kwargs;
  if (!evalArgs(e, args, kwargs))
    return false;
  out = makeValue(VK::Opaque, e.source().str(), e.loc);
  if (method != "compile" && method != "fit")
    return true;
  CallSpec spec;
  spec.loc = e.loc;
  bool savedData = allowData;
  allowData = true;
  bool ok = true;
  for (size_t k = 0; ok && k < args.size(); ++k) {
    KValue kv;
    ok = toKValue(args[k], e.items[k + 1].get(),
                  "argument " + std::to_string(k + 1) + " of model." + method +
                      "()",
                  kv);
    spec.args.push_back(std::move(kv));
  }
  for (size_t k = 0; ok && k < kwargs.size(); ++k) {
    KValue kv;
    ok = toKValue(kwargs[k], e.kwValues[k].get(),
                  "argument '" + e.kwNames[k] + "' of model." + method + "()",
                  kv);
    spec.kwargs.emplace_back(e.kwNames[k], std::move(kv));
  }
  allowData = savedData;
  if (!ok)
    return false;
  (method == "compile" ? models[size_t(idx)].compile
                       : models[size_t(idx)].fit) = std::move(spec);
  return true;
}

} // namespace kiln::frontend::python
