//===- FusionEquivalenceTest.cpp - Fused kernels compute what unfused do --===//
//
// Every fusion is checked numerically: the same model lowered with and
// without nn-fuse-kernels, run on the same random inputs and weights, must
// agree within 1e-5 (relative to the output's scale).
//
//===----------------------------------------------------------------------===//
#include "codegen/ir/KernelLibrary.h"
#include "codegen/ir/LowerToKernels.h"
#include "tools/ModelLoader.h"
#include "tools/Weights.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>

using namespace kiln;
using namespace kiln::runtime;

namespace {

/// Runs `func` lowered with or without fusion on `x` (batch n).
std::vector<float> runForward(mlir::FuncOp func, bool fuse,
                              SafetensorsData &weights,
                              const std::vector<float> &x, int n) {
  auto program = lowerToKernels(func, fuse);
  EXPECT_TRUE(program);
  if (!program)
    return {};
  auto lib = KernelLibrary::load(program->kernels, "host", false);
  EXPECT_TRUE(lib.ok()) << (lib.ok() ? "" : lib.status().message());
  auto exec = Executor::create(program->plan, (*lib)->resolver());
  EXPECT_TRUE(exec.ok());
  for (auto &[name, t] : weights.tensors)
    EXPECT_TRUE((*exec)->bindWeight(name, t.data<float>()).ok());
  const auto &out = program->plan.tensors[program->plan.outputs[0]];
  std::vector<float> y(out.elementsPerSample() * n);
  Status s = (*exec)->run(n, {x.data()}, {y.data()});
  EXPECT_TRUE(s.ok()) << s.message();
  return y;
}

void checkModel(const std::string &path, int expectFused) {
  setenv("KILN_CACHE_DIR", KILN_BINARY_DIR "/tests/kernel-cache", 1);
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  std::string errors;
  llvm::raw_string_ostream os(errors);
  auto model = loadModel(std::string(KILN_SOURCE_DIR) + "/" + path, ctx, sm, os);
  ASSERT_TRUE(model) << os.str();
  mlir::ModuleOp module = *model->built.module;
  auto weights = initialWeights(module, 3);
  ASSERT_TRUE(weights.ok());
  auto unfused = module.lookupSymbol<mlir::FuncOp>("forward").clone();
  auto fused = module.lookupSymbol<mlir::FuncOp>("forward");
  auto in = unfused.getType().getInput(0).cast<mlir::RankedTensorType>();
  int64_t per = 1;
  for (int64_t d : in.getShape().drop_front())
    per *= d;
  const int n = 3;
  std::vector<float> x(per * n);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0, 1);
  for (float &v : x)
    v = u(rng);
  auto a = runForward(unfused, false, *weights, x, n);
  auto b = runForward(fused, true, *weights, x, n);
  int groups = 0;
  fused.walk([&](mlir::Operation *op) {
    groups += op->getName().getStringRef() == "nn.fused";
  });
  EXPECT_EQ(groups, expectFused) << path;
  ASSERT_EQ(a.size(), b.size());
  float scale = 1e-6f;
  for (float v : a)
    scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], b[i], 1e-5f * scale) << path << " element " << i;
  unfused.erase();
}

TEST(FusionEquivalence, SeedConvReluPoolAndDenseSoftmax) {
  checkModel("examples/mnist_convnet.py", 3);
}

TEST(FusionEquivalence, Keras3ConvNet) {
  // conv+relu+pool twice, dense+relu, dense+softmax.
  checkModel("tests/inputs/json/keras3_seq_cnn_mnist.json", 4);
}

} // namespace
