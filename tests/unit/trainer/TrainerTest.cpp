//===- TrainerTest.cpp - Tests of fit() and evaluate() --------------------===//
//
// The loop's Keras semantics, checked through fake models: the validation
// split is the last fraction and is never shuffled, shuffling is a seeded
// permutation per epoch, the last partial batch is kept, metrics are
// sample-weighted, a NaN loss stops training with the epoch and step named,
// and a real (if tiny) model learns.
//
//===----------------------------------------------------------------------===//
#include "FakeModels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <sstream>

using namespace kiln::runtime;
using namespace kiln::runtime::testing;

namespace {

FitOptions quietOptions(std::ostringstream &out) {
  FitOptions o;
  o.out = &out;
  o.style = ProgressStyle::Final;
  return o;
}

TEST(TrainerSplit, KerasSplitIndex) {
  EXPECT_EQ(*validationSplitIndex(60000, 0.1), 54000);
  EXPECT_EQ(*validationSplitIndex(10, 0.05), 9); // floor(9.5)
  EXPECT_EQ(*validationSplitIndex(7, 0.0), 7);
  Expected<int64_t> tooSmall = validationSplitIndex(10, 0.95);
  ASSERT_FALSE(tooSmall.ok());
  EXPECT_NE(tooSmall.message().find("not sufficient"), std::string::npos);
  EXPECT_FALSE(validationSplitIndex(10, 1.0).ok());
  EXPECT_FALSE(validationSplitIndex(10, -0.1).ok());
}

TEST(TrainerSplit, ValidationIsTheLastFractionInOrder) {
  LabeledData data = makeBlobData(100, 4);
  RecordingModel model({8, 8, 1}, 4);
  std::ostringstream out;
  FitOptions o = quietOptions(out);
  o.batchSize = 16;
  o.epochs = 2;
  o.validationSplit = 0.2;
  ASSERT_TRUE(fit(model, data, o).ok());

  // Training sees exactly samples 0..79 once per epoch, validation 80..99
  // in order, after each epoch (in batches of 16: 16 and 4).
  ASSERT_EQ(model.TrainBatches.size(), 10u); // 5 steps x 2 epochs
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<int64_t> seen;
    for (int s = 0; s < 5; ++s)
      for (int64_t id : model.TrainBatches[size_t(epoch * 5 + s)])
        seen.push_back(id);
    std::sort(seen.begin(), seen.end());
    std::vector<int64_t> expected(80);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(seen, expected) << "epoch " << epoch;
  }
  ASSERT_EQ(model.EvalBatches.size(), 4u);
  std::vector<int64_t> val;
  for (size_t b = 0; b < 2; ++b)
    val.insert(val.end(), model.EvalBatches[b].begin(), model.EvalBatches[b].end());
  std::vector<int64_t> expected(20);
  std::iota(expected.begin(), expected.end(), 80);
  EXPECT_EQ(val, expected);
  EXPECT_EQ(model.EvalBatches[1].size(), 4u);
}

TEST(TrainerShuffle, SeededAndPerEpoch) {
  std::vector<int64_t> a, b, c, d;
  shuffledOrder(a, 1000, 42, 0);
  shuffledOrder(b, 1000, 42, 0);
  shuffledOrder(c, 1000, 43, 0);
  shuffledOrder(d, 1000, 42, 1);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, d);
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i)
    ASSERT_EQ(sorted[size_t(i)], i);
  // Not the identity, and roughly uniform: the first position takes many
  // different values over seeds.
  std::set<int64_t> firsts;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    shuffledOrder(a, 10, seed, 0);
    firsts.insert(a[0]);
  }
  EXPECT_EQ(firsts.size(), 10u);
}

TEST(TrainerShuffle, FitOrderDependsOnlyOnTheSeed) {
  LabeledData data = makeBlobData(64, 4);
  auto orderFor = [&](uint64_t seed, bool shuffle) {
    RecordingModel model({8, 8, 1}, 4);
    std::ostringstream out;
    FitOptions o = quietOptions(out);
    o.batchSize = 10;
    o.epochs = 2;
    o.seed = seed;
    o.shuffle = shuffle;
    EXPECT_TRUE(fit(model, data, o).ok());
    return model.TrainBatches;
  };
  EXPECT_EQ(orderFor(7, true), orderFor(7, true));
  EXPECT_NE(orderFor(7, true), orderFor(8, true));
  std::vector<std::vector<int64_t>> plain = orderFor(7, false);
  EXPECT_EQ(plain[0], (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(plain[6][0], 60);
  // The two epochs of a shuffled fit differ.
  std::vector<std::vector<int64_t>> shuffled = orderFor(7, true);
  EXPECT_NE(std::vector<std::vector<int64_t>>(shuffled.begin(), shuffled.begin() + 7),
            std::vector<std::vector<int64_t>>(shuffled.begin() + 7, shuffled.end()));
}

TEST(TrainerBatches, PartialLastBatchLikeTheSeed) {
  // The seed: 60,000 samples, validation_split 0.1, batch 128 -> 422 steps
  // (421 of 128 and one of 112) and 6,000 validation samples.
  LabeledData data = makeBlobData(60000, 10);
  RecordingModel model({8, 8, 1}, 10);
  std::ostringstream out;
  FitOptions o = quietOptions(out);
  o.batchSize = 128;
  o.validationSplit = 0.1;
  Expected<History> h = fit(model, data, o);
  ASSERT_TRUE(h.ok()) << h.message();
  ASSERT_EQ(model.TrainBatches.size(), 422u);
  for (size_t s = 0; s < 421; ++s)
    ASSERT_EQ(model.TrainBatches[s].size(), 128u);
  EXPECT_EQ(model.TrainBatches[421].size(), 112u);
  size_t valSamples = 0;
  for (const auto &b : model.EvalBatches)
    valSamples += b.size();
  EXPECT_EQ(valSamples, 6000u);
  EXPECT_EQ(h->epochs[0].steps, 422);
  EXPECT_NE(out.str().find("422/422 "), std::string::npos);
}

TEST(TrainerBatches, StepCounterRunsAcrossEpochsAndResumes) {
  LabeledData data = makeBlobData(25, 4);
  RecordingModel model({8, 8, 1}, 4);
  std::ostringstream out;
  FitOptions o = quietOptions(out);
  o.batchSize = 10;
  o.epochs = 3;
  o.initialEpoch = 1;
  ASSERT_TRUE(fit(model, data, o).ok());
  EXPECT_EQ(model.Steps, (std::vector<int64_t>{3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(out.str().rfind("Epoch 2/3\n", 0), 0u);
}

TEST(TrainerMetrics, SampleWeightedMeans) {
  // 10 samples in batches of 4 (4, 4, 2): the loss must be weighted by
  // samples, not averaged over batches.
  LabeledData data = makeBlobData(10, 4);
  ScriptedLossModel model({8, 8, 1}, 4);
  model.lossOf = [](int64_t id) { return id >= 8 ? 10.0 : 1.0; };
  model.correctOf = [](int64_t id) { return id % 3 == 0; }; // 0, 3, 6, 9
  std::ostringstream out;
  FitOptions o = quietOptions(out);
  o.batchSize = 4;
  Expected<History> h = fit(model, data, o);
  ASSERT_TRUE(h.ok()) << h.message();
  EXPECT_DOUBLE_EQ(h->epochs[0].loss, (8 * 1.0 + 2 * 10.0) / 10);
  EXPECT_DOUBLE_EQ(h->epochs[0].accuracy, 0.4);
  EXPECT_FALSE(h->epochs[0].valLoss.has_value());

  Expected<EvalResult> r = evaluate(model, data, 3);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->loss, 2.8);
  EXPECT_DOUBLE_EQ(r->accuracy, 0.4);
  EXPECT_EQ(r->samples, 10);
  Expected<EvalResult> tail = evaluate(model, data, 3, 8, 10);
  ASSERT_TRUE(tail.ok());
  EXPECT_DOUBLE_EQ(tail->loss, 10.0);
  EXPECT_DOUBLE_EQ(tail->accuracy, 0.5);
  EXPECT_FALSE(evaluate(model, data, 3, 8, 11).ok());
}

TEST(TrainerErrors, NanLossStopsWithEpochAndStep) {
  LabeledData data = makeBlobData(30, 4);
  ScriptedLossModel model({8, 8, 1}, 4);
  model.BadLossAtStep = 4; // epoch 2 (3 steps per epoch), step 2
  std::ostringstream out;
  FitOptions o = quietOptions(out);
  o.batchSize = 10;
  o.epochs = 3;
  Expected<History> h = fit(model, data, o);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.message(), "training stopped at epoch 2/3, step 2/3: the loss is nan (try a "
                         "lower learning rate, and check the data for NaN or Inf)");
  model.BadLoss = -INFINITY;
  h = fit(model, data, o);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.message().find("the loss is -inf"), std::string::npos);
}

TEST(TrainerErrors, LiveLineIsEndedBeforeAnError) {
  LabeledData data = makeBlobData(30, 4);
  ScriptedLossModel model({8, 8, 1}, 4);
  model.FailAtStep = 1;
  std::ostringstream out;
  FitOptions o = quietOptions(out);
  o.style = ProgressStyle::Live;
  o.batchSize = 10;
  o.epochs = 2;
  Expected<History> h = fit(model, data, o);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.message(), "epoch 1/2, step 2/3: kernel 'conv2d' failed");
  EXPECT_EQ(out.str().back(), '\n');
}

TEST(TrainerErrors, DataMustFitTheModel) {
  LabeledData data = makeBlobData(30, 4);
  std::ostringstream out;
  RecordingModel wrongShape({28, 28, 1}, 4);
  Expected<History> h = fit(wrongShape, data, quietOptions(out));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.message(),
            "blobs: samples of shape (8, 8, 1) do not fit the model's input shape (28, 28, 1)");
  RecordingModel fewClasses({8, 8}, 3); // (8, 8) matches (8, 8, 1)
  h = fit(fewClasses, data, quietOptions(out));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.message(), "blobs: labels go up to 3 but the model has 3 classes");
  FitOptions bad = quietOptions(out);
  bad.batchSize = 0;
  RecordingModel ok({8, 8, 1}, 4);
  EXPECT_FALSE(fit(ok, data, bad).ok());
}

TEST(TrainerEpochEnd, CallbackSeesEachRecordAndCanStop) {
  LabeledData data = makeBlobData(20, 4);
  RecordingModel model({8, 8, 1}, 4);
  std::ostringstream out;
  FitOptions o = quietOptions(out);
  o.epochs = 5;
  std::vector<int64_t> seen;
  o.onEpochEnd = [&](const EpochRecord &r) {
    seen.push_back(r.epoch);
    return r.epoch == 3 ? Status::failure("disk full") : Status::success();
  };
  Expected<History> h = fit(model, data, o);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.message(), "disk full");
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3}));
}

class TrainerLearns : public ::testing::TestWithParam<TargetKind> {};

TEST_P(TrainerLearns, SoftmaxRegressionOnBlobs) {
  LabeledData train = makeBlobData(3000, 5, 8, 8, 11);
  LabeledData test = makeBlobData(500, 5, 8, 8, 12);
  SoftmaxRegression model({8, 8, 1}, 5, GetParam());
  std::ostringstream out;
  FitOptions o = quietOptions(out);
  o.batchSize = 32;
  o.epochs = 4;
  o.validationSplit = 0.1;
  o.seed = 3;
  Expected<History> h = fit(model, train, o);
  ASSERT_TRUE(h.ok()) << h.message();
  ASSERT_EQ(h->epochs.size(), 4u);
  EXPECT_LT(h->epochs[3].loss, h->epochs[0].loss);
  EXPECT_GT(h->epochs[3].accuracy, 0.95);
  EXPECT_GT(*h->epochs[3].valAccuracy, 0.95);
  EXPECT_LT(*h->epochs[3].valLoss, 0.5);
  Expected<EvalResult> r = evaluate(model, test, 32);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->accuracy, 0.95);
  EXPECT_EQ(r->samples, 500);
}

INSTANTIATE_TEST_SUITE_P(Targets, TrainerLearns,
                         ::testing::Values(TargetKind::OneHot, TargetKind::Sparse));

TEST(TrainerScore, SeedTestLines) {
  EvalResult r;
  r.loss = 0.024686934426426888;
  r.accuracy = 0.9911;
  // Keras's metrics are float32: 0.9911 prints as float32(0.9911)'s repr.
  EXPECT_EQ(formatTestScore(r),
            "Test loss: 0.024686934426426888\nTest accuracy: 0.991100013256073\n");
}

} // namespace
