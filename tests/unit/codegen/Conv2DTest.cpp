//===- Conv2DTest.cpp - Conv2D forward kernel vs reference ----------------===//
//
// Tests that the JIT-compiled Conv2D kernel matches the naive reference on
// awkward shapes: strides 1/2, valid/same, kernel sizes 1/3/5, dilation 2,
// channel counts that are not multiples of 16, batches 1 and 7, odd sizes;
// and the tuner's alternatives (root, JSON, row tiles, fused-pool row tiles).
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

class Conv2DForward : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2DForward, MatchesReference) {
  const ConvCase &p = GetParam();
  KernelSpec s = KernelSpec::conv2d(p.name, p.h, p.w, p.c, p.attrs);
  std::vector<Tensor> in = randomInputs(s, p.batch);
  Tensor bias = s.conv.useBias ? in[2] : Tensor();
  Tensor ref = reference::conv2d(s, p.batch, in[0], in[1], bias);
  Tensor got = runKernel(s, p.batch, in)[0];
  EXPECT_LE(relError(got, ref), kTolerance) << s.signature();
}

const Padding V = Padding::Valid, S = Padding::Same;
const Activation Relu = Activation::Relu, None = Activation::None;

INSTANTIATE_TEST_SUITE_P(
    Shapes, Conv2DForward,
    ::testing::Values(
        ConvCase{"k3_s1_valid_relu", 9, 11, 3, convAttrs(3, 20, 1, V, 1, true, Relu), 7},
        ConvCase{"k3_s2_same", 10, 7, 5, convAttrs(3, 17, 2, S), 1},
        ConvCase{"k5_s1_same_cin1", 8, 9, 1, convAttrs(5, 33, 1, S, 1, true, Relu), 7},
        ConvCase{"k1_s1_valid", 5, 5, 17, convAttrs(1, 10, 1, V), 7},
        ConvCase{"k3_d2_same", 11, 9, 6, convAttrs(3, 16, 1, S, 2), 2},
        ConvCase{"k5_s2_valid_nobias", 13, 12, 32, convAttrs(5, 40, 2, V, 1, false), 7},
        ConvCase{"seed_conv1", 28, 28, 1, convAttrs(3, 32, 1, V, 1, true, Relu), 2},
        ConvCase{"seed_conv2", 13, 13, 32, convAttrs(3, 64, 1, V, 1, true, Relu), 3}),
    [](const auto &info) { return std::string(info.param.name); });

TEST(Conv2DSchedules, RootScheduleAndJsonScheduleMatchReference) {
  KernelSpec s = KernelSpec::conv2d("conv_alt", 9, 8, 5,
                                    convAttrs(3, 19, 2, S, 1, true, Relu));
  std::vector<Tensor> in = randomInputs(s, 3);
  Tensor ref = reference::conv2d(s, 3, in[0], in[1], in[2]);
  Schedule root = defaultSchedule(s);
  root.computeAt = "root";
  root.storeAt = "inline";
  root.parallel = "y";
  EXPECT_LE(relError(runKernel(s, 3, in, &root)[0], ref), kTolerance);
  Schedule fromJson = scheduleFromJson(
      R"({"tile_channels": 2, "tile_x": 3, "parallel": "ny", "store_at": "root"})");
  EXPECT_LE(relError(runKernel(s, 3, in, &fromJson)[0], ref), kTolerance);
  // Row tiles (tile_y), also not dividing the 4 output rows, parallel "y".
  for (int ty : {2, 3}) {
    Schedule rows = defaultSchedule(s);
    rows.tileY = ty;
    rows.parallel = "ny";
    EXPECT_LE(relError(runKernel(s, 3, in, &rows)[0], ref), kTolerance) << ty;
  }
}

TEST(Conv2DFusedPool, MatchesConvThenPoolReference) {
  for (int filters : {64, 19}) {
    KernelSpec s = KernelSpec::conv2d("conv_pool", 13, 13, 32,
                                      convAttrs(3, filters, 1, V, 1, true, Relu));
    s.fusedPool.enabled = true;
    std::vector<Tensor> in = randomInputs(s, 3);
    Tensor conv = reference::conv2d(s, 3, in[0], in[1], in[2]);
    KernelSpec pool = KernelSpec::pool2d("pool", KernelFamily::MaxPool2D, 11, 11,
                                         filters, PoolAttrs());
    Tensor ref = reference::pool2d(pool, 3, conv);
    EXPECT_LE(relError(runKernel(s, 3, in)[0], ref), kTolerance) << filters;
    // Two pooled rows per register tile (5 pooled rows: a shifted tail).
    Schedule rows = defaultSchedule(s);
    rows.tileY = 2;
    rows.tileChannels = 2;
    rows.parallel = "y";
    EXPECT_LE(relError(runKernel(s, 3, in, &rows)[0], ref), kTolerance)
        << filters;
  }
}

} // namespace
} // namespace kiln::codegen::test
