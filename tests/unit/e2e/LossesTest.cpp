//===- LossesTest.cpp - The loss ops lowered, against the references ------===//
//
// Tests that every per-sample loss op of the dialect lowers to a kernel and
// computes what the naive references do (Keras's semantics: probabilities
// clipped to [1e-7, 1 - 1e-7]).
//
//===----------------------------------------------------------------------===//
#include "E2eUtil.h"

#include "codegen/ir/KernelLibrary.h"
#include "codegen/ir/LowerToKernels.h"

#include <gtest/gtest.h>

#include <random>

using namespace kiln;

namespace {

TEST(Losses, EveryLossOpLowersAndMatchesTheReferences) {
  e2e::useTestKernelCache();
  std::string path = e2e::writeTemp("losses.mlir", R"(
func @forward(%p: tensor<?x5xf32>, %t: tensor<?x5xf32>) -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) {
  %0 = nn.categorical_crossentropy %p, %t : (tensor<?x5xf32>, tensor<?x5xf32>) -> tensor<?xf32>
  %1 = nn.binary_crossentropy %p, %t : (tensor<?x5xf32>, tensor<?x5xf32>) -> tensor<?xf32>
  %2 = nn.mean_squared_error %p, %t : (tensor<?x5xf32>, tensor<?x5xf32>) -> tensor<?xf32>
  return %0, %1, %2 : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>
}
)");
  auto model = e2e::load(path);
  ASSERT_TRUE(model);
  auto program = lowerToKernels(model->module().lookupSymbol<mlir::FuncOp>("forward"));
  ASSERT_TRUE(program);
  auto lib = KernelLibrary::load(program->kernels, "host", false);
  ASSERT_TRUE(lib.ok()) << lib.status().message();
  auto exec = runtime::Executor::create(program->plan, (*lib)->resolver());
  ASSERT_TRUE(exec.ok()) << exec.status().message();

  const int n = 7;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> p(n * 5), t(n * 5, 0.0f);
  for (float &v : p)
    v = u(rng);
  p[3] = 0.0f;  // exercises the clipping
  for (int i = 0; i < n; ++i)
    t[i * 5 + rng() % 5] = 1.0f;
  std::vector<std::vector<float>> out(3, std::vector<float>(n));
  runtime::Status s = (*exec)->run(
      n, {p.data(), t.data()}, {out[0].data(), out[1].data(), out[2].data()});
  ASSERT_TRUE(s.ok()) << s.message();
  auto ref = e2e::runPlanWithReferences(program->plan, program->kernels, n,
                                        {p, t}, {});
  ASSERT_EQ(ref.size(), 3u);
  for (int k = 0; k < 3; ++k)
    EXPECT_LE(e2e::relativeError(out[k], ref[k]), 1e-5) << "loss " << k;
  // Mean squared error by hand, as a check on the references themselves.
  for (int i = 0; i < n; ++i) {
    double mse = 0;
    for (int c = 0; c < 5; ++c)
      mse += (p[i * 5 + c] - t[i * 5 + c]) * (p[i * 5 + c] - t[i * 5 + c]);
    EXPECT_NEAR(out[2][i], mse / 5, 1e-5);
  }
}

} // namespace
