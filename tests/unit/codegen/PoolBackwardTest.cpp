//===- PoolBackwardTest.cpp - MaxPool2D and AvgPool2D gradient kernels ----===//
//
// Tests that the MaxPool2D gradient matches the reference (including ties,
// which go to the first maximum in window order, and overlapping windows)
// and equals finite differences of the forward reference; likewise the
// AvgPool2D gradient (valid and same padding, overlapping windows, one
// window the size of the input as the global pool's gradient).
//
//===----------------------------------------------------------------------===//
#include "KernelTestUtil.h"

namespace kiln::codegen::test {
namespace {

struct PoolCase {
  const char *name;
  int h, w, c;
  PoolAttrs attrs;
  int batch;
};

const Padding V = Padding::Valid, S = Padding::Same;

class MaxPoolGrad : public ::testing::TestWithParam<PoolCase> {};

/// Central differences of sum(pool(x) * g) with respect to each element of
/// x, by the reference forward pool `fwd`.
Tensor inputFiniteDifferences(const KernelSpec &fwd, int batch, Tensor &x,
                              const Tensor &g, float eps) {
  auto loss = [&]() {
    Tensor y = reference::pool2d(fwd, batch, x);
    double l = 0;
    for (size_t i = 0; i < y.size(); ++i)
      l += double(y[i]) * g[i];
    return l;
  };
  Tensor fd(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    float keep = x[i];
    x[i] = keep + eps;
    double up = loss();
    x[i] = keep - eps;
    double down = loss();
    x[i] = keep;
    fd[i] = float((up - down) / (2 * eps));
  }
  return fd;
}

KernelSpec gradSpec(const PoolCase &p) {
  return KernelSpec::pool2d(p.name, KernelFamily::MaxPool2DGrad, p.h, p.w,
                            p.c, p.attrs);
}

TEST_P(MaxPoolGrad, MatchesReference) {
  const PoolCase &p = GetParam();
  KernelSpec s = gradSpec(p);
  std::vector<Tensor> in = randomInputs(s, p.batch);
  Tensor ref = reference::maxPool2dGrad(s, p.batch, in[0], in[1]);
  EXPECT_LE(relError(runKernel(s, p.batch, in)[0], ref), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, MaxPoolGrad,
    ::testing::Values(PoolCase{"seed_pool1", 26, 26, 32, poolAttrs(2, 2, V), 3},
                      PoolCase{"s2_same_3x3", 9, 11, 5, poolAttrs(3, 2, S), 2},
                      PoolCase{"s1_valid_3x3", 7, 6, 17, poolAttrs(3, 1, V), 1}),
    [](const auto &info) { return std::string(info.param.name); });

TEST(MaxPoolGradReluMask, MatchesReferenceAndZeroesNonPositiveInputs) {
  PoolCase p{"relu_mask", 11, 11, 19, poolAttrs(2, 2, V), 3};
  KernelSpec s = gradSpec(p);
  s.pool.reluMask = true;
  std::vector<Tensor> in = randomInputs(s, p.batch);
  for (float &v : in[0]) // a relu's output: zero where it was negative
    v = std::max(v, 0.0f);
  Tensor ref = reference::maxPool2dGrad(s, p.batch, in[0], in[1]);
  Tensor got = runKernel(s, p.batch, in)[0];
  EXPECT_LE(relError(got, ref), kTolerance);
  for (size_t k = 0; k < got.size(); ++k)
    if (in[0][k] <= 0)
      ASSERT_EQ(got[k], 0.0f);
}

TEST(MaxPoolGradTies, FirstMaximumInWindowOrderWins) {
  PoolCase p{"ties", 6, 7, 3, poolAttrs(3, 2, S), 2};
  KernelSpec s = gradSpec(p);
  std::vector<Tensor> in = randomInputs(s, p.batch);
  for (float &v : in[0]) // values in {0, 1, 2}: many ties
    v = std::floor((v + 1.0f) * 1.5f);
  Tensor ref = reference::maxPool2dGrad(s, p.batch, in[0], in[1]);
  EXPECT_LE(relError(runKernel(s, p.batch, in)[0], ref), kTolerance);
}

TEST(MaxPoolGradFiniteDifferences, MatchesForwardReference) {
  const int batch = 2;
  PoolCase p{"fd", 5, 6, 3, poolAttrs(3, 2, S), batch};
  KernelSpec grad = gradSpec(p);
  KernelSpec fwd = grad;
  fwd.family = KernelFamily::MaxPool2D;
  // Distinct values 0.01 apart, so +-eps never changes a window's argmax.
  Tensor x(size_t(batch) * 5 * 6 * 3);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 0.01f * float((i * 37) % x.size());
  Tensor g = randomTensor(reference::pool2d(fwd, batch, x).size(), 5);
  Tensor fd = inputFiniteDifferences(fwd, batch, x, g, 1e-3f);
  EXPECT_LE(relError(runKernel(grad, batch, {x, g})[0], fd), 1e-3);
}

class AvgPoolGrad : public ::testing::TestWithParam<PoolCase> {};

/// One window of h x w moved by itself: a global pool over an h x w input.
PoolAttrs globalWindow(int h, int w) {
  PoolAttrs a = poolAttrs(1, 1, V);
  a.poolH = a.strideH = h;
  a.poolW = a.strideW = w;
  return a;
}

KernelSpec avgGradSpec(const PoolCase &p) {
  KernelSpec s =
      KernelSpec::pool2d(p.name, KernelFamily::AvgPool2D, p.h, p.w, p.c, p.attrs);
  s.pool.backward = true;
  return s;
}

TEST_P(AvgPoolGrad, MatchesReference) {
  const PoolCase &p = GetParam();
  KernelSpec s = avgGradSpec(p);
  std::vector<Tensor> in = randomInputs(s, p.batch);
  Tensor ref = reference::avgPool2dGrad(s, p.batch, in[0]);
  EXPECT_LE(relError(runKernel(s, p.batch, in)[0], ref), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, AvgPoolGrad,
    ::testing::Values(
        PoolCase{"avg_valid_2x2", 26, 26, 32, poolAttrs(2, 2, V), 3},
        PoolCase{"avg_same_3x3_s2", 9, 11, 5, poolAttrs(3, 2, S), 2},
        PoolCase{"avg_same_3x3_s1", 7, 6, 17, poolAttrs(3, 1, S), 1},
        PoolCase{"avg_global_7x5", 7, 5, 9, globalWindow(7, 5), 2}),
    [](const auto &info) { return std::string(info.param.name); });

TEST(AvgPoolGradFiniteDifferences, MatchesForwardReference) {
  const int batch = 2;
  for (Padding pad : {V, S}) {
    PoolCase p{"avg_fd", 5, 6, 3, poolAttrs(3, 2, pad), batch};
    KernelSpec grad = avgGradSpec(p);
    KernelSpec fwd = grad;
    fwd.pool.backward = false;
    Tensor x = randomTensor(size_t(batch) * 5 * 6 * 3, 4);
    Tensor g = randomTensor(reference::pool2d(fwd, batch, x).size(), 5);
    Tensor fd = inputFiniteDifferences(fwd, batch, x, g, 1e-2f);
    EXPECT_LE(relError(runKernel(grad, batch, {g})[0], fd), 1e-3)
        << (pad == S ? "same" : "valid");
  }
}

} // namespace
} // namespace kiln::codegen::test
