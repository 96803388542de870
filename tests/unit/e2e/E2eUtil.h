//===- E2eUtil.h - Shared helpers of the end-to-end tests -------*- C++ -*-===//
//
// What every end-to-end test does first: point the kernel cache into the
// build tree, load a model file into a context, compile a lowered program's
// kernels, and execute a plan a second, independent way: call by call
// through the naive references of tests/reference (runReference), with the
// plan's tensors held as plain vectors.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TESTS_UNIT_E2E_E2EUTIL_H
#define KILN_TESTS_UNIT_E2E_E2EUTIL_H

#include "codegen/ir/KernelLibrary.h"
#include "codegen/ir/LowerToKernels.h"
#include "runtime/exec/Plan.h"
#include "tools/ModelLoader.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/SourceMgr.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln::e2e {

/// Sets KILN_CACHE_DIR to a folder of the build tree (once per process), so
/// that the tests share compiled kernels between runs and never touch the
/// user's cache.
void useTestKernelCache();

/// A model loaded into its own context.
struct Model {
  std::unique_ptr<mlir::MLIRContext> ctx;
  std::unique_ptr<llvm::SourceMgr> sm;
  LoadedModel loaded;
  mlir::ModuleOp module() { return *loaded.built.module; }
};

/// Loads `path` (Python, JSON or .mlir); errors go to stderr. Null on error.
std::unique_ptr<Model> load(const std::string &path);

/// Writes `text` to a fresh file named `name` in a temporary folder of the
/// build tree and returns its path.
std::string writeTemp(const std::string &name, const std::string &text);

/// Runs `plan` with the references of the kernels in `kernels`, for a batch
/// of `n`: `inputs` in the plan's order (n samples each), weights by name.
/// Returns the plan's outputs in order, or fails the current test. With
/// `weightsOut`, also the weights' values after the plan (a training step
/// updates them in place).
std::vector<std::vector<float>>
runPlanWithReferences(const runtime::Plan &plan,
                      const std::map<std::string, codegen::KernelSpec> &kernels,
                      int n, const std::vector<std::vector<float>> &inputs,
                      const std::map<std::string, std::vector<float>> &weights,
                      std::map<std::string, std::vector<float>> *weightsOut =
                          nullptr);

/// max|a - b| / max(1e-6, max|b|).
double relativeError(const std::vector<float> &a, const std::vector<float> &b);

} // namespace kiln::e2e

#endif // KILN_TESTS_UNIT_E2E_E2EUTIL_H
