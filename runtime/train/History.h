//===- History.h - Per-epoch metrics of a fit -------------------*- C++ -*-===//
//
// What Keras returns from fit() as History.history, plus the timings kiln
// reports: one EpochRecord per epoch. It is written as JSON in Keras's own
// layout (one list per metric, index i for epoch i + 1) so that a Python
// user can load it into the same plotting code they use for Keras:
//   {"epochs": 2,
//    "history": {"accuracy": [0.77, 0.96], "loss": [...],
//                "val_accuracy": [...], "val_loss": [...],
//                "ms_per_step": [11.2, 10.1], "epoch_seconds": [8.1, 4.3],
//                "steps": [422, 422]},
//    "test": {"loss": 0.0247, "accuracy": 0.9911}}   (when evaluated)
// Validation lists are present only when validation ran. Files are written
// atomically (temporary file, fsync, rename).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_TRAIN_HISTORY_H
#define KILN_RUNTIME_TRAIN_HISTORY_H

#include "runtime/Status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln::runtime {

/// The metrics of one epoch.
struct EpochRecord {
  int64_t epoch = 0;           ///< 1-based
  double loss = 0;             ///< mean training loss, weighted by samples
  double accuracy = 0;         ///< correct / seen over the epoch
  std::optional<double> valLoss, valAccuracy; ///< when validation ran
  double seconds = 0;          ///< wall time of the epoch, validation included
  double msPerStep = 0;        ///< as the progress bar showed it
  int64_t steps = 0;           ///< training steps (batches) in the epoch
};

/// Loss and accuracy over a whole data set (evaluate()).
struct EvalResult {
  double loss = 0;
  double accuracy = 0;
  int64_t samples = 0;
};

/// Every epoch of a fit, in order, and the test score when there is one.
struct History {
  std::vector<EpochRecord> epochs;
  std::optional<EvalResult> test;

  /// True when any epoch has validation metrics.
  bool hasValidation() const;

  /// The JSON text described in the file banner.
  std::string toJson() const;

  /// Parses toJson()'s output (for re-plotting a saved run).
  static Expected<History> fromJson(const std::string &text, const std::string &what);

  /// Writes toJson() to `path` atomically.
  Status writeJson(const std::string &path) const;
};

} // namespace kiln::runtime

#endif // KILN_RUNTIME_TRAIN_HISTORY_H
