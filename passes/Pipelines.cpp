//===- Pipelines.cpp - Pass pipelines shared by every tool ----------------===//
//
// One definition of each pipeline, so that `kiln import`, `kiln-opt` and
// the compiler run the same passes in the same order.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void kiln::buildImportPipeline(OpPassManager &pm) {
  pm.addNestedPass<FuncOp>(createInferShapesPass());
  pm.addPass(createCanonicalizerPass());
}

void kiln::buildKernelPipeline(OpPassManager &pm) {
  pm.addNestedPass<FuncOp>(createFuseKernelsPass());
}

void kiln::registerAllKilnPasses() {
  registerKilnPasses();
  PassPipelineRegistration<>(
      "nn-import-pipeline",
      "What `kiln import` runs: nn-infer-shapes, then canonicalize",
      [](OpPassManager &pm) { buildImportPipeline(pm); });
  PassPipelineRegistration<>(
      "nn-kernel-pipeline",
      "What runs before lowering to kernels: nn-fuse-kernels",
      [](OpPassManager &pm) { buildKernelPipeline(pm); });
}
