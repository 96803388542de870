//===- Passes.h - kiln's passes and pipelines -------------------*- C++ -*-===//
//
// Constructors and registration for every pass declared in Passes.td, and the
// pipelines the tools share (Pipelines.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_PASSES_H
#define KILN_PASSES_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <memory>

namespace kiln {

/// nn-infer-shapes: see Passes.td.
std::unique_ptr<mlir::Pass> createInferShapesPass();

/// nn-build-train-step: see Passes.td.
std::unique_ptr<mlir::Pass> createBuildTrainStepPass();

/// nn-fuse-kernels: see Passes.td.
std::unique_ptr<mlir::Pass> createFuseKernelsPass();

/// The pipeline that prepares functions for lowering to kernels.
void buildKernelPipeline(mlir::OpPassManager &pm);

/// Registers every kiln pass and pipeline with the global registry, so that
/// kiln-opt accepts their flags.
void registerAllKilnPasses();

/// The import pipeline: infer shapes, then canonicalize. What `kiln import`
/// prints.
void buildImportPipeline(mlir::OpPassManager &pm);

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace kiln

#endif // KILN_PASSES_PASSES_H
