//===- ConvBackwardTest.cpp - Conv2D gradient kernels ---------------------===//
//
// Tests that the Conv2D backprop-input, backprop-filter and bias-gradient
// kernels match the reference on awkward shapes, and that they equal finite
// differences of the forward reference on a tiny shape.
//
//===----------------------------------------------------------------------===//
#include "KernelTestUtil.h"

namespace kiln::codegen::test {
namespace {

struct ConvCase {
  const char *name;
  int h, w, c;
  Conv2DAttrs attrs;
  int batch;
};

const Padding V = Padding::Valid, S = Padding::Same;

const ConvCase kCases[] = {
    {"seed_conv2", 13, 13, 32, convAttrs(3, 64, 1, V), 3},
    {"k3_s2_same", 9, 10, 5, convAttrs(3, 17, 2, S), 2},
    {"k3_d2_same", 8, 9, 3, convAttrs(3, 6, 1, S, 2), 1},
    {"k5_s2_valid", 12, 11, 20, convAttrs(5, 24, 2, V), 7},
    {"k1_s1_valid", 5, 4, 17, convAttrs(1, 10, 1, V), 7},
    // Stride above the kernel size and a 5-row kernel over 7 rows: the
    // input gradient's per-row kernel-row bounds at their extremes.
    {"k2_s3_valid", 8, 7, 3, convAttrs(2, 5, 3, V), 2},
    {"k5_s3_same", 7, 8, 3, convAttrs(5, 4, 3, S), 2},
};

class ConvBackward : public ::testing::TestWithParam<ConvCase> {};

KernelSpec specFor(const ConvCase &p, KernelFamily f) {
  return KernelSpec::conv2d(p.name, p.h, p.w, p.c, p.attrs, f);
}

TEST_P(ConvBackward, InputGradMatchesReference) {
  const ConvCase &p = GetParam();
  KernelSpec s = specFor(p, KernelFamily::Conv2DBackpropInput);
  std::vector<Tensor> in = randomInputs(s, p.batch);
  Tensor ref = reference::conv2dBackpropInput(s, p.batch, in[0], in[1]);
  EXPECT_LE(relError(runKernel(s, p.batch, in)[0], ref), kTolerance);
}

TEST_P(ConvBackward, FilterGradMatchesReference) {
  const ConvCase &p = GetParam();
  KernelSpec s = specFor(p, KernelFamily::Conv2DBackpropFilter);
  std::vector<Tensor> in = randomInputs(s, p.batch);
  Tensor ref = reference::conv2dBackpropFilter(s, p.batch, in[0], in[1]);
  EXPECT_LE(relError(runKernel(s, p.batch, in)[0], ref), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvBackward, ::testing::ValuesIn(kCases),
                         [](const auto &info) {
                           return std::string(info.param.name);
                         });

TEST(ConvBackwardSchedules, FilterGradSeedConv1AndBatchTails) {
  // cin = 1 takes the kernel-x tile; batch 37 leaves a partial rfactor chunk.
  KernelSpec s = KernelSpec::conv2d("conv1", 28, 28, 1, convAttrs(3, 32, 1, V),
                                    KernelFamily::Conv2DBackpropFilter);
  std::vector<Tensor> in = randomInputs(s, 37);
  Tensor ref = reference::conv2dBackpropFilter(s, 37, in[0], in[1]);
  EXPECT_LE(relError(runKernel(s, 37, in)[0], ref), kTolerance);
  Schedule serial = defaultSchedule(s);
  serial.rfactor = false;
  EXPECT_LE(relError(runKernel(s, 37, in, &serial)[0], ref), kTolerance);
}

TEST(ConvBackwardSchedules, BiasGradMatchesReference) {
  KernelSpec s = KernelSpec::conv2d("conv_b", 7, 9, 3, convAttrs(3, 21, 1, S),
                                    KernelFamily::Conv2DBackpropBias);
  std::vector<Tensor> in = randomInputs(s, 37);
  Tensor ref = reference::conv2dBackpropBias(s, 37, in[0]);
  EXPECT_LE(relError(runKernel(s, 37, in)[0], ref), kTolerance);
}

/// conv2d_backprop_input with the max pool gradient (and relu's) fused
/// after it: the reference's input gradient routed by the pool's reference
/// gradient, for the seed's shapes and awkward ones, under the schedules
/// the tuner varies; and the fused kernel equals the two kernels it
/// replaces.
struct FusedCase {
  const char *name;
  int h, w, c; ///< the conv's input (the pool's output)
  Conv2DAttrs conv;
  int poolInH, poolInW;
  PoolAttrs pool;
  bool relu;
  int batch;
};

const FusedCase kFusedCases[] = {
    {"seed", 13, 13, 32, convAttrs(3, 64, 1, V), 26, 26, poolAttrs(2, 2, V),
     true, 3},
    {"odd_pool_input", 13, 13, 32, convAttrs(3, 64, 1, V), 27, 27,
     poolAttrs(2, 2, V), true, 2},
    {"s2_same_pool_3x3", 5, 6, 5, convAttrs(3, 17, 2, S), 9, 11,
     poolAttrs(3, 2, S), false, 2},
    {"overlapping_windows", 5, 4, 17, convAttrs(1, 10, 1, V), 7, 6,
     poolAttrs(3, 1, V), true, 1},
};

KernelSpec fusedSpec(const FusedCase &p) {
  KernelSpec s = KernelSpec::conv2d(p.name, p.h, p.w, p.c, p.conv,
                                    KernelFamily::Conv2DBackpropInput);
  s.fusedPoolGrad.enabled = true;
  s.fusedPoolGrad.height = p.poolInH;
  s.fusedPoolGrad.width = p.poolInW;
  s.fusedPoolGrad.pool = p.pool;
  s.fusedPoolGrad.pool.reluMask = p.relu;
  return s;
}

TEST(ConvBackwardFusedPoolGrad, MatchesReferenceUnderEverySchedule) {
  for (const FusedCase &p : kFusedCases) {
    SCOPED_TRACE(p.name);
    KernelSpec s = fusedSpec(p);
    std::vector<Tensor> in = randomInputs(s, p.batch);
    if (p.relu)
      for (float &v : in[2]) // a relu's output
        v = std::max(v, 0.0f);
    KernelSpec dxS = s, pgS = KernelSpec::pool2d(
                            p.name, KernelFamily::MaxPool2DGrad, p.poolInH,
                            p.poolInW, p.c, s.fusedPoolGrad.pool);
    dxS.fusedPoolGrad = {};
    Tensor ref = reference::maxPool2dGrad(
        pgS, p.batch, in[2],
        reference::conv2dBackpropInput(dxS, p.batch, in[0], in[1]));
    Schedule d = defaultSchedule(s);
    std::vector<Schedule> schedules(6, d);
    schedules[1].computeAt = "root";   // dx per image
    schedules[2].storeAt = "root";     // grad_dilated staged whole
    schedules[3].storeAt = "inline";
    schedules[3].tileX = 3;
    schedules[3].unrollReduction = 1;
    schedules[4].parallel = "y";
    schedules[4].tileChannels = 1;
    schedules[5].parallel = "ny";
    schedules[5].vectorWidth = 8;
    for (const Schedule &sc : schedules) {
      SCOPED_TRACE(scheduleToJson(sc));
      EXPECT_LE(relError(runKernel(s, p.batch, in, &sc)[0], ref), kTolerance);
    }
  }
}

TEST(ConvBackwardFusedPoolGrad, EqualsTheTwoKernelsItReplaces) {
  const FusedCase &p = kFusedCases[0];
  KernelSpec s = fusedSpec(p);
  std::vector<Tensor> in = randomInputs(s, p.batch, 5);
  for (float &v : in[2])
    v = std::max(v, 0.0f);
  KernelSpec dxS = s;
  dxS.fusedPoolGrad = {};
  KernelSpec pgS = KernelSpec::pool2d(p.name, KernelFamily::MaxPool2DGrad,
                                      p.poolInH, p.poolInW, p.c,
                                      s.fusedPoolGrad.pool);
  Tensor dx = runKernel(dxS, p.batch, {in[0], in[1]})[0];
  Tensor unfused = runKernel(pgS, p.batch, {in[2], dx})[0];
  EXPECT_LE(relError(runKernel(s, p.batch, in)[0], unfused), 1e-6);
}

/// L(x, k, b) = sum(conv(x, k, b) * g); its gradients are the three backward
/// kernels applied to dy = g.
TEST(ConvBackwardFiniteDifferences, GradientsMatchForwardReference) {
  const int batch = 2;
  Conv2DAttrs a = convAttrs(3, 3, 2, S);
  KernelSpec fwd = KernelSpec::conv2d("fd", 5, 6, 2, a);
  std::vector<Tensor> in = randomInputs(fwd, batch, 11);
  Tensor &x = in[0], &k = in[1], &b = in[2];
  Tensor g = randomTensor(reference::conv2d(fwd, batch, x, k, b).size(), 99);
  auto loss = [&]() {
    Tensor y = reference::conv2d(fwd, batch, x, k, b);
    double l = 0;
    for (size_t i = 0; i < y.size(); ++i)
      l += double(y[i]) * g[i];
    return l;
  };
  auto finiteDiff = [&](Tensor &t) {
    const float eps = 1e-2f;
    Tensor d(t.size());
    for (size_t i = 0; i < t.size(); ++i) {
      float keep = t[i];
      t[i] = keep + eps;
      double up = loss();
      t[i] = keep - eps;
      double down = loss();
      t[i] = keep;
      d[i] = float((up - down) / (2 * eps));
    }
    return d;
  };
  KernelSpec dxS = fwd, dkS = fwd, dbS = fwd;
  dxS.family = KernelFamily::Conv2DBackpropInput;
  dkS.family = KernelFamily::Conv2DBackpropFilter;
  dbS.family = KernelFamily::Conv2DBackpropBias;
  EXPECT_LE(relError(runKernel(dxS, batch, {g, k})[0], finiteDiff(x)), 1e-3);
  EXPECT_LE(relError(runKernel(dkS, batch, {x, g})[0], finiteDiff(k)), 1e-3);
  EXPECT_LE(relError(runKernel(dbS, batch, {g})[0], finiteDiff(b)), 1e-3);
}

} // namespace
} // namespace kiln::codegen::test
