//===- Trainer.cpp - Keras's fit() and evaluate() -------------------------===//
//
// The epoch loop, the validation split, the seeded shuffle and the test
// evaluation. See Trainer.h for the semantics and Progress.h for the output.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/Trainer.h"

#include "runtime/Random.h"

#include <algorithm>
#include <cmath>
#include <iostream>

namespace kiln::runtime {

namespace {

/// SplitMix64 as a stream: each draw mixes the next multiple of the golden
/// gamma. Small, fast and well distributed; the shuffle needs nothing more.
class SplitMix64Stream {
public:
  explicit SplitMix64Stream(uint64_t seed) : State(seed) {}
  uint64_t next() {
    uint64_t out = splitMix64(State);
    State += 0x9E3779B97F4A7C15ull;
    return out;
  }
  /// Uniform in [0, bound) without modulo bias (rejects the low
  /// 2^64 mod bound values).
  uint64_t below(uint64_t bound) {
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
      uint64_t r = next();
      if (r >= threshold)
        return r % bound;
    }
  }

private:
  uint64_t State;
};

/// Drops a trailing 1 (a single channel) so (28, 28) and (28, 28, 1) match.
std::vector<int64_t> withoutUnitChannel(std::vector<int64_t> shape) {
  if (shape.size() > 1 && shape.back() == 1)
    shape.pop_back();
  return shape;
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

/// A step's result, checked against the interface's contract.
Status checkStep(const StepResult &r, int64_t n, const char *what) {
  if (r.correct < 0 || r.correct > n)
    return makeError("the model's ", what, " reported ", r.correct,
                     " correct samples in a batch of ", n);
  return Status::success();
}

/// Loss and accuracy accumulated over samples.
struct Totals {
  double lossSum = 0;
  int64_t correct = 0, seen = 0;
  void add(const StepResult &r, int64_t n) {
    lossSum += r.lossSum;
    correct += r.correct;
    seen += n;
  }
  double loss() const { return seen ? lossSum / double(seen) : 0; }
  double accuracy() const { return seen ? double(correct) / double(seen) : 0; }
};

/// Evaluates samples [begin, end) of `data` through `stager`.
Expected<EvalResult> evaluateRange(TrainableModel &model, const LabeledData &data,
                                   BatchStager &stager, int64_t batchSize, int64_t begin,
                                   int64_t end) {
  Totals totals;
  for (int64_t first = begin; first < end; first += batchSize) {
    int64_t n = std::min(batchSize, end - first);
    Batch batch = stager.gatherRange(data, first, n);
    StepResult r;
    KILN_RETURN_IF_ERROR(model.evalStep(batch, r));
    KILN_RETURN_IF_ERROR(checkStep(r, n, "evaluation step"));
    totals.add(r, n);
  }
  EvalResult result;
  result.loss = totals.loss();
  result.accuracy = totals.accuracy();
  result.samples = totals.seen;
  return result;
}

} // namespace

Expected<int64_t> validationSplitIndex(int64_t n, double validationSplit) {
  if (!(validationSplit >= 0 && validationSplit < 1))
    return makeError("validation_split must be in [0, 1), not ", validationSplit);
  if (validationSplit == 0)
    return n;
  int64_t splitAt = int64_t(std::floor(double(n) * (1.0 - validationSplit)));
  if (splitAt == 0 || splitAt == n)
    return makeError("training data contains ", n,
                     " samples, which is not sufficient to split it into a validation "
                     "and training set as specified by validation_split=",
                     validationSplit);
  return splitAt;
}

void shuffledOrder(std::vector<int64_t> &order, int64_t n, uint64_t seed, int64_t epoch) {
  order.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i)
    order[size_t(i)] = i;
  // Fisher-Yates, from the top: swap each position with a uniform one at or
  // below it. The key separates epochs and the shuffle from other users of
  // the seed (weight initialisation, dropout).
  SplitMix64Stream rng(deriveSeed(seed, "fit/shuffle") ^ splitMix64(uint64_t(epoch)));
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(order[size_t(i)], order[rng.below(uint64_t(i) + 1)]);
}

Status checkCompatible(const TrainableModel &model, const LabeledData &data) {
  std::vector<int64_t> modelShape = model.inputShape();
  if (withoutUnitChannel(modelShape) != withoutUnitChannel(data.sampleShape()))
    return makeError(data.name(), ": samples of shape ", shapeText(data.sampleShape()),
                     " do not fit the model's input shape ", shapeText(modelShape));
  if (data.numClasses() > model.numClasses())
    return makeError(data.name(), ": labels go up to ", data.numClasses() - 1,
                     " but the model has ", model.numClasses(), " classes");
  return Status::success();
}

Expected<History> fit(TrainableModel &model, const LabeledData &train,
                      const FitOptions &options) {
  if (options.batchSize <= 0)
    return makeError("batch_size must be positive, not ", options.batchSize);
  if (options.epochs < 0 || options.initialEpoch < 0)
    return makeError("epochs and initial_epoch must not be negative");
  KILN_RETURN_IF_ERROR(checkCompatible(model, train));
  if (options.validationData)
    KILN_RETURN_IF_ERROR(checkCompatible(model, *options.validationData));

  // 1. The split: the last fraction validates, taken before any shuffle.
  int64_t numTrain = train.size();
  const LabeledData *valData = options.validationData;
  int64_t valBegin = 0, valEnd = valData ? valData->size() : 0;
  if (!valData && options.validationSplit > 0) {
    Expected<int64_t> splitAt = validationSplitIndex(train.size(), options.validationSplit);
    if (!splitAt)
      return splitAt.status();
    numTrain = *splitAt;
    valData = &train;
    valBegin = numTrain;
    valEnd = train.size();
  } else if (!valData) {
    KILN_RETURN_IF_ERROR(validationSplitIndex(train.size(), options.validationSplit).status());
  }
  if (numTrain == 0)
    return makeError(train.name(), ": no samples to train on");

  // 2. Buffers, sized once: the batch staging and the epoch's order.
  int64_t valBatch = options.validationBatchSize > 0 ? options.validationBatchSize
                                                     : options.batchSize;
  int64_t maxBatch = std::max(std::min(options.batchSize, numTrain),
                              valData ? std::min(valBatch, valEnd - valBegin) : 0);
  BatchStager stager(model.targetKind(), model.numClasses(), train.sampleElements(),
                     std::max<int64_t>(maxBatch, 1));
  std::vector<int64_t> order;
  order.reserve(size_t(numTrain));
  int64_t stepsPerEpoch = (numTrain + options.batchSize - 1) / options.batchSize;

  std::ostream &out = options.out ? *options.out : std::cout;
  ProgressBar progress(out, options.style, options.clock, options.redrawInterval);
  History history;
  std::vector<Metric> metrics;
  metrics.reserve(4);

  for (int64_t epoch = options.initialEpoch; epoch < options.epochs; ++epoch) {
    if (options.style != ProgressStyle::Silent && options.epochs > 1)
      out << "Epoch " << epoch + 1 << "/" << options.epochs << std::endl;
    if (options.shuffle) {
      shuffledOrder(order, numTrain, options.seed, epoch);
    } else {
      order.resize(size_t(numTrain));
      for (int64_t i = 0; i < numTrain; ++i)
        order[size_t(i)] = i;
    }

    // 3. The training steps, the last batch possibly partial.
    progress.start(stepsPerEpoch);
    Totals totals;
    for (int64_t step = 0; step < stepsPerEpoch; ++step) {
      int64_t first = step * options.batchSize;
      int64_t n = std::min(options.batchSize, numTrain - first);
      Batch batch = stager.gather(train, order.data() + first, n);
      StepResult r;
      Status s = model.trainStep(batch, epoch * stepsPerEpoch + step, r);
      auto where = [&] {
        return "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(options.epochs) +
               ", step " + std::to_string(step + 1) + "/" + std::to_string(stepsPerEpoch);
      };
      if (s.ok())
        s = checkStep(r, n, "training step");
      if (!s.ok()) {
        progress.abandon();
        return s.withContext(where());
      }
      if (!std::isfinite(r.lossSum)) {
        progress.abandon();
        return makeError("training stopped at ", where(), ": the loss is ",
                         formatPythonFloat(r.lossSum),
                         " (try a lower learning rate, and check the data for NaN or Inf)");
      }
      totals.add(r, n);
      metrics.assign({{"accuracy", totals.accuracy()}, {"loss", totals.loss()}});
      progress.update(step + 1, metrics);
    }

    // 4. Validation, in order and without updates.
    EpochRecord record;
    record.epoch = epoch + 1;
    record.loss = totals.loss();
    record.accuracy = totals.accuracy();
    record.steps = stepsPerEpoch;
    if (valData) {
      Expected<EvalResult> val =
          evaluateRange(model, *valData, stager, valBatch, valBegin, valEnd);
      if (!val) {
        progress.abandon();
        return val.status().withContext("validation after epoch " +
                                        std::to_string(epoch + 1));
      }
      record.valLoss = val->loss;
      record.valAccuracy = val->accuracy;
      metrics.push_back({"val_accuracy", val->accuracy});
      metrics.push_back({"val_loss", val->loss});
    }
    progress.finish(metrics);
    record.seconds = progress.elapsedSeconds();
    record.msPerStep = progress.secondsPerStep() * 1000.0;
    history.epochs.push_back(record);
    if (options.onEpochEnd)
      KILN_RETURN_IF_ERROR(options.onEpochEnd(record));
  }
  return history;
}

Expected<EvalResult> evaluate(TrainableModel &model, const LabeledData &data,
                              int64_t batchSize, int64_t begin, int64_t end) {
  if (batchSize <= 0)
    return makeError("batch_size must be positive, not ", batchSize);
  if (end < 0)
    end = data.size();
  if (begin < 0 || begin > end || end > data.size())
    return makeError(data.name(), ": samples [", begin, ", ", end, ") are out of range for ",
                     data.size(), " samples");
  KILN_RETURN_IF_ERROR(checkCompatible(model, data));
  BatchStager stager(model.targetKind(), model.numClasses(), data.sampleElements(),
                     std::max<int64_t>(std::min(batchSize, end - begin), 1));
  return evaluateRange(model, data, stager, batchSize, begin, end);
}

std::string formatTestScore(const EvalResult &result) {
  return "Test loss: " + formatPythonFloat(double(float(result.loss))) +
         "\nTest accuracy: " + formatPythonFloat(double(float(result.accuracy))) + "\n";
}

} // namespace kiln::runtime
