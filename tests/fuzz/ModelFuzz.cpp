//===- ModelFuzz.cpp - Fuzz target: model files through kiln::loadModel ---===//
//
// One source for three targets, built with KILN_FUZZ_EXT ".py", ".json" or
// ".mlir": each input is saved under that extension and loaded with
// kiln::loadModel, the entry point of every kiln command. So the Python
// subset (lexer, parser, interpreter) and the Keras JSON reader run on to
// the layer table and the model builder (nn IR with shapes inferred op by
// op) whenever the input reads, and nn IR goes through MLIR's parser, the
// verifier and the import pipeline. The result is thrown away: a finding is
// a crash, a sanitizer report, a leak or a hang, not an error message.
//
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"
#include "tools/ModelLoader.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#ifndef KILN_FUZZ_EXT
#error "build with -DKILN_FUZZ_EXT=\".py\" (or .json, .mlir)"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = kiln::fuzz::scratchPath("model" KILN_FUZZ_EXT);
  kiln::fuzz::writeInput(path, data, size);
  // A fresh context per input, as each kiln command has: no state carries
  // over from one input to the next. No threads: one input, one thread.
  mlir::MLIRContext ctx(mlir::MLIRContext::Threading::DISABLED);
  llvm::SourceMgr sm;
  (void)kiln::loadModel(path, ctx, sm, llvm::nulls());
  return 0;
}
