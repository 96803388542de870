//===- TrainDriver.h - A whole training run, resumable ----------*- C++ -*-===//
//
// What `kiln train` and a compiled executable's `train` both do, runtime
// only:
//   1. load the data (and the test data);
//   2. prepare the model (the kiln tool compiles its kernels here);
//   3. take the weights from a checkpoint (--resume, when the file exists;
//      its run settings must match this run's), else a weights file, else
//      the initializers;
//   4. fit with Keras's semantics from the checkpoint's epoch on, writing a
//      checkpoint at the end of every epoch when asked;
//   5. print the test score, write the history, the plot and the weights.
// The caller supplies how models and weights are made (TrainingHooks).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_EXE_TRAINDRIVER_H
#define KILN_RUNTIME_EXE_TRAINDRIVER_H

#include "runtime/Safetensors.h"
#include "runtime/Status.h"
#include "runtime/exec/PlanModel.h"

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace kiln::exe {

/// The settings of one run (flags over the script's defaults).
struct TrainSettings {
  std::string data;            ///< a loadDataSpec() spec
  std::string testData;        ///< optional: evaluated at the end instead
  int64_t limit = -1;
  int64_t epochs = 1;
  int64_t batchSize = 32;
  double validationSplit = 0;
  bool shuffle = true;
  uint64_t seed = 0;
  /// The seed keying the training step's dropout masks, given to the plan at
  /// run time (trainSettingsFromFlags: `seed`). A checkpoint resumes only
  /// under the same one.
  uint64_t dropoutSeed = 0;
  std::string weights;         ///< initial weights file (optional)
  std::string checkpoint;      ///< written after every epoch (optional)
  bool resume = false;         ///< continue from `checkpoint` if it exists
  std::string history, plot, save;
  std::string plotTitle = "Training history";
  std::string model = "model";
};

/// How the caller makes what a run needs.
struct TrainingHooks {
  /// Optional: runs after the data loaded, before any weights (compiling).
  std::function<runtime::Status()> prepare;
  /// Every weight the training plan binds (optimizer state included).
  std::function<std::map<std::string, runtime::Shape>()> checkpointShapes;
  std::function<runtime::Expected<runtime::SafetensorsData>(uint64_t seed)>
      initialWeights;
  std::function<runtime::Expected<runtime::SafetensorsData>(const std::string &)>
      loadWeights;
  std::function<runtime::Expected<std::unique_ptr<runtime::PlanModel>>(
      std::map<std::string, runtime::Tensor>)>
      makeModel;
  /// The weights --save writes (optimizer state left out).
  std::function<runtime::Expected<runtime::SafetensorsData>(
      const std::map<std::string, runtime::Tensor> &)>
      saveable;
  /// Optional: writes --save itself (the kiln tool: Keras files by
  /// suffix); without it --save is a safetensors file of saveable().
  std::function<runtime::Status(const std::string &,
                                const std::map<std::string, runtime::Tensor> &)>
      save;
};

/// Runs steps 1-5 of the banner; progress and scores go to stdout, notes
/// (resuming) to stderr.
[[nodiscard]] runtime::Status runTraining(const TrainSettings &settings,
                                          const TrainingHooks &hooks);

} // namespace kiln::exe

#endif // KILN_RUNTIME_EXE_TRAINDRIVER_H
