//===- bench_model.cpp - Whole-model throughput, latency, training step ---===//
//
// Measures what docs/PERFORMANCE.md reports for whole models:
//   bench_model MODEL [--batch 128] [--runs 50] [--compare-fuse OPTIONS]
// prints the forward pass's throughput (images/s) at the batch size and its
// latency at batch 1, the training step's time (ms/step) at the batch size,
// and the peak resident memory of the process. Each figure is the median of
// --runs timed runs after warm-up. Kernels come from the kiln cache, as
// `kiln run` and `kiln train` use them. With --compare-fuse, the training
// step is also lowered with nn-fuse-kernels{OPTIONS} (all=1: every group
// canAbsorb allows; skip=OP: OP heads none) and the two steps are timed
// alternately, run for run, so that a fusion is measured against its
// absence under the same noise.
//
//===----------------------------------------------------------------------===//
#include "codegen/ir/KernelLibrary.h"
#include "tools/DiagnosticPrinter.h"
#include "codegen/ir/LowerToKernels.h"
#include "passes/Passes.h"
#include "runtime/exec/PlanModel.h"
#include "tools/ModelLoader.h"
#include "tools/Weights.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sys/resource.h>

using namespace kiln;
using namespace kiln::runtime;

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <typename F> static double timeMs(F &&f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
      .count();
}

static void die(const std::string &msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  std::exit(1);
}

int main(int argc, char **argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help")) {
    std::printf("usage: bench_model MODEL [--batch N] [--runs R] "
                "[--compare-fuse OPTIONS]\n");
    return argc < 2;
  }
  std::string path = argv[1];
  int batch = 128, runs = 50;
  std::string variantOptions;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--batch"))
      batch = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--runs"))
      runs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--compare-fuse"))
      variantOptions = argv[i + 1];
    else
      die(std::string("unknown option ") + argv[i]);
  }
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto model = loadModel(path, ctx, sm, llvm::errs());
  if (!model)
    return 1;
  mlir::ModuleOp module = *model->built.module;
  DiagnosticPrinter handler(sm, &ctx, llvm::errs());
  mlir::PassManager pm(&ctx);
  pm.addPass(createBuildTrainStepPass());
  bool canTrain = mlir::succeeded(pm.run(module));

  auto forward = lowerToKernels(module.lookupSymbol<mlir::FuncOp>("forward"));
  if (!forward)
    return 1;
  auto kernels = forward->kernels;
  std::optional<KernelProgram> train, eval, variant;
  if (canTrain && !variantOptions.empty()) {
    // The variant: a copy of the training step fused with the options.
    auto copy = module.lookupSymbol<mlir::FuncOp>("train_step").clone();
    copy.setName("train_step_variant");
    module.push_back(copy);
    auto fuse = createFuseKernelsPass();
    if (mlir::failed(fuse->initializeOptions(variantOptions)))
      die("bad --compare-fuse " + variantOptions);
    mlir::PassManager fpm(&ctx, mlir::FuncOp::getOperationName());
    fpm.addPass(std::move(fuse));
    if (mlir::failed(fpm.run(copy)))
      return 1;
    variant = lowerToKernels(copy, /*fuse=*/false);
    if (!variant)
      return 1;
    kernels.insert(variant->kernels.begin(), variant->kernels.end());
  }
  if (canTrain) {
    train = lowerToKernels(module.lookupSymbol<mlir::FuncOp>("train_step"));
    eval = lowerToKernels(module.lookupSymbol<mlir::FuncOp>("eval_step"));
    if (!train || !eval)
      return 1;
    kernels.insert(train->kernels.begin(), train->kernels.end());
    kernels.insert(eval->kernels.begin(), eval->kernels.end());
  }
  auto lib = KernelLibrary::load(kernels, "host", true);
  if (!lib.ok())
    die(lib.status().message());
  auto weights = initialWeights(module, 0);
  if (!weights.ok())
    die(weights.status().message());

  // Forward: throughput at `batch`, latency at 1.
  auto exec = Executor::create(forward->plan, (*lib)->resolver());
  if (!exec.ok())
    die(exec.status().message());
  for (auto &[name, t] : weights->tensors)
    (void)(*exec)->bindWeight(name, t.data<float>());
  const auto &inT = forward->plan.tensors[forward->plan.inputs[0]];
  const auto &outT = forward->plan.tensors[forward->plan.outputs[0]];
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0, 1);
  auto alloc = [](size_t n) {
    void *p = nullptr;
    if (posix_memalign(&p, 64, std::max<size_t>(n, 16) * 4))
      die("out of memory");
    return static_cast<float *>(p);
  };
  float *x = alloc(inT.elementsPerSample() * batch);
  float *y = alloc(outT.elementsPerSample() * batch);
  for (int64_t i = 0; i < inT.elementsPerSample() * batch; ++i)
    x[i] = u(rng);
  auto forwardRun = [&](int n) {
    Status s = (*exec)->run(n, {x}, {y});
    if (!s.ok())
      die(s.message());
  };
  std::vector<double> big, one;
  for (int i = 0; i < 5; ++i)
    forwardRun(batch), forwardRun(1);
  for (int i = 0; i < runs; ++i) {
    big.push_back(timeMs([&] { forwardRun(batch); }));
    one.push_back(timeMs([&] { forwardRun(1); }));
  }
  double fwd = median(big), lat = median(one);
  std::printf("model: %s\n", path.c_str());
  std::printf("forward  batch %d: %.3f ms  (%.0f images/s)\n", batch, fwd,
              batch * 1000.0 / fwd);
  std::printf("forward  batch 1: %.3f ms latency\n", lat);

  if (canTrain) {
    auto pmodel = PlanModel::create(train->plan, eval->plan, (*lib)->resolver(),
                                    std::move(weights->tensors));
    if (!pmodel.ok())
      die(pmodel.status().message());
    int64_t classes = (*pmodel)->numClasses();
    std::vector<float> targets(batch * classes, 0.0f);
    for (int i = 0; i < batch; ++i)
      targets[i * classes + i % classes] = 1.0f;
    Batch b{x, targets.data(), batch};
    StepResult r;
    std::vector<double> steps;
    for (int i = 0; i < 5; ++i)
      (void)(*pmodel)->trainStep(b, i, r);
    (*pmodel)->trainExecutor().setProfiling(true);
    std::unique_ptr<PlanModel> base;
    std::vector<double> baseSteps;
    if (variant) {
      auto w = initialWeights(module, 0);
      if (!w.ok())
        die(w.status().message());
      auto pm2 = PlanModel::create(variant->plan, eval->plan,
                                   (*lib)->resolver(), std::move(w->tensors));
      if (!pm2.ok())
        die(pm2.status().message());
      base = std::move(*pm2);
      for (int i = 0; i < 5; ++i)
        (void)base->trainStep(b, i, r);
      base->trainExecutor().setProfiling(true);
    }
    for (int i = 0; i < runs; ++i) {
      steps.push_back(timeMs([&] {
        Status s = (*pmodel)->trainStep(b, 5 + i, r);
        if (!s.ok())
          die(s.message());
      }));
      if (base)
        baseSteps.push_back(timeMs([&] {
          Status s = base->trainStep(b, 5 + i, r);
          if (!s.ok())
            die(s.message());
        }));
    }
    std::printf("train step batch %d: %.3f ms/step\n", batch, median(steps));
    if (base) {
      double fastest = *std::min_element(steps.begin(), steps.end());
      double baseFastest =
          *std::min_element(baseSteps.begin(), baseSteps.end());
      std::printf("variant (nn-fuse-kernels %s), interleaved: %.3f ms/step; "
                  "variant / default: %.3fx by the median, %.3fx by the "
                  "fastest run\n",
                  variantOptions.c_str(), median(baseSteps),
                  median(baseSteps) / median(steps), baseFastest / fastest);
    }
    std::printf("\ntraining step, per kernel (mean over the runs):\n%s\n",
                (*pmodel)->trainExecutor().profileReport().c_str());
    if (base)
      std::printf("variant training step, per kernel:\n%s\n",
                  base->trainExecutor().profileReport().c_str());
  } else {
    std::printf("train step: not available (the model cannot be trained yet)\n");
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak resident memory: %.1f MB\n", ru.ru_maxrss / 1024.0);
  return 0;
}
