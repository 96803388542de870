//===- MatMulTest.cpp - MatMul kernel vs reference ------------------------===//
//
// Tests the Dense backward products (dx = dy . W^T with the batch as rows,
// dW = x^T . dy summed over the batch) at the seed's sizes and on awkward
// ones, batches 1, 7 and 37 (a partial chunk), and that the batch sum gives
// the same bits with and without threads.
//
//===----------------------------------------------------------------------===//
#include "OpsTestUtil.h"

namespace kiln::codegen::test {
namespace {

struct MatMulCase {
  const char *name;
  int p, r, q;
  bool ta, tb;
  std::vector<int> batches;
};

class MatMul : public ::testing::TestWithParam<MatMulCase> {};

TEST_P(MatMul, MatchesReference) {
  const MatMulCase &c = GetParam();
  KernelSpec s = KernelSpec::matmulOp(c.name, c.p, c.r, c.q, c.ta, c.tb);
  JitKernel k = jitDefault(s);
  for (int batch : c.batches) {
    std::vector<Tensor> in = randomInputs(s, batch);
    Tensor ref = reference::matmul(s, batch, in[0], in[1]);
    EXPECT_LE(relError(runMixed(k, batch, in)[0], ref), kTolerance)
        << "batch " << batch;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, MatMul,
    ::testing::Values(
        // dx = dy . W^T: [N, 10] . [1600, 10]^T -> [N, 1600]
        MatMulCase{"seed_dx", -1, 10, 1600, false, true, {1, 7}},
        // dW = x^T . dy: [N, 1600]^T . [N, 10] -> [1600, 10]
        MatMulCase{"seed_dw", 1600, -1, 10, true, false, {1, 37}},
        MatMulCase{"odd_dx", -1, 13, 37, false, true, {7}},
        MatMulCase{"odd_dw", 37, -1, 13, true, false, {7}},
        MatMulCase{"static_nn", 19, 23, 5, false, false, {1}},
        MatMulCase{"static_tt", 9, 6, 33, true, true, {1}}),
    [](const auto &info) { return std::string(info.param.name); });

TEST(MatMulBatchSum, DeterministicAcrossThreadCounts) {
  KernelSpec s = KernelSpec::matmulOp("dw", 40, -1, 12, true, false);
  std::vector<Tensor> in = randomInputs(s, 100);
  Halide::Target t = Halide::get_jit_target_from_environment();
  Schedule serial = defaultScheduleFor(s, t);
  serial.parallel = "none";
  JitKernel par = jitDefault(s), ser(s, serial, t);
  Tensor a = runMixed(par, 100, in)[0];
  EXPECT_EQ(a, runMixed(ser, 100, in)[0]);
  EXPECT_EQ(a, runMixed(par, 100, in)[0]);
}

} // namespace
} // namespace kiln::codegen::test
