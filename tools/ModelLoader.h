//===- ModelLoader.h - Any model file -> nn IR ------------------*- C++ -*-===//
//
// What every kiln command starts with: read MODEL (a Keras Python script, a
// Keras JSON file, or textual nn IR, chosen by extension), build or parse it
// into an nn module, and infer shapes. Errors are printed with file, line,
// column and a caret; the caller exits with status 1.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_MODELLOADER_H
#define KILN_TOOLS_MODELLOADER_H

#include "frontend/ModelBuilder.h"
#include "runtime/Safetensors.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>
#include <optional>
#include <string>

namespace kiln {

namespace keras {
struct KerasFile;
}

/// A loaded model. `keras` is false for .mlir input, which has no layers
/// and so no Keras summary.
struct LoadedModel {
  frontend::BuiltModel built;
  bool keras = true;
  /// A Keras model file (.keras, .h5): the open file (its optimizer state
  /// is read once the training step is built), its weights (by the
  /// model's weight names) and its config JSON (reused by --save x.keras).
  std::shared_ptr<keras::KerasFile> kerasFile;
  std::optional<runtime::SafetensorsData> fileWeights;
  std::string kerasConfig;
};

/// The largest model file (.py, .json, .mlir) kiln reads.
constexpr uint64_t kMaxModelFileBytes = uint64_t(256) << 20;

/// Loads `path` into `ctx`. `sm` owns the source buffer (diagnostics point
/// into it). Returns nullopt after printing an error to `errs`. In a Python
/// script that builds several models, `modelName` picks one by name.
std::optional<LoadedModel> loadModel(const std::string &path,
                                     mlir::MLIRContext &ctx,
                                     llvm::SourceMgr &sm,
                                     llvm::raw_ostream &errs,
                                     const std::string &modelName = "");

/// Registers the dialects every kiln tool needs.
void registerDialects(mlir::MLIRContext &ctx);

} // namespace kiln

#endif // KILN_TOOLS_MODELLOADER_H
