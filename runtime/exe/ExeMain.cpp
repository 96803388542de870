//===- ExeMain.cpp - The command line of a compiled model -----------------===//
//
// `EXE train|evaluate|predict|summary`, with kiln train's flags, output and
// exit codes: everything bad prints `error: ...` and exits 1. The model, its
// plans, kernels and defaults come from the embedded structure the generated
// source defines; this file is linked from libKilnExeMain.a.
//
//===----------------------------------------------------------------------===//
#include "runtime/Npy.h"
#include "runtime/exe/CompiledModel.h"
#include "runtime/exe/Embedded.h"
#include "runtime/exe/TrainDriver.h"
#include "runtime/exe/TrainFlags.h"
#include "runtime/exec/HalideErrors.h"
#include "runtime/train/Trainer.h"
#include "runtime/train/TrainingData.h"
#include "runtime/support/CommandLine.h"
#include "runtime/support/Messages.h"
#include "runtime/support/Signals.h"

#include <cstdio>
#include <iostream>

using namespace kiln;
using namespace kiln::runtime;

namespace {

int fail(const std::string &msg) {
  std::cerr << "error: " << shortenMessage(msg) << "\n";
  return 1;
}

struct ExeCommand {
  std::string name, usage, summary;
  std::vector<OptionSpec> options;
};

const std::vector<ExeCommand> &exeCommands() {
  static const std::vector<ExeCommand> table = {
      {"train", "train [--data ...] [--epochs N] [--checkpoint CKPT [--resume]] ...",
       "train as the script's compile/fit say (flags override), Keras's output",
       {{"--data", true, "mnist, fashion_mnist, an IDX folder or X.npy,Y.npy"},
        {"--test-data", true, "data to evaluate on at the end"},
        {"--epochs", true, "epochs (default: the script's)"},
        {"--batch-size", true, "batch size (default: the script's)"},
        {"--validation-split", true, "fraction held out (default: the script's)"},
        {"--no-shuffle", false, "keep the training order"},
        {"--seed", true, "seed of initial weights, shuffling and dropout "
                         "masks (default: kiln compile's --seed)"},
        {"--weights", true, "initial weights (safetensors)"},
        {"--checkpoint", true, "write weights + optimizer state after every epoch"},
        {"--resume", false, "continue from --checkpoint if it exists"},
        {"--save", true, "write the trained weights (safetensors)"},
        {"--history", true, "write per-epoch metrics (JSON)"},
        {"--plot", true, "draw loss and accuracy curves (SVG)"},
        {"--limit", true, "use only the first N samples of each split"}}},
      {"evaluate", "evaluate --weights W [--data ...]",
       "print the test loss and accuracy of trained weights",
       {{"--weights", true, "weights (safetensors)"},
        {"--data", true, "data set (its test split is used)"},
        {"--batch-size", true, "batch size (default 128)"},
        {"--limit", true, "use only the first N samples"}}},
      {"predict", "predict --weights W --input X.npy -o Y.npy",
       "run inference (dropout off) on a batch and write the outputs",
       {{"--weights", true, "weights (safetensors)"},
        {"--input", true, "inputs (.npy, float32 or uint8 NHWC)"},
        {"-o", true, "outputs to write (.npy)", "--output"},
        {"--batch-size", true, "samples per kernel call (default 256)"}}},
      {"summary", "summary", "print the model as Keras 3's model.summary() does", {}},
  };
  return table;
}

std::string usage(const char *argv0, const exe::CompiledModel &m) {
  std::string s = std::string("usage: ") + argv0 + " <command> [options]\n\n" +
                  "the model '" + m.defaults().model + "' compiled by kiln " +
                  m.defaults().kilnVersion + " for " + m.defaults().target +
                  "\n\ncommands:\n";
  for (const ExeCommand &c : exeCommands()) {
    std::string left = "  " + c.name;
    left.resize(12, ' ');
    s += left + c.summary + "\n";
  }
  s += "\n  " + std::string(argv0) + " <command> --help   options of one command\n";
  return s;
}

int runTrain(const exe::CompiledModel &m, const CommandLine &cl) {
  const exe::CompileDefaults &d = m.defaults();
  std::string error;
  exe::TrainFlagDefaults defaults{d.dataset, d.epochs, d.batchSize,
                                  d.validationSplit,
                                  static_cast<int64_t>(d.seed), d.model};
  auto settings = exe::trainSettingsFromFlags(cl, defaults, error);
  if (!settings)
    return fail(error);
  exe::TrainSettings &s = *settings;
  exe::TrainingHooks hooks;
  hooks.checkpointShapes = [&] { return m.trainWeightShapes(); };
  hooks.initialWeights = [&](uint64_t seed) { return m.initialWeights(seed); };
  hooks.loadWeights = [&](const std::string &p) { return m.loadWeights(p); };
  hooks.makeModel = [&](std::map<std::string, Tensor> w) {
    return m.makeTrainable(std::move(w));
  };
  hooks.saveable = [&](const std::map<std::string, Tensor> &w) {
    return m.saveableWeights(w);
  };
  Status st = exe::runTraining(s, hooks);
  return st.ok() ? 0 : fail(st.message());
}

int runEvaluate(const exe::CompiledModel &m, const CommandLine &cl) {
  if (!cl.has("--weights") && !m.hasEmbeddedWeights())
    return fail("evaluate needs --weights");
  std::string error;
  auto batch = cl.getInt("--batch-size", 128, error);
  auto limit = batch ? cl.getInt("--limit", -1, error) : std::nullopt;
  if (!limit)
    return fail(error);
  if (*batch < 1)
    return fail("--batch-size must be at least 1");
  std::string spec = cl.get("--data", m.defaults().dataset);
  if (spec.empty())
    return fail("no data: the script loads no data set; pass --data");
  DataSpecOptions options;
  options.limit = *limit;
  auto data = loadDataSpec(spec, options);
  if (!data.ok())
    return fail(data.status().message());
  auto weights = m.loadWeights(cl.get("--weights"));
  if (!weights.ok())
    return fail(weights.status().message());
  auto model = m.makeTrainable(std::move(weights->tensors));
  if (!model.ok())
    return fail(model.status().message());
  const LabeledData &set = data->test ? *data->test : data->train;
  auto score = evaluate(**model, set, *batch);
  if (!score.ok())
    return fail(score.status().message());
  std::cout << formatTestScore(*score) << std::flush;
  return 0;
}

int runPredict(const exe::CompiledModel &m, const CommandLine &cl) {
  if (!cl.has("--weights") && !m.hasEmbeddedWeights())
    return fail("predict needs --weights");
  for (const char *opt : {"--input", "-o"})
    if (!cl.has(opt))
      return fail(std::string("predict needs ") + opt);
  std::string error;
  auto chunk = cl.getInt("--batch-size", 256, error);
  if (!chunk)
    return fail(error);
  if (*chunk < 1)
    return fail("--batch-size must be at least 1");
  auto weights = m.loadWeights(cl.get("--weights"));
  if (!weights.ok())
    return fail(weights.status().message());
  auto input = readNpy(cl.get("--input"));
  if (!input.ok())
    return fail(input.status().message());
  auto exec = m.makeForward(weights->tensors);
  if (!exec.ok())
    return fail(exec.status().message());
  auto out = exe::predict(**exec, *input, *chunk, cl.get("--input"));
  if (!out.ok())
    return fail(out.status().message());
  Status s = writeNpy(cl.get("-o"), *out);
  return s.ok() ? 0 : fail(s.message());
}

} // namespace

extern "C" int kiln_exe_main(const struct kiln_embedded_model *embedded, int argc,
                             char **argv) {
  reportFileSizeLimitAsError();
  // The Halide runtime is linked in: its errors become the executor's Status.
  installHalideErrorHandler(reinterpret_cast<void *>(&halide_set_error_handler));
  auto model = exe::CompiledModel::load(*embedded);
  if (!model.ok())
    return fail(model.status().message());
  const exe::CompiledModel &m = **model;
  const char *argv0 = argc > 0 ? argv[0] : "model";
  if (argc < 2) {
    std::cerr << usage(argv0, m);
    return 1;
  }
  std::string name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    std::cout << usage(argv0, m);
    return 0;
  }
  if (name == "--version") {
    std::cout << m.defaults().model << " (kiln " << m.defaults().kilnVersion
              << ", " << m.defaults().target << ")\n";
    return 0;
  }
  for (const ExeCommand &c : exeCommands()) {
    if (c.name != name)
      continue;
    std::string error;
    auto cl = CommandLine::parse(c.options, argc, argv, 2, error);
    if (!cl)
      return fail(error + " (see " + argv0 + " " + name + " --help)");
    if (cl->has("--help")) {
      std::cout << "usage: " << argv0 << " " << c.usage << "\n\n"
                << c.summary << "\n\noptions:\n"
                << describeOptions(c.options);
      return 0;
    }
    if (!cl->positional.empty())
      return fail("unexpected argument '" + cl->positional[0] + "'");
    if (name == "train")
      return runTrain(m, *cl);
    if (name == "evaluate")
      return runEvaluate(m, *cl);
    if (name == "predict")
      return runPredict(m, *cl);
    if (m.summary().empty())
      return fail("this model was compiled from nn IR, which names no layers: "
                  "it has no Keras summary");
    std::cout << m.summary() << std::flush;
    return 0;
  }
  return fail("unknown command '" + name + "' (see " + argv0 + " --help)");
}
