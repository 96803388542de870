//===- DenseTest.cpp - Dense kernel vs reference --------------------------===//
//
// Tests that Dense (+relu/softmax, with and without bias) matches the
// reference, including batches smaller than the row tile and unit counts
// that are not multiples of the vector width.
//
//===----------------------------------------------------------------------===//
#include "KernelTestUtil.h"

namespace kiln::codegen::test {
namespace {

struct DenseCase {
  const char *name;
  int k, units;
  bool bias;
  Activation act;
  int batch;
};

class DenseForward : public ::testing::TestWithParam<DenseCase> {};

TEST_P(DenseForward, MatchesReference) {
  const DenseCase &p = GetParam();
  DenseAttrs a;
  a.units = p.units;
  a.useBias = p.bias;
  a.activation = p.act;
  KernelSpec s = KernelSpec::denseLayer(p.name, p.k, a);
  std::vector<Tensor> in = randomInputs(s, p.batch);
  Tensor bias = p.bias ? in[2] : Tensor();
  Tensor ref = reference::dense(s, p.batch, in[0], in[1], bias);
  Tensor got = runKernel(s, p.batch, in)[0];
  EXPECT_LE(relError(got, ref), kTolerance) << s.signature();
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, DenseForward,
    ::testing::Values(
        DenseCase{"seed_softmax", 1600, 10, true, Activation::Softmax, 7},
        DenseCase{"seed_linear", 1600, 10, true, Activation::None, 13},
        DenseCase{"relu_batch1", 37, 20, true, Activation::Relu, 1},
        DenseCase{"nobias_33", 100, 33, false, Activation::None, 9},
        DenseCase{"wide_64", 65, 64, true, Activation::Relu, 7}),
    [](const auto &info) { return std::string(info.param.name); });

} // namespace
} // namespace kiln::codegen::test
