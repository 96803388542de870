//===- kiln.cpp - The kiln command ----------------------------------------===//
//
// `kiln <command> MODEL [options]`: the user's entry point. MODEL is a Keras
// Python script, a Keras JSON file (model.to_json()) or nn IR (.mlir).
// Every error is printed as `error: ...` (with file, line and caret where
// there is a source) and exits with status 1.
//
//===----------------------------------------------------------------------===//
#include "tools/Commands.h"
#include "runtime/ByteIO.h"
#include "runtime/support/Messages.h"
#include "runtime/support/Signals.h"

#include "llvm/Support/raw_ostream.h"

#ifndef KILN_VERSION
#define KILN_VERSION "unknown"
#endif

namespace kiln {

int fail(const std::string &msg) {
  llvm::errs() << "error: " << shortenMessage(msg) << "\n";
  return 1;
}

int writeOutput(const std::string &path, const std::string &text) {
  if (path.empty() || path == "-") {
    llvm::outs() << text;
    return 0;
  }
  // runtime's writer names the cause (Permission denied, File too large),
  // where llvm::writeFileAtomically says only "atomic_write_error".
  runtime::Status s = runtime::writeFileAtomic(path, text.data(), text.size());
  return s.ok() ? 0 : fail(s.message());
}

const std::vector<Command> &commands() {
  static const std::vector<Command> table = {
      {"summary", "summary MODEL [-o FILE] [--model NAME]",
       "print the model as Keras 3's model.summary() does",
       {{"-o", true, "write to FILE instead of stdout", "--output"},
        {"--model", true,
         "in a script that builds several models, the one named NAME "
         "(default: the one it fits)"}},
       runSummary},
      {"import", "import MODEL [-o FILE]",
       "print the nn IR after shape inference",
       {{"-o", true, "write to FILE instead of stdout", "--output"}},
       runImport},
      {"init", "init MODEL -o W.safetensors|W.keras|W.weights.h5 [--seed S]",
       "write initial weights, as the model's Keras initializers make them",
       {{"-o", true, "the weights file to write", "--output"},
        {"--seed", true, "random seed (default 0)"}},
       runInit},
      {"run", "run MODEL [--weights W] --input X.npy -o Y.npy",
       "run inference (dropout off) on a batch and write the outputs",
       {{"--weights", true, "weights (.safetensors, .weights.h5, .keras, .h5; default: a Keras model file's own)"},
        {"--input", true, "inputs (.npy, float32 or uint8 NHWC)"},
        {"-o", true, "outputs to write (.npy)", "--output"},
        {"--target", true, "Halide target (default host)"},
        {"--schedules", true, "tuned schedules (default ~/.cache/kiln/schedules.json if present)"},
        {"--batch-size", true, "samples per kernel call (default 256)"}},
       runRun},
      {"train",
       "train MODEL [--data mnist|fashion_mnist|DIR|X.npy,Y.npy] [--epochs N] ...",
       "train as the script's compile/fit say (flags override), Keras's output",
       {{"--data", true, "mnist, fashion_mnist, an IDX folder or X.npy,Y.npy"},
        {"--test-data", true, "data to evaluate on at the end"},
        {"--epochs", true, "epochs (default: the script's)"},
        {"--batch-size", true, "batch size (default: the script's)"},
        {"--validation-split", true, "fraction held out (default: the script's)"},
        {"--optimizer", true, "adam (default: the script's)"},
        {"--learning-rate", true, "learning rate (default: the optimizer's)"},
        {"--no-shuffle", false, "keep the training order"},
        {"--seed", true, "seed of initial weights, shuffling, dropout (default 0)"},
        {"--weights", true, "initial weights (.safetensors or a Keras file)"},
        {"--save", true, "write the trained weights (.safetensors, .keras or .weights.h5)"},
        {"--checkpoint", true, "write weights + optimizer state after every epoch"},
        {"--resume", false, "continue from --checkpoint if it exists"},
        {"--history", true, "write per-epoch metrics (JSON)"},
        {"--plot", true, "draw loss and accuracy curves (SVG)"},
        {"--limit", true, "use only the first N samples of each split"},
        {"--schedules", true, "tuned schedules (default ~/.cache/kiln/schedules.json if present)"},
        {"--target", true, "Halide target (default host)"},
        {"--print-ir-after-failure", true, "write the IR to FILE when a pass fails"}},
       runTrain},
      {"evaluate", "evaluate MODEL [--weights W] [--data ...]",
       "print the test loss and accuracy of trained weights",
       {{"--weights", true, "weights (.safetensors, .weights.h5, .keras, .h5; default: a Keras model file's own)"},
        {"--data", true, "data set (its test split is used)"},
        {"--batch-size", true, "batch size (default 128)"},
        {"--limit", true, "use only the first N samples"},
        {"--schedules", true, "tuned schedules (default ~/.cache/kiln/schedules.json if present)"},
        {"--target", true, "Halide target (default host)"},
        {"--print-ir-after-failure", true, "write the IR to FILE when a pass fails"}},
       runEvaluate},
      {"tune", "tune MODEL [--budget 10m] [--db schedules.json] [--report]",
       "search kernel schedules for this machine; compilers reuse them",
       {{"--budget", true, "search time: 90s, 10m, 1h (default 10m; 0: report only)"},
        {"--db", true, "schedule database (default ~/.cache/kiln/schedules.json)"},
        {"--target", true, "Halide target (default host)"},
        {"--training", false, "tune the training step's kernels (default)"},
        {"--inference", false, "tune @forward's kernels"},
        {"--report", false, "print per-kernel and whole-step figures"},
        {"--batch-size", true, "batch to tune at (default: the script's fit, else 128)"},
        {"--no-autoschedulers", false, "skip Halide's autoschedulers"},
        {"--autoscheduler-limit", true, "time limit per autoscheduler run (default 60s)"},
        {"--step-rounds", true, "steps timed per side for --report (default 200)"},
        {"--seed", true, "seed of weights, data and search (default 0)"}},
       runTune},
      {"compile",
       "compile MODEL -o EXE [--emit exe|static-lib] [--dump-ir DIR] [--stats]",
       "compile the model into one executable (train/evaluate/predict) or library",
       {{"-o", true, "the executable (or libNAME.a) to write", "--output"},
        {"--emit", true, "exe (default) or static-lib (+ NAME.h, a C API)"},
        {"--target", true, "Halide target (default host)"},
        {"--schedules", true, "tuned schedules (kiln tune's database)"},
        {"--dump-ir", true, "write the IR after every pass, plans, kernels' .stmt and .s"},
        {"--print-ir-after-failure", true, "write the IR to FILE when a pass fails"},
        {"--stats", false, "print kernels, arena bytes, weight bytes, FLOPs per step"},
        {"--seed", true, "the default of train's --seed (weights, shuffling, dropout masks; default 0)"},
        {"--optimizer", true, "adam, sgd or rmsprop (default: the script's)"},
        {"--learning-rate", true, "learning rate (default: the optimizer's)"}},
       runCompile},
  };
  return table;
}

static std::string usage() {
  std::string s = "kiln " KILN_VERSION
                  ": a compiler and runtime for Keras models\n\n"
                  "usage: kiln <command> MODEL [options]\n\n"
                  "MODEL is a Keras Python script (.py), a Keras JSON file "
                  "from\nmodel.to_json() (.json), a Keras model file from "
                  "model.save() (.keras,\n.h5, .hdf5; its weights come with "
                  "it), or nn IR (.mlir).\n\n"
                  "commands:\n";
  for (const Command &c : commands()) {
    std::string left = "  " + c.name;
    left.resize(12, ' ');
    s += left + c.summary + "\n";
  }
  s += "\n  kiln <command> --help   options of one command\n"
       "  kiln --version          kiln's version\n";
  return s;
}

} // namespace kiln

int main(int argc, char **argv) {
  using namespace kiln;
  reportFileSizeLimitAsError();
  if (argc < 2) {
    llvm::errs() << usage();
    return 1;
  }
  std::string name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    llvm::outs() << usage();
    return 0;
  }
  if (name == "--version") {
    llvm::outs() << "kiln " << KILN_VERSION << " (LLVM/MLIR 14, Halide 14)\n";
    return 0;
  }
  for (const Command &c : commands()) {
    if (c.name != name)
      continue;
    std::string error;
    auto cl = CommandLine::parse(c.options, argc, argv, 2, error);
    if (!cl)
      return fail(error + " (see kiln " + name + " --help)");
    if (cl->has("--help")) {
      llvm::outs() << "usage: kiln " << c.usage << "\n\n"
                   << c.summary << "\n\noptions:\n"
                   << describeOptions(c.options);
      return 0;
    }
    if (cl->positional.size() != 1)
      return fail(cl->positional.empty()
                      ? "kiln " + name + " needs a MODEL file"
                      : "unexpected argument '" + cl->positional[1] + "'");
    return c.run(*cl);
  }
  return fail("unknown command '" + name + "' (see kiln --help)");
}
