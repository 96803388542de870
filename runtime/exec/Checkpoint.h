//===- Checkpoint.h - Resumable training state in one file ------*- C++ -*-===//
//
// A checkpoint is one safetensors file holding everything a fit needs to go
// on exactly where it stopped:
//   * every tensor of the training plan's weight store: the model's weights
//     and the optimizer's state (Adam's moments and its iteration count are
//     weights, so bias correction resumes exactly);
//   * in the header's metadata: the epochs done, the global step counter,
//     the seeds (shuffling is keyed by (seed, epoch), dropout by
//     (dropout seed, step): no generator state needs saving beyond these), the
//     settings a resume must repeat (batch size, data, limit, split,
//     shuffle), and the history so far.
// It is written at the end of every epoch with writeSafetensors (temporary
// file, fsync, rename), so a crash leaves the previous checkpoint or the new
// one, never a torn file. Reading checks it against the model's weights by
// name and shape and names the first mismatch.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_EXEC_CHECKPOINT_H
#define KILN_RUNTIME_EXEC_CHECKPOINT_H

#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <cstdint>
#include <map>
#include <string>

namespace kiln::runtime {

/// True for the optimizer's state ("adam/...", "sgd/...", "rmsprop/...")
/// as nn-build-train-step names it: saved in checkpoints, not in weights.
bool isOptimizerState(const std::string &weightName);

/// The settings a resumed fit must share with the run that wrote the
/// checkpoint for its step numbers, shuffles and dropout masks to be the
/// same; compared as strings, each named in the message on a mismatch.
using RunSettings = std::map<std::string, std::string>;

/// Where a fit stands after an epoch.
struct TrainingState {
  int64_t epochsDone = 0;   ///< epochs completed (Keras's initial_epoch)
  int64_t stepsDone = 0;    ///< training steps taken over the whole fit
  RunSettings settings;     ///< "seed", "batch_size", "data", ...
  std::string historyJson;  ///< History::toJson() of the epochs done
  std::string model;        ///< the model's name
};

/// Writes `weights` (all of the store, optimizer state included) and
/// `state` to `path` atomically.
[[nodiscard]] Status writeCheckpoint(const std::string &path,
                                     const std::map<std::string, Tensor> &weights,
                                     const TrainingState &state);

struct Checkpoint {
  std::map<std::string, Tensor> weights;
  TrainingState state;
};

/// Reads a checkpoint and checks it against `expected` (every weight of the
/// training plan with its shape, all F32): the first missing tensor, wrong
/// shape or unknown tensor is an error naming it and the file.
[[nodiscard]] Expected<Checkpoint>
readCheckpoint(const std::string &path,
               const std::map<std::string, Shape> &expected);

/// An error naming the first setting in which `current` differs from the
/// checkpoint's (`path` is named in the message).
[[nodiscard]] Status checkResumeSettings(const std::string &path,
                                         const RunSettings &saved,
                                         const RunSettings &current);

/// An error naming the first weight of `weights` whose name or shape is not
/// in `expected`, or the first of `expected` it lacks; `what` names the
/// source ("w.safetensors").
[[nodiscard]] Status checkWeightSet(const std::string &what,
                                    const std::map<std::string, Tensor> &weights,
                                    const std::map<std::string, Shape> &expected);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_EXEC_CHECKPOINT_H
