//===- Model.h - What the training loop asks of a model ---------*- C++ -*-===//
//
// The training loop (Trainer.h) drives any model through this interface and
// knows nothing of how it is computed: the compiled Plan executor, a
// reference interpreter and the unit tests' plain C++ logistic regression all
// sit behind it. The loop owns the data, the batching, the shuffling, the
// metrics and the output; the model owns its weights, its optimizer state and
// its loss. A step reports the loss summed over the batch's samples and the
// number of samples it classified correctly, so that the loop can average
// over an epoch weighted by samples (as Keras's Mean metrics do) whatever the
// batch sizes were.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_TRAIN_MODEL_H
#define KILN_RUNTIME_TRAIN_MODEL_H

#include "runtime/Status.h"

#include <cstdint>
#include <vector>

namespace kiln::runtime {

/// How a model wants its targets.
enum class TargetKind {
  /// One float32 row of numClasses() per sample, 1 at the label and 0
  /// elsewhere (categorical_crossentropy).
  OneHot,
  /// One float32 class id per sample (sparse_categorical_crossentropy, and
  /// binary_crossentropy with labels 0 and 1).
  Sparse,
};

/// A batch as the loop hands it to the model. The pointers are valid only
/// during the call: the loop reuses its staging buffers for the next batch.
struct Batch {
  /// n samples of inputShape(), float32, C order, contiguous. Images stored
  /// as uint8 arrive scaled to [0, 1] (divided by 255 as Keras scripts do).
  const float *x = nullptr;
  /// Targets: (n, numClasses()) one-hot rows, or (n) class ids, per
  /// targetKind().
  const float *y = nullptr;
  /// Samples in this batch (the last batch of an epoch may be short).
  int64_t n = 0;
};

/// What one step measured, summed over the batch's samples.
struct StepResult {
  /// The sum over samples of each sample's loss (the batch's mean loss times
  /// n). Regularisation terms, if any, are added once per step.
  double lossSum = 0;
  /// How many samples were classified correctly.
  int64_t correct = 0;
};

/// A model that the loop can train and evaluate.
class TrainableModel {
public:
  virtual ~TrainableModel() = default;

  /// How the model wants its targets laid out.
  virtual TargetKind targetKind() const = 0;

  /// The shape of one sample, without the batch dimension, e.g. {28, 28, 1}.
  virtual std::vector<int64_t> inputShape() const = 0;

  /// The number of classes (the width of a one-hot target).
  virtual int64_t numClasses() const = 0;

  /// One optimizer update on `batch`, with dropout on. `step` counts updates
  /// from 0 over the whole fit (not per epoch): models use it for Adam's
  /// bias correction and to key dropout masks, so that a run is reproducible.
  /// `out` gets the loss and correct count computed in the forward pass of
  /// this update (before the weights change), as Keras reports them.
  [[nodiscard]] virtual Status trainStep(const Batch &batch, int64_t step,
                                         StepResult &out) = 0;

  /// The loss and correct count on `batch` with no update and dropout off.
  [[nodiscard]] virtual Status evalStep(const Batch &batch, StepResult &out) = 0;
};

} // namespace kiln::runtime

#endif // KILN_RUNTIME_TRAIN_MODEL_H
