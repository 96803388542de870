//===- PoolTest.cpp - MaxPool2D / AvgPool2D kernels vs reference ----------===//
//
// Tests that the pooling kernels match the reference for valid and same
// padding, overlapping windows, odd sizes and channel counts, batches 1/7.
//
//===----------------------------------------------------------------------===//
#include "KernelTestUtil.h"

namespace kiln::codegen::test {
namespace {

struct PoolCase {
  const char *name;
  KernelFamily family;
  int h, w, c;
  PoolAttrs attrs;
  int batch;
};

class Pool2DForward : public ::testing::TestWithParam<PoolCase> {};

TEST_P(Pool2DForward, MatchesReference) {
  const PoolCase &p = GetParam();
  KernelSpec s = KernelSpec::pool2d(p.name, p.family, p.h, p.w, p.c, p.attrs);
  std::vector<Tensor> in = randomInputs(s, p.batch);
  Tensor ref = reference::pool2d(s, p.batch, in[0]);
  Tensor got = runKernel(s, p.batch, in)[0];
  EXPECT_LE(relError(got, ref), kTolerance) << s.signature();
}

const Padding V = Padding::Valid, S = Padding::Same;
const KernelFamily Max = KernelFamily::MaxPool2D, Avg = KernelFamily::AvgPool2D;

INSTANTIATE_TEST_SUITE_P(
    Shapes, Pool2DForward,
    ::testing::Values(
        PoolCase{"max_2x2_valid_seed", Max, 26, 26, 32, poolAttrs(2, 2, V), 7},
        PoolCase{"max_3x3_s2_same", Max, 9, 11, 5, poolAttrs(3, 2, S), 1},
        PoolCase{"max_3x3_s1_valid", Max, 7, 6, 17, poolAttrs(3, 1, V), 7},
        PoolCase{"avg_2x2_valid", Avg, 7, 7, 20, poolAttrs(2, 2, V), 7},
        PoolCase{"avg_3x3_s2_same", Avg, 9, 8, 17, poolAttrs(3, 2, S), 7},
        PoolCase{"avg_2x2_same_odd", Avg, 5, 5, 3, poolAttrs(2, 2, S), 1}),
    [](const auto &info) { return std::string(info.param.name); });

} // namespace
} // namespace kiln::codegen::test
