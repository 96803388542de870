//===- kiln.cpp - The kiln command ----------------------------------------===//
//
// `kiln <command> MODEL [options]`: the user's entry point. MODEL is a Keras
// Python script, a Keras JSON file (model.to_json()) or nn IR (.mlir).
// Every error is printed as `error: ...` (with file, line and caret where
// there is a source) and exits with status 1.
//
//===----------------------------------------------------------------------===//
#include "frontend/Summary.h"
#include "tools/ModelLoader.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <string>
#include <vector>

#ifndef KILN_VERSION
#define KILN_VERSION "unknown"
#endif

namespace {

const char *kUsage = R"(kiln: a compiler and runtime for Keras models

usage: kiln <command> MODEL [options]

MODEL is a Keras Python script (.py), a Keras JSON file from
model.to_json() (.json), or nn IR (.mlir).

commands:
  summary MODEL            print the model as Keras 3's model.summary() does
  import MODEL [-o FILE]   print the nn IR after shape inference
                           (to FILE with -o, written atomically)

options:
  -h, --help               show this help (also: kiln <command> --help)
  --version                show kiln's version
)";

int fail(const std::string &msg) {
  llvm::errs() << "error: " << msg << "\n";
  return 1;
}

/// Parsed command line of one subcommand: one positional MODEL, options.
struct Args {
  std::string model;
  std::string output;
  bool help = false;
};

bool parseArgs(int argc, char **argv, int first, Args &args,
               std::string &error) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      args.help = true;
    } else if (a == "-o") {
      if (i + 1 >= argc) {
        error = "-o needs a file name";
        return false;
      }
      args.output = argv[++i];
    } else if (!a.empty() && a[0] == '-') {
      error = "unknown option '" + a + "'";
      return false;
    } else if (args.model.empty()) {
      args.model = a;
    } else {
      error = "unexpected argument '" + a + "'";
      return false;
    }
  }
  return true;
}

int writeOutput(const std::string &path, const std::string &text) {
  if (path.empty() || path == "-") {
    llvm::outs() << text;
    return 0;
  }
  if (auto err = llvm::writeFileAtomically(path + ".tmp%%%%%%", path, text)) {
    std::string msg;
    llvm::raw_string_ostream os(msg);
    os << err;
    llvm::consumeError(std::move(err));
    return fail("cannot write '" + path + "': " + os.str());
  }
  return 0;
}

int runSummary(const Args &args) {
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto model = kiln::loadModel(args.model, ctx, sm, llvm::errs());
  if (!model)
    return 1;
  if (!model->keras)
    return fail("'" + args.model + "' is nn IR: a summary needs the Keras "
                "model (.py or .json) that names the layers");
  return writeOutput(args.output,
                     kiln::frontend::renderSummary(
                         model->built, kiln::frontend::terminalColumns()));
}

int runImport(const Args &args) {
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto model = kiln::loadModel(args.model, ctx, sm, llvm::errs());
  if (!model)
    return 1;
  std::string text;
  llvm::raw_string_ostream os(text);
  model->built.module->print(os);
  return writeOutput(args.output, os.str());
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    llvm::errs() << kUsage;
    return 1;
  }
  std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    llvm::outs() << kUsage;
    return 0;
  }
  if (cmd == "--version") {
    llvm::outs() << "kiln " << KILN_VERSION
                 << " (LLVM/MLIR 14, Halide 14)\n";
    return 0;
  }
  using Runner = int (*)(const Args &);
  Runner run = cmd == "summary" ? runSummary
               : cmd == "import" ? runImport
                                 : nullptr;
  if (!run)
    return fail("unknown command '" + cmd + "' (see kiln --help)");
  Args args;
  std::string error;
  if (!parseArgs(argc, argv, 2, args, error))
    return fail(error + " (see kiln " + cmd + " --help)");
  if (args.help) {
    llvm::outs() << kUsage;
    return 0;
  }
  if (args.model.empty())
    return fail("kiln " + cmd + " needs a MODEL file");
  return run(args);
}
