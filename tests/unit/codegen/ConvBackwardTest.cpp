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
