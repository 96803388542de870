//===- Weights.cpp - A model's weights: create, load, check ---------------===//
#include "tools/Weights.h"
#include "runtime/support/Memory.h"
#include "ir/NNDialect.h"
#include "runtime/Initializers.h"

#include <nlohmann/json.hpp>

#include <set>

using namespace mlir;
using namespace kiln::runtime;

namespace kiln {

nlohmann::json attributeToJson(Attribute a) {
  // BoolAttr is an IntegerAttr of i1: ask for it first.
  if (auto b = a.dyn_cast<BoolAttr>())
    return b.getValue();
  if (auto i = a.dyn_cast<IntegerAttr>())
    return i.getInt();
  if (auto f = a.dyn_cast<FloatAttr>())
    return f.getValueAsDouble();
  if (auto s = a.dyn_cast<StringAttr>())
    return s.getValue().str();
  if (auto arr = a.dyn_cast<ArrayAttr>()) {
    nlohmann::json j = nlohmann::json::array();
    for (Attribute x : arr)
      j.push_back(attributeToJson(x));
    return j;
  }
  if (auto d = a.dyn_cast<DictionaryAttr>()) {
    nlohmann::json j = nlohmann::json::object();
    for (NamedAttribute n : d)
      j[n.getName().str()] = attributeToJson(n.getValue());
    return j;
  }
  return nullptr;  // None (UnitAttr)
}

static Shape shapeOf(nn::WeightOp w) {
  auto s = w.getType().cast<RankedTensorType>().getShape();
  return Shape(s.begin(), s.end());
}

/// Refuses, before anything is allocated, a model whose weights (float32,
/// each name once) exceed the machine's memory.
static Status checkWeightsFit(ModuleOp module) {
  std::set<std::string> seen;
  double bytes = 0;
  module.walk([&](nn::WeightOp w) {
    if (!seen.insert(w.name().str()).second)
      return;
    double n = 4;
    for (int64_t d : shapeOf(w))
      n *= static_cast<double>(d);
    bytes += n;
  });
  std::string shortfall = memoryShortfall(bytes, "weights");
  if (!shortfall.empty())
    return makeError(shortfall);
  return Status::success();
}

Expected<SafetensorsData> initialWeights(ModuleOp module, uint64_t seed) {
  KILN_RETURN_IF_ERROR(checkWeightsFit(module));
  SafetensorsData data;
  Status status;
  module.walk([&](nn::WeightOp w) {
    if (!status.ok() || data.tensors.count(w.name().str()))
      return;
    nlohmann::json cfg = {{"class_name", w.initializer().str()}};
    if (auto c = w.initializer_config())
      cfg["config"] = attributeToJson(*c);
    Expected<Initializer> init = initializerFromKeras(cfg);
    if (!init.ok()) {
      status = init.status().withContext("weight '" + w.name().str() + "'");
      return;
    }
    Expected<Tensor> t = makeInitializedTensor(
        *init, DType::F32, shapeOf(w), initializerKey(*init, seed, w.name()));
    if (!t.ok()) {
      status = t.status().withContext("weight '" + w.name().str() + "'");
      return;
    }
    data.tensors.emplace(w.name().str(), std::move(*t));
  });
  if (!status.ok())
    return status;
  if (auto name = module->getAttrOfType<StringAttr>("nn.model"))
    data.metadata["model"] = name.getValue().str();
  data.metadata["format"] = "kiln weights";
  data.metadata["seed"] = std::to_string(seed);
  return data;
}

Expected<SafetensorsData> loadWeights(ModuleOp module, const std::string &path) {
  KILN_RETURN_IF_ERROR(checkWeightsFit(module));
  Expected<SafetensorsData> data = readSafetensors(path);
  if (!data.ok())
    return data;
  std::set<std::string> expected;
  Status status;
  module.walk([&](nn::WeightOp w) {
    std::string name = w.name().str();
    expected.insert(name);
    if (!status.ok())
      return;
    auto it = data->tensors.find(name);
    if (it == data->tensors.end()) {
      status = makeError(path, ": has no tensor '", name,
                         "', which the model needs");
      return;
    }
    if (it->second.shape() != shapeOf(w) || it->second.dtype() != DType::F32)
      status = makeError(path, ": tensor '", name, "' is ",
                         it->second.describe(), " but the model needs F32 ",
                         shapeToString(shapeOf(w)));
  });
  if (!status.ok())
    return status;
  for (const auto &[name, t] : data->tensors)
    if (!expected.count(name))
      return makeError(path, ": tensor '", name,
                       "' is not a weight of this model");
  return data;
}

} // namespace kiln
