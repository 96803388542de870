//===- Trainer.h - Keras's fit() and evaluate() -----------------*- C++ -*-===//
//
// The training loop, with Keras 3's semantics, against the TrainableModel
// interface (Model.h), so it runs any model however it is computed:
//   1. validation_split takes the LAST fraction of the training arrays,
//      before any shuffling: split_at = floor(n * (1 - split)), as Keras's
//      train_validation_split computes it in double precision;
//   2. each epoch visits the first split_at samples in a fresh permutation
//      (Fisher-Yates driven by SplitMix64 keyed by the seed and the epoch
//      number, so epoch k's order depends only on (seed, k) and a resumed run
//      sees the same orders), in batches of batch_size with the last partial
//      batch kept: 54,000 samples at 128 make 421 full batches and one of
//      112, 422 steps;
//   3. the epoch's loss is the sample-weighted mean of the batch losses and
//      its accuracy correct / seen; validation runs after each epoch in
//      order, without shuffling, with dropout off;
//   4. each epoch prints "Epoch k/N" (when N > 1, as Keras) and Keras's
//      progress line (Progress.h);
//   5. a NaN or infinite training loss stops the fit with an error naming
//      the epoch and the step.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_TRAIN_TRAINER_H
#define KILN_RUNTIME_TRAIN_TRAINER_H

#include "runtime/Status.h"
#include "runtime/train/History.h"
#include "runtime/train/Model.h"
#include "runtime/train/Progress.h"
#include "runtime/train/TrainingData.h"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace kiln::runtime {

/// fit()'s arguments, named and defaulted as Keras's are.
struct FitOptions {
  int64_t batchSize = 32;
  int64_t epochs = 1;
  /// Epochs already done (Keras's initial_epoch): the fit runs epochs
  /// initialEpoch + 1 .. epochs, with the step counter and the shuffle
  /// orders of a run that never stopped.
  int64_t initialEpoch = 0;
  /// The last fraction of the training data held out for validation, in
  /// [0, 1). Ignored when validationData is set.
  double validationSplit = 0;
  /// Data to validate on after each epoch instead of a split (optional; not
  /// owned).
  const LabeledData *validationData = nullptr;
  /// Validation batch size; 0 means batchSize.
  int64_t validationBatchSize = 0;
  bool shuffle = true;
  uint64_t seed = 0;
  /// Where progress goes; null means std::cout.
  std::ostream *out = nullptr;
  /// Use progressStyleForFd(STDOUT_FILENO) for Keras's behaviour.
  ProgressStyle style = ProgressStyle::Final;
  /// The clock for the timings shown and recorded.
  Clock clock = steadyClock();
  /// The least time between two live redraws, in seconds.
  double redrawInterval = 0.1;
  /// Called after each epoch with its record (to save a checkpoint, or to
  /// write the history so far); an error stops the fit with that error.
  std::function<Status(const EpochRecord &)> onEpochEnd;
};

/// The index where Keras splits n samples for `validationSplit`: samples
/// [0, index) train and [index, n) validate. An error unless the split is in
/// [0, 1) and leaves both parts non-empty (a zero split gives n).
Expected<int64_t> validationSplitIndex(int64_t n, double validationSplit);

/// Sets `order` to epoch `epoch`'s permutation of 0..n-1 under `seed`
/// (reusing its storage).
void shuffledOrder(std::vector<int64_t> &order, int64_t n, uint64_t seed, int64_t epoch);

/// An error unless `data` fits `model`: the sample shape equals the model's
/// input shape (a trailing channel of 1 may be left off either) and every
/// label is below model.numClasses().
Status checkCompatible(const TrainableModel &model, const LabeledData &data);

/// Trains `model` on `train` as Keras's model.fit does (see the banner).
/// Returns the per-epoch history; an error if the data does not fit the
/// model, a step fails, or the loss becomes NaN or infinite.
Expected<History> fit(TrainableModel &model, const LabeledData &train,
                      const FitOptions &options);

/// The mean loss and accuracy of `model` on samples [begin, end) of `data`
/// (end < 0 means all), in order, in batches of `batchSize`, as Keras's
/// model.evaluate(verbose=0).
Expected<EvalResult> evaluate(TrainableModel &model, const LabeledData &data,
                              int64_t batchSize = 32, int64_t begin = 0, int64_t end = -1);

/// The two lines the seed script prints after evaluate():
///   "Test loss: 0.024686934426426888\nTest accuracy: 0.9911000132560730\n"
/// Keras's metrics are float32, printed as Python floats, so each value is
/// rounded to float32 and written as Python's repr of that.
std::string formatTestScore(const EvalResult &result);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_TRAIN_TRAINER_H
