//===- KerasConfig.cpp - A model as Keras 3's config.json -----------------===//
//
// What model.get_config() would say for a model kiln built from a Python
// script or Keras 2 JSON, in Keras 3's serialization (the config.json of a
// .keras file, keras/src/saving/serialization_lib.py): each layer's
// arguments resolved against the layer table's Keras signature, so every
// argument Keras's from_config() needs is spelled out; the Sequential
// InputLayer (batch_shape) or the functional graph (inbound_nodes with
// keras_history, input_layers, output_layers); and compile() as
// compile_config. Initializers and other objects keep the
// {"class_name", "config"} form, which Keras 3 deserializes.
//
//===----------------------------------------------------------------------===//
#include "frontend/KerasConfig.h"
#include "frontend/LayerArgs.h"
#include "frontend/LayerEmitter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "llvm/Support/raw_ostream.h"

// Keras writes its keys in this order; ordered_json keeps it.
using json = nlohmann::ordered_json;

namespace kiln::frontend {
namespace {

json toJson(const KValue &v) {
  switch (v.kind) {
  case KValue::Kind::None:
    return nullptr;
  case KValue::Kind::Bool:
    return v.b;
  case KValue::Kind::Int:
    return v.i;
  case KValue::Kind::Float:
    return v.f;
  case KValue::Kind::String:
    return v.s;
  case KValue::Kind::List:
  case KValue::Kind::Tuple: {
    json a = json::array();
    for (const KValue &x : v.items)
      a.push_back(toJson(x));
    return a;
  }
  case KValue::Kind::Dict: {
    json o = json::object();
    for (const auto &[k, x] : v.fields)
      o[k] = toJson(x);
    return o;
  }
  }
  return nullptr;
}

json dtypePolicy() {
  return {{"module", "keras"}, {"class_name", "DTypePolicy"},
          {"config", {{"name", "float32"}}}, {"registered_name", nullptr}};
}

json keraTensor(const ModelSpec &spec, const TensorRef &ref) {
  return {{"class_name", "__keras_tensor__"},
          {"config", {{"shape", nullptr}, {"dtype", "float32"},
                      {"keras_history",
                       {spec.layers[ref.layer].name, 0, ref.index}}}}};
}

} // namespace

std::optional<std::string> kerasConfigJson(const ModelSpec &spec,
                                           const BuiltModel &built,
                                           std::string &why) {
  // The input shape, as the model was built (batch first, -1 = None).
  std::vector<json> inputShapes;
  mlir::ModuleOp module = built.module.get();
  auto forward = module.lookupSymbol<mlir::FuncOp>("forward");
  if (!forward) {
    why = "the model has no @forward";
    return std::nullopt;
  }
  for (mlir::Type t : forward.getType().getInputs()) {
    json shape = json::array();
    for (int64_t d : t.cast<mlir::RankedTensorType>().getShape())
      shape.push_back(d < 0 ? json(nullptr) : json(d));
    inputShapes.push_back(shape);
  }

  std::string sink;
  llvm::raw_string_ostream quiet(sink);
  llvm::SourceMgr sm;
  LayerDiag diag(sm, quiet);
  json layers = json::array();
  bool functional = spec.kind == ModelSpec::Kind::Functional;
  size_t inputIndex = 0;
  for (const LayerSpec &layer : spec.layers) {
    json entry;
    if (layer.className == "InputLayer") {
      if (inputIndex >= inputShapes.size()) {
        why = "more inputs than the built model has";
        return std::nullopt;
      }
      entry = {{"module", "keras.layers"}, {"class_name", "InputLayer"},
               {"config", {{"batch_shape", inputShapes[inputIndex++]},
                           {"dtype", "float32"}, {"sparse", false},
                           {"name", layer.name}}},
               {"registered_name", nullptr}};
    } else {
      const LayerDef *def = lookupLayer(layer.className);
      if (!def) {
        why = "layer '" + layer.name + "' has no Keras signature";
        return std::nullopt;
      }
      auto args = LayerArgs::resolve(layer, def->signature, diag);
      if (!args) {
        why = "layer '" + layer.name + "': its arguments do not resolve";
        return std::nullopt;
      }
      json config = {{"name", layer.name},
                     {"trainable", toJson(args->get("trainable"))},
                     {"dtype", dtypePolicy()}};
      for (const Param &p : def->signature) {
        // LoRA arguments appeared in later Keras 3 releases; left unset,
        // they are left out so that earlier releases load the file too.
        if (p.name.rfind("lora_", 0) == 0 && args->get(p.name).isNone())
          continue;
        config[p.name] = toJson(args->get(p.name));
      }
      entry = {{"module", "keras.layers"}, {"class_name", def->className},
               {"config", config}, {"registered_name", nullptr}};
    }
    if (functional) {
      entry["name"] = layer.name;
      json nodes = json::array();
      if (!layer.inputs.empty()) {
        json args = json::array();
        if (layer.inputs.size() == 1) {
          args.push_back(keraTensor(spec, layer.inputs[0]));
        } else {
          json list = json::array();
          for (const TensorRef &r : layer.inputs)
            list.push_back(keraTensor(spec, r));
          args.push_back(list);
        }
        nodes.push_back({{"args", args}, {"kwargs", json::object()}});
      }
      entry["inbound_nodes"] = nodes;
    }
    layers.push_back(entry);
  }
  json config = {{"name", spec.name}, {"trainable", true},
                 {"dtype", dtypePolicy()}, {"layers", layers}};
  if (functional) {
    auto refs = [&](const std::vector<TensorRef> &v) {
      json a = json::array();
      for (const TensorRef &r : v)
        a.push_back({spec.layers[r.layer].name, 0, r.index});
      return a;
    };
    config["input_layers"] = refs(spec.inputs);
    config["output_layers"] = refs(spec.outputs);
  }
  json root = {{"module", "keras"},
               {"class_name", functional ? "Functional" : "Sequential"},
               {"config", config},
               {"registered_name", nullptr}};
  if (!functional && !inputShapes.empty())
    root["build_config"] = {{"input_shape", inputShapes[0]}};
  if (spec.compile) {
    json compile = json::object();
    for (const auto &[k, v] : spec.compile->kwargs)
      compile[k] = toJson(v);
    root["compile_config"] = compile;
  }
  return root.dump();
}

} // namespace kiln::frontend
