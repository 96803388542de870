//===- JsonTrainTest.cpp - The real Keras JSON models train ---------------===//
//
// Tests that nn-build-train-step, lowering and the kernels carry the two
// functional Keras 2 models of tests/inputs/json/ that need more than the
// seed's ops: ResNet (malaria) with batch normalisation, residual adds,
// average pooling and L1L2 regularizers, and SqueezeNet with concatenated
// fire modules, global average pooling and a softmax Activation. Each
// trains a few Adam steps on one small random batch of its input shape:
// every loss is finite and the evaluation loss on that batch falls.
// (Gradients are checked against finite differences in GradientTest.cpp on
// small models with the same ops.)
//
//===----------------------------------------------------------------------===//
#include "tests/unit/e2e/E2eUtil.h"

#include "passes/Passes.h"
#include "runtime/exec/PlanModel.h"
#include "tools/Weights.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace kiln::e2e {
namespace {

using runtime::PlanModel;

void trainsOnRandomData(const std::string &file, int64_t n) {
  useTestKernelCache();
  auto model = load(std::string(KILN_SOURCE_DIR) + "/tests/inputs/json/" + file);
  ASSERT_TRUE(model) << file;
  mlir::ModuleOp module = model->module();
  mlir::SourceMgrDiagnosticHandler handler(*model->sm, model->ctx.get(),
                                           llvm::errs());
  mlir::PassManager pm(model->ctx.get());
  pm.addPass(createBuildTrainStepPass());
  ASSERT_TRUE(mlir::succeeded(pm.run(module)))
      << "nn-build-train-step failed on " << file;
  auto train = lowerToKernels(module.lookupSymbol<mlir::FuncOp>("train_step"));
  auto eval = lowerToKernels(module.lookupSymbol<mlir::FuncOp>("eval_step"));
  ASSERT_TRUE(train && eval) << "cannot lower the steps of " << file;
  auto kernels = train->kernels;
  kernels.insert(eval->kernels.begin(), eval->kernels.end());
  auto lib = KernelLibrary::load(kernels, "host", false);
  ASSERT_TRUE(lib.ok()) << lib.status().message();
  auto weights = initialWeights(module, 1);
  ASSERT_TRUE(weights.ok()) << weights.status().message();
  auto made = PlanModel::create(train->plan, eval->plan, (*lib)->resolver(),
                                std::move(weights->tensors));
  ASSERT_TRUE(made.ok()) << made.status().message();
  PlanModel &m = **made;

  // One batch of n random images in [0, 1) with random one-hot targets.
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  int64_t per = 1;
  for (int64_t d : m.inputShape())
    per *= d;
  int64_t classes = m.numClasses();
  std::vector<float> x(per * n), y(classes * n, 0.0f);
  for (float &v : x)
    v = u(rng);
  for (int64_t i = 0; i < n; ++i)
    y[i * classes + rng() % classes] = 1;
  runtime::Batch batch{x.data(), y.data(), n};

  auto evalLoss = [&]() {
    runtime::StepResult r;
    runtime::Status s = m.evalStep(batch, r);
    EXPECT_TRUE(s.ok()) << s.message();
    return r.lossSum / n;
  };
  double before = evalLoss();
  ASSERT_TRUE(std::isfinite(before)) << file;
  for (int64_t step = 0; step < 4; ++step) {
    runtime::StepResult r;
    runtime::Status s = m.trainStep(batch, step, r);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_TRUE(std::isfinite(r.lossSum)) << file << " step " << step;
  }
  double after = evalLoss();
  llvm::outs() << file << ": " << classes << " classes, loss " << before
               << " -> " << after << " after 4 steps\n";
  EXPECT_TRUE(std::isfinite(after)) << file;
  EXPECT_LT(after, before) << file << ": the loss on the trained batch";
}

TEST(JsonTrain, ResNetMalaria) {
  trainsOnRandomData("keras2_func_resnet_malaria.json", 2);
}

TEST(JsonTrain, SqueezeNet) {
  trainsOnRandomData("keras2_func_squeezenet.json", 2);
}

} // namespace
} // namespace kiln::e2e
