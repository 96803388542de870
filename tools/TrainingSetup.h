//===- TrainingSetup.h - Model -> training plans, shared by tools -*- C++ -*-===//
//
// What `kiln train`, `kiln evaluate` and `kiln compile` share: the script's
// fit() defaults, nn-build-train-step with the command's options (the IR
// optionally dumped after every pass), the lowering of @train_step,
// @eval_step and @forward to plans and kernels, and the weights manifest a
// compiled executable initialises its weights from.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_TRAININGSETUP_H
#define KILN_TOOLS_TRAININGSETUP_H

#include "codegen/ir/LowerToKernels.h"
#include "runtime/support/CommandLine.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/SourceMgr.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

/// The script's model.fit()/load_data() settings, Keras's defaults where it
/// says nothing.
struct FitDefaults {
  int64_t epochs = 1;
  int64_t batchSize = 32;
  double validationSplit = 0;
  std::string dataset;  ///< "" when the script loads none
};
FitDefaults fitDefaults(mlir::ModuleOp module);

/// The train/eval/forward programs of a model and all their kernels.
struct TrainingPrograms {
  KernelProgram train, eval, forward;
  std::map<std::string, codegen::KernelSpec> kernels;  ///< union, by symbol
};

/// Where --dump-ir writes the IR: "NN-<pass>.mlir" per pass, listed in
/// `files` in order.
struct IRDump {
  std::string dir;
  std::vector<std::string> files;
};

/// Runs nn-build-train-step (options from --optimizer, --learning-rate and
/// `seed`) on `module` and lowers the three functions. (The one place where
/// buildKernelPipeline belongs once it handles @train_step.) Errors are printed
/// (located where there is a source, short: tools/DiagnosticPrinter.h) and
/// nullopt returned. With `dump`, the IR before the first pass and after
/// every pass goes to files; otherwise with --print-ir-after-failure FILE,
/// the IR a failing pass left goes to FILE.
std::optional<TrainingPrograms>
buildTrainingPrograms(const CommandLine &cl, mlir::ModuleOp module,
                      llvm::SourceMgr &sm, uint64_t seed, IRDump *dump = nullptr);

/// Every nn.weight of `module` (after nn-build-train-step: optimizer state
/// included) as Embedded.h's manifest describes.
nlohmann::json weightManifest(mlir::ModuleOp module);

} // namespace kiln

#endif // KILN_TOOLS_TRAININGSETUP_H
