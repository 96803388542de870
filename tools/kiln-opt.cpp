//===- kiln-opt.cpp - mlir-opt with the nn dialect and kiln's passes ------===//
//
// An MlirOptMain driver: reads nn IR, runs the passes named on the command
// line (or --pass-pipeline), prints the result. Everything mlir-opt users
// expect works: --print-ir-after-all, --split-input-file,
// --verify-diagnostics, --mlir-print-debuginfo.
//
//===----------------------------------------------------------------------===//
#include "ir/NNDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Dialect.h"
#include "mlir/Support/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"

#ifndef KILN_VERSION
#define KILN_VERSION "unknown"
#endif

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();  // canonicalize, cse, ...
  kiln::registerAllKilnPasses();
  mlir::DialectRegistry registry;
  registry.insert<kiln::nn::NNDialect, mlir::StandardOpsDialect>();
  llvm::cl::AddExtraVersionPrinter([](llvm::raw_ostream &os) {
    os << "kiln-opt (kiln " << KILN_VERSION << ")\n";
  });
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "kiln-opt: the nn dialect's optimizer driver\n", registry,
      /*preloadDialectsInContext=*/false));
}
