//===- KerasModel.cpp - Keras model files for the kiln commands -----------===//
#include "tools/KerasModel.h"
#include "frontend/Frontends.h"
#include "ir/NNDialect.h"

#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>

using namespace kiln::runtime;

namespace kiln {

static bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// nn-build-train-step's optimizer state ("adam/...", as
/// runtime::isOptimizerState says; KilnTools does not link that library).
static bool isOptimizerState(const std::string &name) {
  for (const char *prefix : {"adam/", "sgd/", "rmsprop/"})
    if (name.rfind(prefix, 0) == 0)
      return true;
  return false;
}

bool isKerasFilePath(const std::string &path) {
  return keras::isKerasModelPath(path);
}

/// The layer classes Keras files may name that kiln will not run: code
/// (Lambda) and anything registered by the user (custom objects). The
/// model is never executed, so these are refused before building.
static bool refuseLayers(const frontend::ModelSpec &spec, const std::string &path,
                         llvm::raw_ostream &errs) {
  std::vector<std::string> known = frontend::knownLayerClasses();
  for (const frontend::LayerSpec &layer : spec.layers) {
    if (layer.className == "Lambda") {
      errs << "error: " << path << ": layer '" << layer.name
           << "' is a Lambda layer: its Python code is not something kiln "
              "reads or runs\n";
      return false;
    }
    if (std::find(known.begin(), known.end(), layer.className) == known.end()) {
      bool custom = layer.className.find('>') != std::string::npos;
      errs << "error: " << path << ": layer '" << layer.name << "' ("
           << layer.className << ") is "
           << (custom ? "a custom object" : "a layer kiln does not support")
           << "\n";
      return false;
    }
  }
  return true;
}

std::optional<LoadedModel> loadKerasModel(const std::string &path,
                                          mlir::MLIRContext &ctx,
                                          llvm::SourceMgr &sm,
                                          llvm::raw_ostream &errs) {
  auto file = keras::openKerasFile(path);
  if (!file.ok()) {
    errs << "error: " << file.status().message() << "\n";
    return std::nullopt;
  }
  if (file->configJson.empty()) {
    errs << "error: " << path
         << ": holds only weights; give the model (.py, .json, .keras) and "
            "pass this file with --weights\n";
    return std::nullopt;
  }
  unsigned id = sm.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(file->configJson, file->configLabel),
      llvm::SMLoc());
  auto spec = frontend::parseKerasJson(sm, id, errs);
  if (!spec || !refuseLayers(*spec, path, errs))
    return std::nullopt;
  auto built = frontend::buildModel(*spec, ctx, sm, errs);
  if (!built)
    return std::nullopt;
  LoadedModel loaded;
  loaded.built = std::move(*built);
  loaded.kerasConfig = file->configJson;
  auto shared = std::make_shared<keras::KerasFile>(std::move(*file));
  auto weights = keras::readKerasWeights(*shared, modelLayers(loaded),
                                         !loaded.built.functional);
  if (!weights.ok()) {
    errs << "error: " << weights.status().message() << "\n";
    return std::nullopt;
  }
  SafetensorsData data;
  data.tensors = std::move(weights->weights);
  loaded.fileWeights = std::move(data);
  loaded.kerasFile = std::move(shared);
  return loaded;
}

std::vector<keras::ModelLayer> modelLayers(const LoadedModel &model) {
  std::map<std::string, std::vector<keras::ModelLayer::Variable>> byLayer;
  mlir::ModuleOp module = model.built.module.get();
  module.walk([&](nn::WeightOp w) {
    std::string name = w.name().str();
    size_t slash = name.rfind('/');
    if (slash == std::string::npos || isOptimizerState(name))
      return;
    auto &vars = byLayer[name.substr(0, slash)];
    for (const auto &v : vars)
      if (v.key == name)
        return;  // the same weight read twice (@train_step, @eval_step)
    auto s = w.getType().cast<mlir::RankedTensorType>().getShape();
    vars.push_back({name.substr(slash + 1), Shape(s.begin(), s.end()),
                    w.isTrainable(), name});
  });
  std::vector<keras::ModelLayer> out;
  for (const frontend::SummaryRow &row : model.built.rows) {
    keras::ModelLayer layer{row.name, row.className, {}};
    auto it = byLayer.find(row.name);
    if (it != byLayer.end()) {
      layer.variables = it->second;
      std::stable_sort(layer.variables.begin(), layer.variables.end(),
                       [](const auto &a, const auto &b) {
                         return keras::kerasVariableRank(a.name) <
                                keras::kerasVariableRank(b.name);
                       });
    }
    out.push_back(std::move(layer));
  }
  return out;
}

keras::OptimizerLayout optimizerLayout(mlir::ModuleOp module) {
  keras::OptimizerLayout out;
  module.walk([&](nn::WeightOp w) {
    std::string name = w.name().str();
    for (const char *opt : {"adam", "sgd", "rmsprop"})
      if (name == std::string(opt) + "/iteration")
        out.name = opt;
  });
  if (out.name == "adam")
    out.slots = {"_momentum", "_velocity"};
  else if (out.name == "sgd")
    out.slots = {"_momentum"};
  else if (out.name == "rmsprop")
    out.slots = {"_velocity"};
  return out;
}

/// The learning rate nn-build-train-step gave the optimizer (Keras saves
/// it as optimizer/vars/1).
static double learningRate(mlir::ModuleOp module) {
  double lr = 0.001;
  module.walk([&](mlir::Operation *op) {
    if (auto a = op->getAttrOfType<mlir::FloatAttr>("learning_rate"))
      lr = a.getValueAsDouble();
  });
  return lr;
}

Expected<SafetensorsData> loadKerasWeightsFor(const LoadedModel &model,
                                              const std::string &path,
                                              const keras::OptimizerLayout &optimizer) {
  if (!model.keras)
    return makeError(path, ": Keras weights need a Keras model (.py, .json, "
                     ".keras or .h5), not nn IR");
  auto file = keras::openKerasFile(path);
  if (!file.ok())
    return file.status();
  auto w = keras::readKerasWeights(*file, modelLayers(model),
                                   !model.built.functional, optimizer);
  if (!w.ok())
    return w.status();
  SafetensorsData out;
  out.tensors = std::move(w->weights);
  for (auto &[name, t] : w->optimizerState)
    out.tensors.emplace(name, std::move(t));
  return out;
}

std::optional<Expected<SafetensorsData>>
fileWeightsFor(const LoadedModel &model, const keras::OptimizerLayout &optimizer) {
  if (!model.kerasFile)
    return std::nullopt;
  if (optimizer.name.empty()) {
    SafetensorsData copy;
    for (const auto &[name, t] : model.fileWeights->tensors) {
      auto c = t.clone();
      if (!c.ok())
        return Expected<SafetensorsData>(c.status());
      copy.tensors.emplace(name, std::move(*c));
    }
    return Expected<SafetensorsData>(std::move(copy));
  }
  auto w = keras::readKerasWeights(*model.kerasFile, modelLayers(model),
                                   !model.built.functional, optimizer);
  if (!w.ok())
    return Expected<SafetensorsData>(w.status());
  SafetensorsData out;
  out.tensors = std::move(w->weights);
  for (auto &[name, t] : w->optimizerState)
    out.tensors.emplace(name, std::move(t));
  return Expected<SafetensorsData>(std::move(out));
}

Status checkWeightsOutputPath(const std::string &path) {
  if (endsWith(path, ".safetensors") || endsWith(path, ".keras") ||
      endsWith(path, ".weights.h5"))
    return Status::success();
  return makeError(path, ": unknown weights format (the suffix decides: "
                   ".safetensors, .keras or .weights.h5)");
}

Status saveWeightsAs(const std::string &path, const LoadedModel &model,
                     const SafetensorsData &values,
                     const keras::OptimizerLayout &optimizer) {
  KILN_RETURN_IF_ERROR(checkWeightsOutputPath(path));
  if (endsWith(path, ".safetensors"))
    return writeSafetensors(path, values);
  if (!model.keras)
    return makeError(path, ": a Keras file needs a Keras model, not nn IR");
  double lr = learningRate(model.built.module.get());
  if (endsWith(path, ".weights.h5"))
    return keras::writeKerasWeights(path, modelLayers(model),
                                    !model.built.functional, values.tensors,
                                    optimizer, lr);
  if (model.kerasConfig.empty())
    return makeError(path, ": kiln writes a .keras file only for a model that "
                     "came with Keras 3's config (a .keras file or Keras 3 "
                     "JSON); save .weights.h5 or .safetensors instead");
  return keras::writeKerasArchive(path, model.kerasConfig, modelLayers(model),
                                  !model.built.functional, values.tensors,
                                  optimizer, lr);
}

} // namespace kiln
