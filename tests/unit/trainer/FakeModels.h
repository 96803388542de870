//===- FakeModels.h - Plain C++ models for the training-loop tests -*- C++ -*-===//
//
// Models behind the TrainableModel interface that need no compiler:
// SoftmaxRegression really learns (multinomial logistic regression with its
// own minibatch SGD), RecordingModel remembers which samples each step saw
// (the synthetic data writes a sample's index into its first two pixels),
// ScriptedLossModel reports chosen losses so that averaging can be checked
// exactly. makeBlobData() builds a small learnable image set.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TESTS_UNIT_TRAINER_FAKEMODELS_H
#define KILN_TESTS_UNIT_TRAINER_FAKEMODELS_H

#include "runtime/Random.h"
#include "runtime/train/Trainer.h"

#include <cmath>
#include <functional>
#include <memory>
#include <vector>

namespace kiln::runtime::testing {

/// N images of (h, w, 1) uint8 (h, w >= 8) and int32 labels in [0, classes): class c
/// lights a bright square at a position of its own, over noise. Sample i
/// also carries i in pixels 0 and 1 (i % 256, i / 256) so that a model can
/// tell which sample it got.
inline LabeledData makeBlobData(int64_t n, int64_t classes, int64_t h = 8, int64_t w = 8,
                                uint64_t seed = 1) {
  Tensor images = Tensor::create(DType::U8, {n, h, w, 1}).take();
  Tensor labels = Tensor::create(DType::I32, {n}).take();
  uint8_t *px = images.data<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    int64_t c = int64_t(uniform01(seed, uint64_t(i), 7) * double(classes));
    labels.data<int32_t>()[i] = int32_t(c);
    uint8_t *img = px + i * h * w;
    for (int64_t p = 0; p < h * w; ++p)
      img[p] = uint8_t(uniform01(seed, uint64_t(i * h * w + p), 1) * 60);
    int64_t cy = 2 + (c % 3) * 2, cx = 2 + ((c / 3) % 3) * 2; // 9 distinct spots
    for (int64_t y = cy - 1; y <= cy + 1; ++y)
      for (int64_t x = cx - 1; x <= cx + 1; ++x)
        img[y * w + x] = 230;
    img[0] = uint8_t(i % 256);
    img[1] = uint8_t((i / 256) % 256);
  }
  return LabeledData::create(std::move(images), labels, classes, "blobs").take();
}

/// The sample index written into a staged image by makeBlobData().
inline int64_t sampleIdOf(const float *image) {
  return int64_t(std::lround(image[0] * 255.0f)) + 256 * int64_t(std::lround(image[1] * 255.0f));
}

/// The class id of sample `s` of `batch`, whatever the target layout.
inline int64_t targetOf(const Batch &batch, int64_t s, TargetKind kind, int64_t classes) {
  if (kind == TargetKind::Sparse)
    return int64_t(batch.y[s]);
  for (int64_t c = 0; c < classes; ++c)
    if (batch.y[s * classes + c] == 1.0f)
      return c;
  return -1;
}

/// Multinomial logistic regression, softmax cross-entropy, plain SGD. The
/// loss and correct count come from the forward pass before the update.
class SoftmaxRegression : public TrainableModel {
public:
  SoftmaxRegression(std::vector<int64_t> inputShape, int64_t classes, TargetKind kind,
                    double learningRate = 0.5)
      : Shape(std::move(inputShape)), Classes(classes), Kind(kind), Rate(learningRate) {
    Inputs = 1;
    for (int64_t d : Shape)
      Inputs *= d;
    W.assign(size_t(Inputs * Classes), 0.0);
    B.assign(size_t(Classes), 0.0);
  }
  TargetKind targetKind() const override { return Kind; }
  std::vector<int64_t> inputShape() const override { return Shape; }
  int64_t numClasses() const override { return Classes; }

  Status trainStep(const Batch &batch, int64_t step, StepResult &out) override {
    std::vector<double> gradW(W.size(), 0.0), gradB(B.size(), 0.0);
    forward(batch, out, &gradW, &gradB);
    double scale = Rate / double(batch.n);
    for (size_t i = 0; i < W.size(); ++i)
      W[i] -= scale * gradW[i];
    for (size_t i = 0; i < B.size(); ++i)
      B[i] -= scale * gradB[i];
    return Status::success();
  }
  Status evalStep(const Batch &batch, StepResult &out) override {
    forward(batch, out, nullptr, nullptr);
    return Status::success();
  }

private:
  void forward(const Batch &batch, StepResult &out, std::vector<double> *gradW,
               std::vector<double> *gradB) {
    out = StepResult{};
    std::vector<double> logits(static_cast<size_t>(Classes));
    for (int64_t s = 0; s < batch.n; ++s) {
      const float *x = batch.x + s * Inputs;
      int64_t target = targetOf(batch, s, Kind, Classes);
      double top = -1e300;
      int64_t best = 0;
      for (int64_t c = 0; c < Classes; ++c) {
        double z = B[size_t(c)];
        for (int64_t i = 0; i < Inputs; ++i)
          z += W[size_t(i * Classes + c)] * x[i];
        logits[size_t(c)] = z;
        if (z > top) {
          top = z;
          best = c;
        }
      }
      double sum = 0;
      for (double &z : logits)
        sum += (z = std::exp(z - top));
      out.lossSum += -std::log(logits[size_t(target)] / sum);
      out.correct += best == target;
      if (!gradW)
        continue;
      for (int64_t c = 0; c < Classes; ++c) {
        double g = logits[size_t(c)] / sum - (c == target ? 1.0 : 0.0);
        (*gradB)[size_t(c)] += g;
        for (int64_t i = 0; i < Inputs; ++i)
          (*gradW)[size_t(i * Classes + c)] += g * x[i];
      }
    }
  }

  std::vector<int64_t> Shape;
  int64_t Classes, Inputs;
  TargetKind Kind;
  double Rate;
  std::vector<double> W, B;
};

/// Records every batch: the sample ids and targets, for training and
/// evaluation separately. Reports loss 1 and no correct samples.
class RecordingModel : public TrainableModel {
public:
  RecordingModel(std::vector<int64_t> inputShape, int64_t classes,
                 TargetKind kind = TargetKind::OneHot)
      : Shape(std::move(inputShape)), Classes(classes), Kind(kind) {
    Elements = 1;
    for (int64_t d : Shape)
      Elements *= d;
  }
  TargetKind targetKind() const override { return Kind; }
  std::vector<int64_t> inputShape() const override { return Shape; }
  int64_t numClasses() const override { return Classes; }

  Status trainStep(const Batch &batch, int64_t step, StepResult &out) override {
    TrainBatches.push_back(ids(batch));
    Steps.push_back(step);
    out = StepResult{double(batch.n), 0};
    return Status::success();
  }
  Status evalStep(const Batch &batch, StepResult &out) override {
    EvalBatches.push_back(ids(batch));
    out = StepResult{double(batch.n), 0};
    return Status::success();
  }

  std::vector<std::vector<int64_t>> TrainBatches, EvalBatches;
  std::vector<int64_t> Steps;

private:
  std::vector<int64_t> ids(const Batch &batch) const {
    std::vector<int64_t> v;
    for (int64_t s = 0; s < batch.n; ++s)
      v.push_back(sampleIdOf(batch.x + s * Elements));
    return v;
  }
  std::vector<int64_t> Shape;
  int64_t Classes, Elements;
  TargetKind Kind;
};

/// Reports, for each sample, the loss lossOf(sample id) and counts it
/// correct when correctOf(sample id); fails or returns NaN on request.
class ScriptedLossModel : public TrainableModel {
public:
  ScriptedLossModel(std::vector<int64_t> inputShape, int64_t classes)
      : Shape(std::move(inputShape)), Classes(classes) {
    Elements = 1;
    for (int64_t d : Shape)
      Elements *= d;
  }
  TargetKind targetKind() const override { return TargetKind::Sparse; }
  std::vector<int64_t> inputShape() const override { return Shape; }
  int64_t numClasses() const override { return Classes; }

  Status trainStep(const Batch &batch, int64_t step, StepResult &out) override {
    if (step == FailAtStep)
      return Status::failure("kernel 'conv2d' failed");
    score(batch, out);
    if (step == BadLossAtStep)
      out.lossSum = BadLoss;
    return Status::success();
  }
  Status evalStep(const Batch &batch, StepResult &out) override {
    score(batch, out);
    return Status::success();
  }

  std::function<double(int64_t)> lossOf = [](int64_t) { return 1.0; };
  std::function<bool(int64_t)> correctOf = [](int64_t) { return false; };
  int64_t FailAtStep = -1, BadLossAtStep = -1;
  double BadLoss = std::nan("");

private:
  void score(const Batch &batch, StepResult &out) const {
    out = StepResult{};
    for (int64_t s = 0; s < batch.n; ++s) {
      int64_t id = sampleIdOf(batch.x + s * Elements);
      out.lossSum += lossOf(id);
      out.correct += correctOf(id);
    }
  }
  std::vector<int64_t> Shape;
  int64_t Classes, Elements;
};

/// A clock that reads `times` in turn, then keeps adding `step` after the
/// last.
inline Clock scriptedClock(std::vector<double> times, double step) {
  auto state = std::make_shared<std::pair<std::vector<double>, size_t>>(std::move(times), 0);
  auto last = std::make_shared<double>(0.0);
  return [state, last, step] {
    if (state->second < state->first.size())
      return *last = state->first[state->second++];
    return *last += step;
  };
}

} // namespace kiln::runtime::testing

#endif // KILN_TESTS_UNIT_TRAINER_FAKEMODELS_H
