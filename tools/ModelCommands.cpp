//===- ModelCommands.cpp - kiln summary, kiln import ----------------------===//
//
// The commands that only read a model: its Keras summary and its nn IR.
//
//===----------------------------------------------------------------------===//
#include "frontend/Summary.h"
#include "tools/Commands.h"
#include "tools/ModelLoader.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln {

int runSummary(const CommandLine &cl) {
  const std::string &path = cl.positional[0];
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto model = loadModel(path, ctx, sm, llvm::errs(), cl.get("--model"));
  if (!model)
    return 1;
  if (!model->keras)
    return fail("'" + path + "' is nn IR: a summary needs the Keras model "
                "(.py or .json) that names the layers");
  return writeOutput(cl.get("-o"), frontend::renderSummary(
                                        model->built,
                                        frontend::terminalColumns()));
}

int runImport(const CommandLine &cl) {
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto model = loadModel(cl.positional[0], ctx, sm, llvm::errs());
  if (!model)
    return 1;
  std::string text;
  llvm::raw_string_ostream os(text);
  model->built.module->print(os);
  return writeOutput(cl.get("-o"), os.str());
}

} // namespace kiln
