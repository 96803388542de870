//===- ReduceTest.cpp - Reductions, softmax, losses vs reference ----------===//
//
// Tests that reduce_sum/mean/max (with keepdims, over the batch in chunks,
// global pooling), softmax/log_softmax and their gradients (also against
// finite differences of the reference softmax), the four Keras losses and the fused
// softmax cross-entropy (loss, correct flag with ties, gradient) match the
// reference on awkward shapes, and that the batch sum gives the same bits
// with and without threads.
//
//===----------------------------------------------------------------------===//
#include "OpsTestUtil.h"

namespace kiln::codegen::test {
namespace {

struct ReduceCase {
  const char *name;
  std::vector<int> shape;
  ReduceKind kind;
  std::vector<int> axes;
  bool keepdims;
  int batch;
};

class AxisReduce : public ::testing::TestWithParam<ReduceCase> {};

TEST_P(AxisReduce, MatchesReference) {
  const ReduceCase &c = GetParam();
  KernelSpec s =
      KernelSpec::reduction(c.name, c.shape, c.kind, c.axes, c.keepdims);
  std::vector<Tensor> in = randomInputs(s, c.batch);
  JitKernel k = jitDefault(s);
  EXPECT_LE(relError(runMixed(k, c.batch, in)[0],
                     reference::reduce(s, c.batch, in)[0]),
            kTolerance)
      << s.signature();
}

const ReduceKind Sum = ReduceKind::Sum, Mean = ReduceKind::Mean,
                 Max = ReduceKind::Max;

INSTANTIATE_TEST_SUITE_P(
    ReduceShapes, AxisReduce,
    ::testing::Values(
        ReduceCase{"bias_grad", {-1, 5, 3, 19}, Sum, {0, 1, 2}, false, 37},
        ReduceCase{"bias_grad_b1", {-1, 5, 3, 19}, Sum, {0, 1, 2}, false, 1},
        ReduceCase{"loss_sum", {-1}, Sum, {}, false, 37},
        ReduceCase{"mean_last_keep", {-1, 4, 33}, Mean, {-1}, true, 7},
        ReduceCase{"max_batch", {-1, 10}, Max, {0}, true, 7},
        ReduceCase{"mean_middle", {-1, 6, 17}, Mean, {1}, false, 7}),
    [](const auto &info) { return std::string(info.param.name); });

TEST(GlobalPool2D, AvgAndMax) {
  for (bool isMax : {false, true}) {
    KernelSpec s = KernelSpec::globalPool2d(isMax ? "gmp" : "gap", 7, 6, 17,
                                            isMax, !isMax);
    EXPECT_EQ(kernelArguments(s)[1].shape,
              isMax ? std::vector<int>({-1, 17})
                    : std::vector<int>({-1, 1, 1, 17}));
    std::vector<Tensor> in = randomInputs(s, 7);
    EXPECT_LE(relError(runKernel(s, 7, in)[0], reference::reduce(s, 7, in)[0]),
              kTolerance);
  }
}

TEST(ReduceBatchSum, DeterministicAcrossThreadCounts) {
  KernelSpec s = KernelSpec::reduction("bias_grad", {-1, 4, 4, 24}, Sum,
                                       {0, 1, 2}, false);
  std::vector<Tensor> in = randomInputs(s, 100);
  Halide::Target t = Halide::get_jit_target_from_environment();
  Schedule serial = defaultScheduleFor(s, t);
  serial.parallel = "none";
  JitKernel par = jitDefault(s), ser(s, serial, t);
  Tensor a = runMixed(par, 100, in)[0];
  EXPECT_EQ(a, runMixed(ser, 100, in)[0]);
  EXPECT_EQ(a, runMixed(par, 100, in)[0]);
}

TEST(Softmax, SoftmaxAndLogSoftmax) {
  for (ReduceKind kind : {ReduceKind::Softmax, ReduceKind::LogSoftmax})
    for (auto [shape, batch] :
         {std::pair<std::vector<int>, int>{{-1, 10}, 7}, {{-1, 3, 33}, 1}}) {
      KernelSpec s = KernelSpec::lastAxis("sm", shape, kind);
      std::vector<Tensor> in = {randomTensor(numElements(shape, batch), 8,
                                             -20.f, 20.f)};
      EXPECT_LE(relError(runKernel(s, batch, in)[0],
                         reference::reduce(s, batch, in)[0]),
                kTolerance)
          << s.signature();
    }
}

TEST(Softmax, GradientsMatchReferenceAndFiniteDifferences) {
  for (auto [fwdKind, kind] :
       {std::pair{ReduceKind::Softmax, ReduceKind::SoftmaxGrad},
        std::pair{ReduceKind::LogSoftmax, ReduceKind::LogSoftmaxGrad}})
    for (auto [shape, batch] :
         {std::pair<std::vector<int>, int>{{-1, 10}, 7}, {{-1, 3, 33}, 2}}) {
      KernelSpec fwd = KernelSpec::lastAxis("sm", shape, fwdKind);
      KernelSpec s = KernelSpec::lastAxis("sm_grad", shape, kind);
      size_t n = numElements(shape, batch);
      Tensor x = randomTensor(n, 8, -3.f, 3.f), dy = randomTensor(n, 9);
      Tensor y = reference::reduce(fwd, batch, {x})[0];
      Tensor got = runKernel(s, batch, {y, dy})[0];
      EXPECT_LE(relError(got, reference::reduce(s, batch, {y, dy})[0]),
                kTolerance)
          << s.signature();
      // d/dx of sum(dy * f(x)), central differences in double steps.
      Tensor fd(n);
      const float eps = 1e-2f;
      for (size_t i = 0; i < n; ++i) {
        float keep = x[i];
        double l[2];
        for (int k = 0; k < 2; ++k) {
          x[i] = keep + (k ? -eps : eps);
          Tensor yy = reference::reduce(fwd, batch, {x})[0];
          l[k] = 0;
          for (size_t j = 0; j < n; ++j)
            l[k] += double(yy[j]) * dy[j];
        }
        x[i] = keep;
        fd[i] = float((l[0] - l[1]) / (2 * eps));
      }
      EXPECT_LE(relError(got, fd), 2e-3) << s.signature();
    }
}

/// Probabilities in (0, 1) with some below the clip; one-hot or soft targets.
std::vector<Tensor> lossInputs(const KernelSpec &s, int batch, bool oneHot) {
  size_t n = numElements(s.shape, batch);
  int C = s.shape.back();
  Tensor p = randomTensor(n, 21, 0.f, 1.f);
  p[0] = 0.f, p[1] = 1.f;
  Tensor t = randomTensor(n, 22, 0.f, 1.f);
  if (oneHot)
    for (size_t r = 0; r < n / C; ++r)
      for (int c = 0; c < C; ++c)
        t[r * C + c] = c == int(r * 7 % C) ? 1.f : 0.f;
  return {p, t};
}

TEST(Losses, MatchReference) {
  struct L {
    ReduceKind kind;
    std::vector<int> shape;
    bool oneHot;
  };
  for (const L &l : {L{ReduceKind::CategoricalCrossentropy, {-1, 10}, true},
                     L{ReduceKind::CategoricalCrossentropy, {-1, 3, 7}, false},
                     L{ReduceKind::BinaryCrossentropy, {-1, 13}, false},
                     L{ReduceKind::MeanSquaredError, {-1, 4, 5}, false}}) {
    KernelSpec s = KernelSpec::lastAxis("loss", l.shape, l.kind);
    for (int batch : {1, 7}) {
      std::vector<Tensor> in = lossInputs(s, batch, l.oneHot);
      EXPECT_LE(relError(runKernel(s, batch, in)[0],
                         reference::reduce(s, batch, in)[0]),
                kTolerance)
          << s.signature() << " batch " << batch;
    }
  }
}

TEST(Losses, SparseCategoricalIntAndFloatIds) {
  for (DType dt : {DType::Int32, DType::Float32}) {
    KernelSpec s = KernelSpec::lastAxis(
        "scce", {-1, 10}, ReduceKind::SparseCategoricalCrossentropy, dt);
    EXPECT_EQ(kernelArguments(s)[1].shape, std::vector<int>{-1});
    EXPECT_EQ(kernelArguments(s)[1].dtype, dt);
    const int batch = 7;
    Tensor p = randomTensor(batch * 10, 31, 0.f, 1.f);
    Tensor ids = {0, 9, 3, 3, 5, 1, 8};
    JitKernel k = jitDefault(s);
    EXPECT_LE(relError(runMixed(k, batch, {p, ids})[0],
                       reference::reduce(s, batch, {p, ids})[0]),
              kTolerance);
  }
}

TEST(SoftmaxCrossEntropy, LossCorrectAndGradient) {
  const int batch = 7, C = 10;
  Tensor x = randomTensor(batch * C, 41, -4.f, 4.f);
  Tensor t(batch * C, 0.f);
  for (int b = 0; b < batch; ++b)
    t[b * C + (b * 3) % C] = 1.f;
  // Row 0: the target's class is the logits' maximum; row 1: a tie of the
  // maximum at the target (index 3) and later, counted as correct.
  x[0] = 9.f;
  x[C + 3] = 9.f, x[C + 8] = 9.f;
  KernelSpec fs = KernelSpec::lastAxis("xent", {-1, C},
                                       ReduceKind::SoftmaxCrossEntropy);
  std::vector<Tensor> got = runKernel(fs, batch, {x, t});
  std::vector<Tensor> ref = reference::reduce(fs, batch, {x, t});
  EXPECT_LE(relError(got[0], ref[0]), kTolerance);
  EXPECT_EQ(got[1], ref[1]);
  EXPECT_EQ(got[1][0], 1.f);
  EXPECT_EQ(got[1][1], 1.f);
  KernelSpec gs = KernelSpec::lastAxis("xent_grad", {-1, C},
                                       ReduceKind::SoftmaxCrossEntropyGrad);
  Tensor scale = {1.f / batch};
  Tensor g = runKernel(gs, batch, {x, t, scale})[0];
  EXPECT_LE(relError(g, reference::reduce(gs, batch, {x, t, scale})[0]),
            kTolerance);
  // The gradient is d(mean loss)/dlogits: finite differences of the
  // reference loss.
  for (int i : {0, 5, 13, 69}) {
    const float eps = 1e-2f;
    Tensor up = x, down = x;
    up[i] += eps, down[i] -= eps;
    double lu = 0, ld = 0;
    Tensor lossUp = reference::reduce(fs, batch, {up, t})[0];
    Tensor lossDown = reference::reduce(fs, batch, {down, t})[0];
    for (int b = 0; b < batch; ++b)
      lu += lossUp[b] / batch, ld += lossDown[b] / batch;
    EXPECT_NEAR(g[i], (lu - ld) / (2 * eps), 1e-3) << i;
  }
}

} // namespace
} // namespace kiln::codegen::test
