//===- CompiledModel.h - An embedded model, ready to run --------*- C++ -*-===//
//
// The runtime's view of what `kiln compile` embedded (Embedded.h): the
// parsed plans, the weights manifest (which makes initial weights with the
// model's Keras initializers, the same values `kiln init`/`kiln train` make
// for the same seed), the compile/fit defaults, and a resolver over the
// linked-in kernel table. Shared by the executable's command line and the
// C API of `--emit static-lib`. No MLIR, LLVM or libHalide.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_EXE_COMPILEDMODEL_H
#define KILN_RUNTIME_EXE_COMPILEDMODEL_H

#include "runtime/Safetensors.h"
#include "runtime/Status.h"
#include "runtime/exe/Embedded.h"
#include "runtime/exec/Executor.h"
#include "runtime/exec/PlanModel.h"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln::exe {

/// One weight of the manifest.
struct WeightInfo {
  std::string name;
  runtime::Shape shape;
  nlohmann::json initializer;  ///< {"class_name": ..., "config": {...}}
  bool trainable = true;
  bool optimizerState = false;
};

/// What the script's compile()/fit() said, and what the compile used.
struct CompileDefaults {
  std::string model;
  int64_t batchSize = 32;
  int64_t epochs = 1;
  double validationSplit = 0;
  std::string dataset;   ///< "" when the script loads none
  uint64_t seed = 0;     ///< kiln compile's --seed: train's default --seed
  bool hasDropout = false;  ///< whether the training step has dropout
  std::string target;
  std::string kilnVersion;
};

class CompiledModel {
public:
  /// Parses everything `embedded` holds; an error on a malformed part.
  static runtime::Expected<std::unique_ptr<CompiledModel>>
  load(const struct kiln_embedded_model &embedded);

  const runtime::Plan &trainPlan() const { return train_; }
  const runtime::Plan &evalPlan() const { return eval_; }
  const runtime::Plan &forwardPlan() const { return forward_; }
  const std::vector<WeightInfo> &manifest() const { return manifest_; }
  const CompileDefaults &defaults() const { return defaults_; }
  const std::string &summary() const { return summary_; }
  runtime::KernelResolver resolver() const;

  /// Every weight of the manifest (optimizer state included, zeros) as the
  /// model's initializers make them for `seed`.
  /// With embedded weights (a compiled Keras model file), those instead.
  runtime::Expected<runtime::SafetensorsData> initialWeights(uint64_t seed) const;
  /// True when the executable embeds its model's trained weights.
  bool hasEmbeddedWeights() const { return embedded_.has_value(); }
  /// Reads a weights file holding exactly the model's weights (no optimizer
  /// state); names the first mismatch. An empty path: the embedded weights.
  runtime::Expected<runtime::SafetensorsData> loadWeights(const std::string &path) const;
  /// The model's weights by name and shape (no optimizer state).
  std::map<std::string, runtime::Shape> modelWeightShapes() const;
  /// Every weight of the training plan (optimizer state included).
  std::map<std::string, runtime::Shape> trainWeightShapes() const;

  /// A trainable model over the train and eval plans; optimizer state
  /// missing from `weights` starts at zero.
  runtime::Expected<std::unique_ptr<runtime::PlanModel>>
  makeTrainable(std::map<std::string, runtime::Tensor> weights) const;

  /// The forward plan's executor with `weights` bound (they must outlive it).
  runtime::Expected<std::unique_ptr<runtime::Executor>>
  makeForward(std::map<std::string, runtime::Tensor> &weights) const;

  /// The model's weights (optimizer state left out) copied for --save, with
  /// kiln's weights-file metadata.
  runtime::Expected<runtime::SafetensorsData>
  saveableWeights(const std::map<std::string, runtime::Tensor> &all) const;

private:
  CompiledModel() = default;
  runtime::Plan train_, eval_, forward_;
  std::vector<WeightInfo> manifest_;
  CompileDefaults defaults_;
  std::string summary_;
  std::map<std::string, runtime::KernelEntry> kernels_;
  std::optional<runtime::SafetensorsData> embedded_;
};

/// Runs `exec` (a one-input, one-output plan) over `input` (N, sample...)
/// in chunks of `chunk` samples; converts the input to float32.
runtime::Expected<runtime::Tensor> predict(runtime::Executor &exec,
                                           const runtime::Tensor &input,
                                           int64_t chunk, const std::string &what);

} // namespace kiln::exe

#endif // KILN_RUNTIME_EXE_COMPILEDMODEL_H
