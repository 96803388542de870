//===- ShapeTest.cpp - Concatenate, ZeroPadding2D, batch-norm statistics --===//
//
// Tests that concatenation along each axis (2, 3 and 5 inputs, channels not
// multiples of 16), asymmetric zero padding, padding channels, cropping
// (negative padding: nn.slice) and the per-channel batch statistics match
// the reference at batches 1 and 7.
//
//===----------------------------------------------------------------------===//
#include "OpsTestUtil.h"

namespace kiln::codegen::test {
namespace {

void expectMatches(const KernelSpec &s, std::vector<int> batches) {
  JitKernel k = jitDefault(s);
  for (int batch : batches) {
    std::vector<Tensor> in = randomInputs(s, batch);
    std::vector<Tensor> got = runMixed(k, batch, in);
    std::vector<Tensor> ref = reference::shapeOp(s, batch, in);
    ASSERT_EQ(got.size(), ref.size());
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_LE(relError(got[i], ref[i]), kTolerance)
          << s.signature() << " output " << i << " batch " << batch;
  }
}

TEST(Concatenate, ChannelsOfTwoInputs) {
  expectMatches(KernelSpec::concatenate("cat", {{-1, 5, 4, 16}, {-1, 5, 4, 17}},
                                        -1),
                {1, 7});
}

TEST(Concatenate, RowsOfThreeAndFeaturesOfFive) {
  expectMatches(KernelSpec::concatenate(
                    "cat_h", {{-1, 2, 3, 5}, {-1, 1, 3, 5}, {-1, 4, 3, 5}}, 1),
                {7});
  KernelSpec five = KernelSpec::concatenate(
      "cat5", {{-1, 3}, {-1, 1}, {-1, 7}, {-1, 2}, {-1, 20}}, -1);
  EXPECT_EQ(five.shape, (std::vector<int>{-1, 33}));
  expectMatches(five, {1, 7});
}

TEST(ZeroPadding2D, AsymmetricPadding) {
  PadAttrs p;
  p.top = 1, p.bottom = 2, p.left = 3, p.right = 0;
  KernelSpec s = KernelSpec::zeroPadding2d("pad", 5, 6, 3, p);
  EXPECT_EQ(kernelArguments(s)[1].shape, (std::vector<int>{-1, 8, 9, 3}));
  expectMatches(s, {1, 7});
}

TEST(ZeroPadding2D, ChannelsAndCrops) {
  PadAttrs p;
  p.top = 1, p.bottom = 0, p.left = 0, p.right = 2, p.front = 2, p.back = 1;
  KernelSpec s = KernelSpec::zeroPadding2d("pad_c", 4, 3, 5, p);
  EXPECT_EQ(kernelArguments(s)[1].shape, (std::vector<int>{-1, 5, 5, 8}));
  expectMatches(s, {1, 7});
  // A slice: rows 1..3, columns 2..5, channels 16..32 of 5x7x48.
  PadAttrs c;
  c.top = -1, c.bottom = -1, c.left = -2, c.right = -1, c.front = -16,
  c.back = -15;
  KernelSpec crop = KernelSpec::zeroPadding2d("crop", 5, 7, 48, c);
  EXPECT_EQ(kernelArguments(crop)[1].shape, (std::vector<int>{-1, 3, 4, 17}));
  expectMatches(crop, {1, 7});
}

TEST(BatchNormStats, MeanAndVariance) {
  expectMatches(KernelSpec::batchNormStats("bn", {-1, 6, 5, 19}), {1, 7});
  expectMatches(KernelSpec::batchNormStats("bn_dense", {-1, 33}), {7});
}

} // namespace
} // namespace kiln::codegen::test
