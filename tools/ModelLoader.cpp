//===- ModelLoader.cpp - Any model file -> nn IR --------------------------===//
//
// Dispatches on the file extension to the Keras Python reader, the Keras
// JSON reader, or MLIR's parser, then runs the import pipeline.
//
//===----------------------------------------------------------------------===//
#include "tools/ModelLoader.h"
#include "tools/DiagnosticPrinter.h"
#include "tools/KerasModel.h"
#include "frontend/Frontends.h"
#include "frontend/KerasConfig.h"
#include "ir/NNDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace kiln {

void registerDialects(MLIRContext &ctx) {
  ctx.loadDialect<nn::NNDialect, StandardOpsDialect>();
}

std::optional<LoadedModel> loadModel(const std::string &path, MLIRContext &ctx,
                                     llvm::SourceMgr &sm,
                                     llvm::raw_ostream &errs,
                                     const std::string &modelName) {
  registerDialects(ctx);
  if (isKerasFilePath(path))
    return loadKerasModel(path, ctx, sm, errs);
  // A model description is kilobytes (a ResNet's Keras JSON: 45 KB); one
  // above the limit is refused before it is read (docs/LIMITS.md).
  uint64_t size = 0;
  if (!llvm::sys::fs::file_size(path, size) && size > kMaxModelFileBytes) {
    errs << "error: '" << path << "': the file has " << size
         << " bytes; a model file may have at most " << kMaxModelFileBytes
         << " (" << (kMaxModelFileBytes >> 20) << " MB)\n";
    return std::nullopt;
  }
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!file) {
    errs << "error: cannot read '" << path << "': " << file.getError().message()
         << "\n";
    return std::nullopt;
  }
  unsigned id = sm.AddNewSourceBuffer(std::move(*file), llvm::SMLoc());
  llvm::StringRef ext = llvm::sys::path::extension(path);

  if (ext == ".mlir") {
    DiagnosticPrinter handler(sm, &ctx, errs);
    OwningOpRef<ModuleOp> module = parseSourceFile(sm, &ctx);
    if (!module)
      return std::nullopt;
    PassManager pm(&ctx);
    buildImportPipeline(pm);
    if (failed(pm.run(*module)))
      return std::nullopt;
    LoadedModel loaded;
    loaded.keras = false;
    loaded.built.module = std::move(module);
    loaded.built.name = llvm::sys::path::stem(path).str();
    return loaded;
  }

  std::optional<frontend::ModelSpec> spec;
  if (ext == ".py") {
    frontend::PythonOptions options;
    options.model = modelName;
    spec = frontend::parsePythonModel(sm, id, errs, options);
  } else if (!modelName.empty()) {
    errs << "error: --model picks a model of a Python script; '" << path
         << "' is not one\n";
    return std::nullopt;
  } else if (ext == ".json") {
    spec = frontend::parseKerasJson(sm, id, errs);
  } else {
    errs << "error: '" << path
         << "': unknown model format (expected .py, .json, .mlir, .keras, .h5 or .hdf5)\n";
    return std::nullopt;
  }
  if (!spec)
    return std::nullopt;
  auto built = frontend::buildModel(*spec, ctx, sm, errs);
  if (!built)
    return std::nullopt;
  LoadedModel loaded;
  loaded.built = std::move(*built);
  // Keras 3 JSON is already config.json; other models get one written, so
  // that --save x.keras can write a whole Keras file.
  std::string why;
  llvm::StringRef text = sm.getMemoryBuffer(id)->getBuffer();
  if (ext == ".json" && text.contains("\"registered_name\""))
    loaded.kerasConfig = text.str();
  else if (auto config = frontend::kerasConfigJson(*spec, loaded.built, why))
    loaded.kerasConfig = *config;
  return loaded;
}

} // namespace kiln
