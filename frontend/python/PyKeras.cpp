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
#include <cmath>
#include <map>
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
  // Keras's own parameter order for the classes scripts call positionally.
  static const std::map<std::string, std::vector<std::string>> known = {
      {"callbacks.ModelCheckpoint",
       {"filepath", "monitor", "verbose", "save_best_only",
        "save_weights_only", "mode", "save_freq"}},
      {"callbacks.CSVLogger", {"filename", "separator", "append"}},
      {"callbacks.LearningRateScheduler", {"schedule", "verbose"}},
      {"callbacks.EarlyStopping",
       {"monitor", "min_delta", "patience", "verbose", "mode", "baseline",
        "restore_best_weights"}},
      {"callbacks.ReduceLROnPlateau",
       {"monitor", "factor", "patience", "verbose", "mode", "min_delta",
        "cooldown", "min_lr"}},
      {"callbacks.TensorBoard", {"log_dir"}},
      {"callbacks.BackupAndRestore", {"backup_dir"}},
      {"schedules.ExponentialDecay",
       {"initial_learning_rate", "decay_steps", "decay_rate", "staircase",
        "name"}},
      {"schedules.InverseTimeDecay",
       {"initial_learning_rate", "decay_steps", "decay_rate", "staircase",
        "name"}},
      {"schedules.CosineDecay",
       {"initial_learning_rate", "decay_steps", "alpha", "name"}},
      {"schedules.CosineDecayRestarts",
       {"initial_learning_rate", "first_decay_steps", "t_mul", "m_mul",
        "alpha", "name"}},
      {"schedules.PiecewiseConstantDecay", {"boundaries", "values", "name"}},
      {"schedules.PolynomialDecay",
       {"initial_learning_rate", "decay_steps", "end_learning_rate", "power",
        "cycle", "name"}},
      {"metrics.TopKCategoricalAccuracy", {"k", "name", "dtype"}},
      {"metrics.SparseTopKCategoricalAccuracy", {"k", "name", "dtype"}},
      {"metrics.Accuracy", {"name", "dtype"}},
      {"metrics.CategoricalAccuracy", {"name", "dtype"}},
      {"metrics.SparseCategoricalAccuracy", {"name", "dtype"}},
      {"metrics.BinaryAccuracy", {"name", "dtype", "threshold"}},
      {"metrics.Mean", {"name", "dtype"}},
      {"metrics.AUC", {"num_thresholds", "curve"}},
      {"metrics.Precision", {"thresholds", "top_k", "class_id", "name"}},
      {"metrics.Recall", {"thresholds", "top_k", "class_id", "name"}},
      {"losses.CategoricalCrossentropy",
       {"from_logits", "label_smoothing", "axis", "reduction", "name"}},
      {"losses.SparseCategoricalCrossentropy",
       {"from_logits", "ignore_class", "reduction", "name"}},
      {"losses.BinaryCrossentropy",
       {"from_logits", "label_smoothing", "axis", "reduction", "name"}},
      {"losses.MeanSquaredError", {"reduction", "name"}},
      {"losses.MeanAbsoluteError", {"reduction", "name"}},
      {"losses.Huber", {"delta", "reduction", "name"}},
  };
  auto it = known.find(category + "." + cls);
  if (it != known.end())
    return it->second;
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
  if (path == "tensorflow.nn")
    return fn("tfnn", name); // tf.nn.relu names an activation
  if (path == "math" && !isKerasPath(path)) {
    // Python's math module computes on constants (model sizes).
    if (name == "pi" || name == "e" || name == "inf") {
      out = makeValue(VK::Float, "", loc);
      out.f = name == "pi" ? M_PI : name == "e" ? M_E : HUGE_VAL;
      return true;
    }
    out = makeValue(VK::Builtin, "math." + name, loc);
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
            .Cases("preprocessing", "ops", "saving", "mixed_precision",
                   "random", true)
            .Cases("config", "export", "applications", "src", true)
            .Default(false))
      return module("keras." + name);
    if (name == "Sequential" || name == "Model" || name == "Input")
      return fn(name);
    if (name == "__version__") {
      out = makeValue(VK::Str, "3.0.0", loc);
      return true;
    }
    return noAttr();
  }
  if (llvm::StringRef(path).startswith("keras.applications")) {
    // Submodules (resnet, imagenet_utils, ...) and their helpers
    // (preprocess_input, decode_predictions) work on data; the model
    // constructors are what needs weights.
    if (!capital && path == "keras.applications")
      return module(path + "." + name);
    if (!capital)
      return fn("ignore", path.substr(strlen("keras.")) + "." + name);
  }
  if (llvm::StringRef(path).startswith("keras.applications"))
    return fail(loc, path + "." + name +
                         " needs pretrained weights from the internet, which "
                         "kiln does not download; build the model in Keras, "
                         "call model.save(\"model.keras\") and run kiln "
                         "compile model.keras");
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
    if (name == "load_model" || name == "clone_model" ||
        name == "model_from_json")
      return fn("ignore", name);
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
  // Modules whose functions work on data, files or the session: calling
  // them gives data; on Keras tensors they are an error (callKeras).
  if (path == "keras.utils" || path == "keras.backend" ||
      path == "keras.preprocessing" ||
      llvm::StringRef(path).startswith("keras.preprocessing.") ||
      path == "keras.ops" || path == "keras.saving" ||
      path == "keras.mixed_precision" || path == "keras.random" ||
      path == "keras.config" || path == "keras.export" ||
      llvm::StringRef(path).startswith("keras.src")) {
    if (path == "keras.preprocessing" &&
        (name == "image" || name == "text" || name == "sequence"))
      return module(path + "." + name);
    return fn("ignore", path.substr(strlen("keras.")) + "." + name);
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
  case VK::KerasFn:
    if (v.s != "tfnn")
      break;
    out = KValue::string(v.s2, loc);
    return true;
  case VK::Config:
    out = *v.cfg;
    out.loc = loc;
    return true;
  case VK::Tuple:
  case VK::List:
  case VK::Set:
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
    if (allowData) {
      // Data handed to compile()/fit() is named by the user's text.
      std::string text = src ? src->source().str() : v.s;
      out = KValue::string(text, loc);
      return true;
    }
    return fail(loc, what + " must be a constant, not a value computed from "
                            "data" +
                         (v.origin.isValid() ? ": " + dataOrigin(v) : ""));
  default:
    break;
  }
  if (allowData) {
    // fit()/compile() arguments kiln does not model (custom callbacks,
    // schedule functions): recorded by their text for the trainer to judge.
    out = KValue::string(src ? src->source().str() : "<" + typeName(v) + ">",
                         loc);
    return true;
  }
  return fail(loc, what + " must be a constant, not a " + typeName(v));
}

bool Interp::callKeras(const Value &fn, const Expr &e, CallArgs &a,
                       Value &out) {
  if (fn.kind == VK::LayerClass)
    return createLayer(fn, e, a, out);
  if (fn.kind == VK::ConfigClass)
    return createConfig(fn, e, a, out);
  if (fn.s == "Input")
    return createInput(e, a, out);
  if (fn.s == "Sequential" || fn.s == "Model")
    return createModel(fn, e.loc, a, out);
  if (fn.s == "superinit") {
    // super().__init__(...) of a keras.Model subclass: with inputs and
    // outputs it is a functional model; otherwise only its name matters.
    out = makeValue(VK::None, "", e.loc);
    int obj = fn.ref;
    if (obj < 0 || objects[size_t(obj)].model < 0)
      return true;
    bool functional = a.args.size() >= 2;
    for (const std::string &k : a.kwNames)
      functional |= k == "inputs" || k == "outputs";
    int model = objects[size_t(obj)].model;
    if (functional) {
      Value ignored;
      Value modelFn = makeValue(VK::KerasFn, "Model", e.loc);
      return createModel(modelFn, e.loc, a, ignored, obj);
    }
    for (size_t k = 0; k < a.kwNames.size(); ++k)
      if (a.kwNames[k] == "name" && a.kwargs[k].kind == VK::Str)
        models[size_t(model)].name = a.kwargs[k].s;
    return true;
  }
  if (fn.s == "merge") {
    // layers.add([a, b], **kw) is layers.Add(**kw)([a, b]).
    if (a.args.size() != 1)
      return fail(e.loc, "layers." + toSnakeCase(fn.s2) +
                             "() takes one list of tensors");
    LayerRec rec;
    rec.spec.className = fn.s2;
    rec.spec.loc = e.loc;
    rec.spec.name = uniqueName(fn.s2, used);
    Context ctx(*this, layerContext(rec.spec));
    for (size_t k = 0; k < a.kwargs.size(); ++k) {
      KValue kv;
      if (a.kwNames[k] == "name" && a.kwargs[k].kind == VK::Str) {
        rec.spec.name = a.kwargs[k].s;
        rec.spec.nameGiven = true;
        continue;
      }
      if (!toKValue(a.kwargs[k], a.kwSrc[k], "argument '" + a.kwNames[k] + "'",
                    kv))
        return false;
      rec.spec.kwargs.emplace_back(a.kwNames[k], std::move(kv));
    }
    std::vector<TensorRef> ins;
    if (!tensorsOf(a.args[0], "the layer's inputs", ins))
      return false;
    rec.connected = true;
    rec.order = order++;
    rec.spec.inputs = ins;
    layers.push_back(std::move(rec));
    out = makeValue(VK::Tensor, "", e.loc);
    out.ref = int(layers.size() - 1);
    return true;
  }
  if (fn.s == "load_data") {
    dataset = fn.s2;
    datasetLoc = e.loc;
    const char *names[2][2] = {{"x_train", "y_train"}, {"x_test", "y_test"}};
    std::vector<Value> halves;
    for (auto &half : names) {
      std::vector<Value> pair;
      for (const char *n : half)
        pair.push_back(values::opaque(n, e.loc));
      Value t;
      if (!makeSeq(VK::Tuple, std::move(pair), e.loc, t))
        return false;
      halves.push_back(std::move(t));
    }
    return makeSeq(VK::Tuple, std::move(halves), e.loc, out);
  }
  for (size_t k = 0; k < a.args.size() + a.kwargs.size(); ++k) {
    const Value &v = k < a.args.size() ? a.args[k] : a.kwargs[k - a.args.size()];
    if (values::holdsKeras(v))
      return fail(v.loc, (fn.s == "tfnn" ? "tf.nn." : "keras.") + fn.s2 +
                             "() of a Keras tensor is not supported; use a "
                             "Keras layer");
  }
  out = values::opaque(e.source().str(), e.loc); // "ignore"
  return true;
}

bool Interp::createLayer(const Value &cls, const Expr &e, CallArgs &a,
                         Value &out) {
  LayerRec rec;
  rec.spec.className = cls.s;
  rec.spec.loc = e.loc;
  // Errors while reading the arguments name the layer about to be made.
  std::string peek;
  for (size_t k = 0; k < a.kwNames.size(); ++k)
    if (a.kwNames[k] == "name" && a.kwargs[k].kind == VK::Str)
      peek = a.kwargs[k].s;
  if (peek.empty()) {
    std::map<std::string, int> copy = used;
    peek = uniqueName(cls.s, copy);
  }
  Context ctx(*this, "in layer '" + peek + "' (" + cls.s + "): ");
  if (cls.s == "Layer")
    return fail(e.loc, "keras.layers.Layer itself has no computation; "
                       "subclass it");
  if (a.opaqueStar.isValid())
    return fail(a.opaqueStar, "the layer's arguments are unpacked from a "
                              "data value");
  for (size_t k = 0; k < a.args.size(); ++k) {
    KValue kv;
    if (!toKValue(a.args[k], a.argSrc[k],
                  "argument " + std::to_string(k + 1), kv))
      return false;
    rec.spec.args.push_back(std::move(kv));
  }
  for (size_t k = 0; k < a.kwargs.size(); ++k) {
    if (a.kwNames[k] == "name" && a.kwargs[k].kind != VK::None) {
      if (a.kwargs[k].kind != VK::Str)
        return fail(a.kwargs[k].loc, "name= must be a string" +
                                         (a.kwargs[k].kind == VK::Opaque
                                              ? ", not " +
                                                    dataOrigin(a.kwargs[k])
                                              : std::string()));
      rec.spec.name = a.kwargs[k].s;
      rec.spec.nameGiven = true;
      continue;
    }
    if (a.kwNames[k] == "name")
      continue;
    KValue kv;
    if (!toKValue(a.kwargs[k], a.kwSrc[k], "argument '" + a.kwNames[k] + "'",
                  kv))
      return false;
    rec.spec.kwargs.emplace_back(a.kwNames[k], std::move(kv));
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
bool Interp::createInput(const Expr &e, CallArgs &a, Value &out) {
  static const char *const names[] = {"shape",       "batch_size", "dtype",
                                      "sparse",      "batch_shape", "name",
                                      "tensor"};
  LayerRec rec;
  rec.spec.className = "InputLayer";
  rec.spec.loc = e.loc;
  std::map<std::string, int> copy = used;
  Context ctx(*this, "in layer '" + uniqueName("InputLayer", copy) +
                         "' (InputLayer): ");
  if (a.args.size() > 7)
    return fail(a.args[7].loc, "keras.Input() takes at most 7 positional "
                               "arguments");
  for (size_t k = 0; k < a.args.size() + a.kwargs.size(); ++k) {
    bool pos = k < a.args.size();
    size_t j = k - a.args.size();
    const Value &v = pos ? a.args[k] : a.kwargs[j];
    const Expr *src = pos ? a.argSrc[k] : a.kwSrc[j];
    std::string key = pos ? names[k] : a.kwNames[j];
    if (!pos)
      for (size_t i = 0; i < a.args.size(); ++i)
        if (key == names[i])
          return fail(a.kwLocs[j],
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

bool Interp::createConfig(const Value &cls, const Expr &e, CallArgs &a,
                          Value &out) {
  std::string name = cls.s;
  const std::string &category = cls.s2;
  if (category == "regularizers")
    name = llvm::StringSwitch<std::string>(name)
               .Case("l1", "L1")
               .Case("l2", "L2")
               .Case("l1_l2", "L1L2")
               .Default(name);
  std::vector<std::string> posNames = positionalNames(category, name);
  std::vector<std::pair<std::string, KValue>> fields;
  std::string full = "keras." + category + "." + cls.s;
  for (size_t k = 0; k < a.args.size(); ++k) {
    if (k >= posNames.size())
      return fail(a.args[k].loc, "cannot name positional argument " +
                                     std::to_string(k + 1) + " of " + full +
                                     "; pass it by keyword");
    KValue kv;
    if (!toKValue(a.args[k], a.argSrc[k],
                  "argument '" + posNames[k] + "' of " + full, kv))
      return false;
    fields.emplace_back(posNames[k], std::move(kv));
  }
  for (size_t k = 0; k < a.kwargs.size(); ++k) {
    for (const auto &f : fields)
      if (f.first == a.kwNames[k])
        return fail(a.kwLocs[k], full + "() got multiple values for '" +
                                     a.kwNames[k] + "'");
    KValue kv;
    if (!toKValue(a.kwargs[k], a.kwSrc[k],
                  "argument '" + a.kwNames[k] + "' of " + full, kv))
      return false;
    fields.emplace_back(a.kwNames[k], std::move(kv));
  }
  out = makeValue(VK::Config, name, e.loc);
  out.cfg = std::make_shared<KValue>(
      KValue::dict({{"class_name", KValue::string(name, e.loc)},
                    {"config", KValue::dict(std::move(fields), e.loc)}},
                   e.loc));
  return true;
}

} // namespace kiln::frontend::python
