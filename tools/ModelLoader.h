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

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/SourceMgr.h"

#include <optional>
#include <string>

namespace kiln {

/// A loaded model. `keras` is false for .mlir input, which has no layers
/// and so no Keras summary.
struct LoadedModel {
  frontend::BuiltModel built;
  bool keras = true;
};

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
