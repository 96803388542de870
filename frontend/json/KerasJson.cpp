//===- KerasJson.cpp - model.to_json() -> ModelSpec -----------------------===//
//
// Implements parseKerasJson: reads the JSON document with JsonReader, then
// walks Keras's model layout. Sequential models (Keras 2 and 3, and the old
// form whose config is the bare layer list) become a chain that starts with
// an InputLayer, synthesised from the first layer's input shape when Keras
// did not write one. Functional models ("Model" in Keras 2, "Functional" in
// Keras 3) are linked through each layer's single inbound node, in either
// version's node layout. Layer arguments are copied as written: the layer
// table resolves and checks them for both frontends.
//
//===----------------------------------------------------------------------===//
#include "frontend/Frontends.h"
#include "frontend/json/JsonReader.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"

#include <climits>

namespace kiln::frontend {
namespace {

/// "an object", "a list", ...: what a JSON value is, for messages.
std::string describe(const KValue &v) {
  switch (v.kind) {
  case KValue::Kind::None:
    return "null";
  case KValue::Kind::Bool:
    return v.b ? "true" : "false";
  case KValue::Kind::Int:
  case KValue::Kind::Float:
    return "the number " + v.str();
  case KValue::Kind::String:
    return "the string \"" + v.s.substr(0, 40) + "\"";
  case KValue::Kind::List:
  case KValue::Kind::Tuple:
    return "a list";
  case KValue::Kind::Dict:
    return "an object";
  }
  return "a value";
}

bool isString(const KValue *v) {
  return v && v->kind == KValue::Kind::String;
}

bool isModelClass(const std::string &cls) {
  return cls == "Sequential" || cls == "Functional" || cls == "Model";
}

class KerasJsonReader {
public:
  KerasJsonReader(llvm::SourceMgr &sm, llvm::raw_ostream &errs)
      : sm(sm), errs(errs) {}

  std::optional<ModelSpec> read(const KValue &root) {
    if (root.kind != KValue::Kind::Dict) {
      error(root.loc, "expected a Keras model object (what model.to_json() "
                      "writes), found " + describe(root));
      return std::nullopt;
    }
    model.loc = root.loc;
    const KValue *cls = root.get("class_name");
    if (!isString(cls)) {
      error(cls ? cls->loc : root.loc,
            "expected the model's \"class_name\" to be a string");
      return std::nullopt;
    }
    const KValue *config = root.get("config");
    if (!config) {
      error(root.loc, "model has no \"config\"");
      return std::nullopt;
    }
    bool ok;
    if (cls->s == "Sequential") {
      ok = readSequential(root, *config);
    } else if (cls->s == "Functional" || cls->s == "Model") {
      ok = readFunctional(*config, cls->s == "Model" ? "model" : "functional");
    } else {
      error(cls->loc, "model class '" + cls->s +
                          "' is not supported: expected Sequential, "
                          "Functional or Model");
      return std::nullopt;
    }
    if (!ok)
      return std::nullopt;
    readCompile(root);
    return std::move(model);
  }

private:
  llvm::SourceMgr &sm;
  llvm::raw_ostream &errs;
  ModelSpec model;
  llvm::StringMap<int> layerIndex;      ///< name -> index in model.layers
  std::map<std::string, int> usedNames; ///< for layers Keras left unnamed

  bool error(llvm::SMLoc loc, const llvm::Twine &msg) {
    reportJsonError(sm, errs, loc, msg);
    return false;
  }

  /// The name a layer object declares, without checking anything: the
  /// layer-level "name" (what inbound nodes refer to), else config.name.
  static const KValue *declaredName(const KValue &layer) {
    const KValue *name = layer.get("name");
    if (isString(name))
      return name;
    const KValue *config = layer.get("config");
    name = config ? config->get("name") : nullptr;
    return isString(name) ? name : nullptr;
  }

  /// Reads class, name and arguments of one layer object into `spec` and
  /// registers its name. Does not append it to the model.
  bool readLayer(const KValue &layer, LayerSpec &spec) {
    if (layer.kind != KValue::Kind::Dict)
      return error(layer.loc, "expected a layer object, found " +
                                  describe(layer));
    spec.loc = layer.loc;
    const KValue *cls = layer.get("class_name");
    if (!isString(cls))
      return error(cls ? cls->loc : layer.loc,
                   "expected the layer's \"class_name\" to be a string");
    spec.className = cls->s;
    const KValue *config = layer.get("config");
    if (!config || config->kind != KValue::Kind::Dict)
      return error(config ? config->loc : layer.loc,
                   "layer of class '" + spec.className +
                       "': expected its \"config\" to be an object");
    const KValue *inner = config->get("name");
    const KValue *outer = layer.get("name");
    if (inner && !isString(inner))
      return error(inner->loc, "layer of class '" + spec.className +
                                   "': expected its name to be a string");
    if (outer && !isString(outer))
      return error(outer->loc, "layer of class '" + spec.className +
                                   "': expected its name to be a string");
    if (inner && outer && inner->s != outer->s)
      return error(outer->loc, "layer '" + inner->s + "': its \"name\" '" +
                                   outer->s + "' differs from config.name");
    const KValue *name = inner ? inner : outer;
    if (name) {
      spec.name = name->s;
      spec.nameGiven = true;
    } else {
      spec.name = uniqueName(spec.className, usedNames);
    }
    if (isModelClass(spec.className))
      return error(layer.loc, "layer '" + spec.name +
                                  "': nested models (class '" +
                                  spec.className + "') are not supported");
    for (const auto &field : config->fields)
      if (field.first != "name")
        spec.kwargs.push_back(field);
    return registerName(spec, name ? name->loc : layer.loc);
  }

  bool registerName(const LayerSpec &spec, llvm::SMLoc loc) {
    if (!layerIndex.try_emplace(spec.name, (int)model.layers.size()).second)
      return error(loc, "duplicate layer name '" + spec.name + "'");
    return true;
  }

  //===--------------------------------------------------------------------===//
  // Sequential
  //===--------------------------------------------------------------------===//

  /// The input shape Keras recorded for a Sequential model without an
  /// InputLayer: Keras 2's batch_input_shape on the first layer, else
  /// Keras 3's build_config on the first layer or the model, else the
  /// model config's build_input_shape.
  static const KValue *sequentialInputShape(const KValue &root,
                                            const KValue &config,
                                            const KValue &first) {
    auto usable = [](const KValue *v) { return v && !v->isNone(); };
    const KValue *firstConfig = first.get("config");
    if (const KValue *v =
            firstConfig ? firstConfig->get("batch_input_shape") : nullptr;
        usable(v))
      return v;
    for (const KValue *holder : {&first, &root}) {
      const KValue *build = holder->get("build_config");
      if (const KValue *v = build ? build->get("input_shape") : nullptr;
          usable(v))
        return v;
    }
    if (const KValue *v = config.get("build_input_shape"); usable(v))
      return v;
    return nullptr;
  }

  bool readSequential(const KValue &root, const KValue &config) {
    model.kind = ModelSpec::Kind::Sequential;
    model.name = "sequential";
    const KValue *layers = &config;
    if (config.kind == KValue::Kind::Dict) {
      if (const KValue *name = config.get("name")) {
        if (!isString(name))
          return error(name->loc, "expected the model's name to be a string");
        model.name = name->s;
      }
      layers = config.get("layers");
      if (!layers || layers->kind != KValue::Kind::List)
        return error(layers ? layers->loc : config.loc,
                     "expected the Sequential config's \"layers\" to be a "
                     "list");
    } else if (config.kind != KValue::Kind::List) {
      return error(config.loc, "expected the Sequential config to be an "
                               "object or a list of layers, found " +
                                   describe(config));
    }
    if (layers->items.empty())
      return error(layers->loc,
                   "Sequential model '" + model.name + "' has no layers");

    for (size_t k = 0; k < layers->items.size(); ++k) {
      const KValue &layer = layers->items[k];
      LayerSpec spec;
      if (!readLayer(layer, spec))
        return false;
      bool isInput = spec.className == "InputLayer";
      if (k == 0 && !isInput) {
        const KValue *shape = sequentialInputShape(root, config, layer);
        if (!shape)
          return error(layer.loc,
                       "layer '" + spec.name +
                           "': a Sequential model needs an input shape: an "
                           "InputLayer first, or \"batch_input_shape\" or "
                           "\"build_config\" on its first layer");
        // Keras 2 names the implicit input after the first layer.
        LayerSpec input;
        input.className = "InputLayer";
        input.name = spec.name + "_input";
        input.kwargs.emplace_back("batch_shape", *shape);
        input.loc = layer.loc;
        layerIndex.erase(spec.name);
        if (!registerName(input, layer.loc))
          return false;
        model.layers.push_back(std::move(input));
        if (!registerName(spec, layer.loc))
          return false;
      } else if (k > 0 && isInput) {
        return error(layer.loc, "layer '" + spec.name +
                                    "': an InputLayer can only be the first "
                                    "layer of a Sequential model");
      }
      if (!model.layers.empty())
        spec.inputs.push_back({(int)model.layers.size() - 1, 0});
      model.layers.push_back(std::move(spec));
    }
    model.inputs = {{0, 0}};
    model.outputs = {{(int)model.layers.size() - 1, 0}};
    return true;
  }

  //===--------------------------------------------------------------------===//
  // Functional
  //===--------------------------------------------------------------------===//

  /// Resolves a reference [layer_name, node_index, tensor_index] written at
  /// `items` (at least three values) into a TensorRef. `what` names the
  /// referrer in messages: "layer 'add_1': inbound node", "output_layers".
  bool resolve(const std::vector<KValue> &items, const llvm::Twine &what,
               const llvm::StringSet<> &declared, TensorRef &ref) {
    const KValue &name = items[0];
    if (!isString(&name))
      return error(name.loc, what + ": expected a layer name, found " +
                                 describe(name));
    auto it = layerIndex.find(name.s);
    if (it == layerIndex.end()) {
      if (declared.count(name.s))
        return error(name.loc, what + " refers to layer '" + name.s +
                                   "', which is defined after it");
      return error(name.loc,
                   what + " refers to unknown layer '" + name.s + "'");
    }
    const KValue &node = items[1];
    if (node.kind != KValue::Kind::Int)
      return error(node.loc, what + ": expected a node index, found " +
                                 describe(node));
    if (node.i != 0)
      return error(node.loc, what + " refers to call " + llvm::Twine(node.i) +
                                 " of layer '" + name.s +
                                 "': shared layers are not supported");
    const KValue &tensor = items[2];
    if (tensor.kind != KValue::Kind::Int || tensor.i < 0 ||
        tensor.i > INT_MAX)
      return error(tensor.loc, what + ": expected a tensor index >= 0, found " +
                                   describe(tensor));
    ref.layer = it->second;
    ref.index = (int)tensor.i;
    return true;
  }

  /// Keras 3: collects, in order, the tensors ({"class_name":
  /// "__keras_tensor__", "config": {"keras_history": [name, node, index]}})
  /// anywhere in a call's args.
  bool collectKerasTensors(const KValue &v, const llvm::Twine &what,
                           const llvm::StringSet<> &declared,
                           std::vector<TensorRef> &out) {
    if (v.kind == KValue::Kind::Dict) {
      const KValue *cls = v.get("class_name");
      if (isString(cls) && cls->s == "__keras_tensor__") {
        const KValue *config = v.get("config");
        const KValue *history = config ? config->get("keras_history") : nullptr;
        if (!history || history->kind != KValue::Kind::List ||
            history->items.size() < 3)
          return error(history ? history->loc : v.loc,
                       what + ": expected \"keras_history\" [layer_name, "
                              "node_index, tensor_index] in a Keras tensor");
        TensorRef ref;
        if (!resolve(history->items, what, declared, ref))
          return false;
        out.push_back(ref);
        return true;
      }
      for (const auto &field : v.fields)
        if (!collectKerasTensors(field.second, what, declared, out))
          return false;
    } else if (v.isSequence()) {
      for (const KValue &item : v.items)
        if (!collectKerasTensors(item, what, declared, out))
          return false;
    }
    return true;
  }

  /// Fills spec.inputs from the layer object's "inbound_nodes".
  bool readInboundNodes(const KValue &layer, LayerSpec &spec,
                        const llvm::StringSet<> &declared) {
    std::string what = "layer '" + spec.name + "': inbound node";
    bool isInput = spec.className == "InputLayer";
    const KValue *nodes = layer.get("inbound_nodes");
    if (nodes && !nodes->isNone() && nodes->kind != KValue::Kind::List)
      return error(nodes->loc, "layer '" + spec.name +
                                   "': expected \"inbound_nodes\" to be a "
                                   "list, found " + describe(*nodes));
    size_t count = nodes && !nodes->isNone() ? nodes->items.size() : 0;
    if (count == 0)
      return isInput ? true
                     : error(nodes ? nodes->loc : layer.loc,
                             "layer '" + spec.name +
                                 "' has no inbound nodes: only an InputLayer "
                                 "may have none");
    if (isInput)
      return error(nodes->loc, "layer '" + spec.name +
                                   "': an InputLayer has no inbound nodes");
    if (count > 1)
      return error(nodes->items[1].loc,
                   "layer '" + spec.name +
                       "': shared layers are not supported (the layer is "
                       "called " + llvm::Twine(count) + " times)");
    const KValue &node = nodes->items[0];
    if (node.kind == KValue::Kind::List) {
      // Keras 2: [[layer_name, node_index, tensor_index, kwargs], ...]. The
      // call kwargs ({"training": ...}, masks) do not change the graph.
      for (const KValue &entry : node.items) {
        if (entry.kind != KValue::Kind::List || entry.items.size() < 3)
          return error(entry.loc, what + ": expected [layer_name, node_index, "
                                         "tensor_index, kwargs], found " +
                                         describe(entry));
        TensorRef ref;
        if (!resolve(entry.items, what, declared, ref))
          return false;
        spec.inputs.push_back(ref);
      }
    } else if (node.kind == KValue::Kind::Dict) {
      // Keras 3: {"args": [...], "kwargs": {...}}.
      const KValue *args = node.get("args");
      if (args && !collectKerasTensors(*args, what, declared, spec.inputs))
        return false;
      if (const KValue *kwargs = node.get("kwargs")) {
        std::vector<TensorRef> byKeyword;
        if (!collectKerasTensors(*kwargs, what, declared, byKeyword))
          return false;
        if (!byKeyword.empty())
          return error(kwargs->loc, "layer '" + spec.name +
                                        "': tensors passed as keyword "
                                        "arguments are not supported");
      }
    } else {
      return error(node.loc, what + ": expected a list or an object, found " +
                                 describe(node));
    }
    if (spec.inputs.empty())
      return error(node.loc, what + " passes no tensors");
    return true;
  }

  /// Reads "input_layers" or "output_layers": a list of [name, node, index],
  /// or in Keras 3 a single unwrapped [name, node, index].
  bool readEndpoints(const KValue &config, const char *key,
                     const llvm::StringSet<> &declared, bool inputsOnly,
                     std::vector<TensorRef> &out) {
    const KValue *v = config.get(key);
    if (!v || v->kind != KValue::Kind::List)
      return error(v ? v->loc : config.loc,
                   llvm::Twine("expected the functional model's \"") + key +
                       "\" to be a list");
    if (v->items.empty())
      return error(v->loc, llvm::Twine("\"") + key + "\" is empty");
    bool single = v->items[0].kind == KValue::Kind::String;
    std::vector<const KValue *> refs;
    if (single)
      refs.push_back(v);
    else
      for (const KValue &item : v->items)
        refs.push_back(&item);
    std::string what = std::string("\"") + key + "\"";
    for (const KValue *r : refs) {
      if (r->kind != KValue::Kind::List || r->items.size() < 3)
        return error(r->loc, what + ": expected [layer_name, node_index, "
                                    "tensor_index], found " + describe(*r));
      TensorRef ref;
      if (!resolve(r->items, what, declared, ref))
        return false;
      if (inputsOnly && model.layers[ref.layer].className != "InputLayer")
        return error(r->items[0].loc, what + ": layer '" + r->items[0].s +
                                          "' is not an InputLayer");
      out.push_back(ref);
    }
    return true;
  }

  bool readFunctional(const KValue &config, const char *defaultName) {
    model.kind = ModelSpec::Kind::Functional;
    model.name = defaultName;
    if (config.kind != KValue::Kind::Dict)
      return error(config.loc, "expected the functional model's config to be "
                               "an object, found " + describe(config));
    if (const KValue *name = config.get("name")) {
      if (!isString(name))
        return error(name->loc, "expected the model's name to be a string");
      model.name = name->s;
    }
    const KValue *layers = config.get("layers");
    if (!layers || layers->kind != KValue::Kind::List)
      return error(layers ? layers->loc : config.loc,
                   "expected the functional model's \"layers\" to be a list");
    // Every name the file declares, to tell a forward reference from a typo.
    llvm::StringSet<> declared;
    for (const KValue &layer : layers->items)
      if (const KValue *name = declaredName(layer))
        declared.insert(name->s);
    for (const KValue &layer : layers->items) {
      LayerSpec spec;
      if (!readLayer(layer, spec) || !readInboundNodes(layer, spec, declared))
        return false;
      model.layers.push_back(std::move(spec));
    }
    return readEndpoints(config, "input_layers", declared, true,
                         model.inputs) &&
           readEndpoints(config, "output_layers", declared, false,
                         model.outputs);
  }

  //===--------------------------------------------------------------------===//
  // Compile settings
  //===--------------------------------------------------------------------===//

  /// Keras 3's "compile_config" or Keras 2's "training_config" (h5 files)
  /// become ModelSpec::compile, with the keys model.compile() takes. A loss
  /// that Keras 3 wrapped as {"module": "builtins", "class_name":
  /// "function", "config": "categorical_crossentropy"} becomes its name, as
  /// a Python script would write it.
  void readCompile(const KValue &root) {
    const KValue *cc = root.get("compile_config");
    if (!cc || cc->kind != KValue::Kind::Dict)
      cc = root.get("training_config");
    if (!cc || cc->kind != KValue::Kind::Dict)
      return;
    CallSpec call;
    call.loc = cc->loc;
    for (const auto &field : cc->fields) {
      std::string key =
          field.first == "optimizer_config" ? "optimizer" : field.first;
      const KValue &v = field.second;
      const KValue *cls = v.get("class_name");
      const KValue *config = v.get("config");
      if (isString(cls) && cls->s == "function" && isString(config))
        call.kwargs.emplace_back(key, KValue::string(config->s, v.loc));
      else
        call.kwargs.emplace_back(key, v);
    }
    model.compile = std::move(call);
  }
};

} // namespace

std::optional<ModelSpec> parseKerasJson(llvm::SourceMgr &sm, unsigned bufferId,
                                        llvm::raw_ostream &errs) {
  std::optional<KValue> root = parseJsonDocument(sm, bufferId, errs);
  if (!root)
    return std::nullopt;
  return KerasJsonReader(sm, errs).read(*root);
}

} // namespace kiln::frontend
