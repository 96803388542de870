//===- TestModel.h - Build models from text in tests ------------*- C++ -*-===//
#ifndef KILN_TESTS_UNIT_IR_TESTMODEL_H
#define KILN_TESTS_UNIT_IR_TESTMODEL_H

#include "tools/ModelLoader.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <fstream>
#include <string>

namespace kiln::test {

/// A model loaded from a file, with whatever it printed on failure.
struct Loaded {
  std::optional<LoadedModel> model;
  std::string errors;
};

inline Loaded loadFile(mlir::MLIRContext &ctx, llvm::SourceMgr &sm,
                       const std::string &path) {
  Loaded l;
  llvm::raw_string_ostream os(l.errors);
  l.model = loadModel(path, ctx, sm, os);
  os.flush();
  return l;
}

/// Writes `text` to a temporary file with `ext` and loads it.
inline Loaded loadText(mlir::MLIRContext &ctx, llvm::SourceMgr &sm,
                       const std::string &text, const std::string &ext) {
  llvm::SmallString<128> path;
  llvm::sys::fs::createTemporaryFile("kiln-test", ext.substr(1), path);
  std::ofstream(path.c_str()) << text;
  Loaded l = loadFile(ctx, sm, path.str().str());
  llvm::sys::fs::remove(path);
  return l;
}

inline std::string inputPath(const std::string &rel) {
  return std::string(KILN_SOURCE_DIR) + "/" + rel;
}

} // namespace kiln::test

#endif
