//===- TuneCommand.cpp - kiln tune ----------------------------------------===//
//
// `kiln tune MODEL`: lowers the training step (or, --inference, @forward),
// runs it once with the default schedules to capture each kernel's inputs,
// then searches every distinct kernel's schedules within --budget (see
// codegen/tune/Tuner.h), saving the database after every improvement.
// Ctrl-C stops the search and keeps what was found. --report prints, per
// kernel, the default, autoscheduled and tuned times and GFLOP/s, and the
// whole step's time with and without the database, measured in one run.
//
//===----------------------------------------------------------------------===//
#include "codegen/ir/LowerToKernels.h"
#include "tools/DiagnosticPrinter.h"
#include "codegen/tune/Search.h"
#include "codegen/tune/Tuner.h"
#include "passes/Passes.h"
#include "tools/Commands.h"
#include "tools/ModelLoader.h"
#include "tools/Weights.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <unistd.h>

using namespace kiln::runtime;

namespace kiln {
namespace {

std::atomic<bool> gStop{false};

void onInterrupt(int) {
  gStop.store(true);
  std::signal(SIGINT, SIG_DFL); // a second Ctrl-C ends the process
}

std::string clock(double s) {
  char buf[32];
  int t = static_cast<int>(s + 0.5);
  snprintf(buf, sizeof buf, "%d:%02d", t / 60, t % 60);
  return buf;
}

void drawProgress(const tune::TuneStatus &st, bool tty) {
  static int lastDone = -1;
  char line[256];
  std::string cur = st.current.substr(0, 28);
  snprintf(line, sizeof line,
           "tune [%d/%d kernels] %d candidates (%d rejected) | %s best %.2fx"
           " | step ~%.3fx | %s/%s",
           st.kernelsDone, st.kernelsTotal, st.candidates, st.rejected,
           cur.c_str(), st.currentSpeedup, st.stepSpeedup,
           clock(st.elapsed).c_str(), clock(st.budget).c_str());
  if (tty) {
    fprintf(stderr, "\r\033[K%s", line);
  } else if (st.kernelsDone != lastDone) {
    fprintf(stderr, "%s\n", line);
  }
  lastDone = st.kernelsDone;
}

/// printf into a std::string.
template <typename... Args> std::string fmt(const char *f, Args... args) {
  char buf[1024];
  snprintf(buf, sizeof buf, f, args...);
  return buf;
}

double fitBatch(mlir::ModuleOp module, double def) {
  auto fit = module->getAttrOfType<mlir::DictionaryAttr>("nn.fit");
  if (!fit)
    return def;
  if (auto i = fit.getAs<mlir::IntegerAttr>("batch_size"))
    return i.getInt();
  return def;
}

std::string figure(const nlohmann::json &alt, double flops) {
  char buf[64];
  if (alt.is_number()) {
    double ms = alt.get<double>();
    snprintf(buf, sizeof buf, "%8.3f %6.1f", ms, flops / (ms * 1e6));
    return buf;
  }
  std::string s = alt.is_string() ? alt.get<std::string>() : "n/a";
  s = s.substr(0, s.find(':'));
  snprintf(buf, sizeof buf, "%15s", s.substr(0, 15).c_str());
  return buf;
}

} // namespace

int runTune(const CommandLine &cl) {
  if (auto rc = tuneGpuTarget(cl)) // GPU targets: TuneGpu.cpp
    return *rc;
  std::string error;
  auto seed = cl.getInt("--seed", 0, error);
  if (!seed)
    return fail(error);
  auto budget = parseDuration(cl.get("--budget", "10m"));
  if (!budget)
    return fail("--budget takes a duration such as 10m, 90s or 1h");
  auto asLimit = parseDuration(cl.get("--autoscheduler-limit", "60s"));
  if (!asLimit)
    return fail("--autoscheduler-limit takes a duration such as 60s");
  if (cl.has("--training") && cl.has("--inference"))
    return fail("--training and --inference exclude each other");
  bool training = !cl.has("--inference");
  std::string dbPath = cl.get("--db", tune::defaultScheduleDBPath());

  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto model = loadModel(cl.positional[0], ctx, sm, llvm::errs());
  if (!model)
    return 1;
  mlir::ModuleOp module = *model->built.module;
  auto batch = cl.getInt("--batch-size", fitBatch(module, 128), error);
  if (!batch)
    return fail(error);
  if (*batch < 1)
    return fail("--batch-size must be at least 1");

  DiagnosticPrinter handler(sm, &ctx, llvm::errs());
  std::optional<KernelProgram> program;
  if (training) {
    mlir::PassManager pm(&ctx);
    auto pass = createBuildTrainStepPass();
    if (mlir::failed(pass->initializeOptions("seed=" + std::to_string(*seed))))
      return fail("bad training options");
    pm.addPass(std::move(pass));
    if (mlir::failed(pm.run(module)))
      return 1;
    program = lowerToKernels(module.lookupSymbol<mlir::FuncOp>("train_step"));
  } else {
    auto forward = module.lookupSymbol<mlir::FuncOp>("forward");
    if (!forward)
      return fail("the model has no @forward function");
    program = lowerToKernels(forward);
  }
  if (!program)
    return 1;
  auto init = initialWeights(module, *seed);
  if (!init.ok())
    return fail(init.status().message());
  tune::WeightValues weights;
  for (auto &[name, t] : init->tensors)
    weights[name].assign(t.data<float>(), t.data<float>() + t.numElements());

  Halide::Target target;
  std::string targetName = cl.get("--target", "host");
  try {
    target = tune::resolveTarget(targetName);
  } catch (const std::exception &e) {
    return fail("unknown target '" + targetName + "'");
  }
  auto loaded = tune::ScheduleDB::load(dbPath);
  if (!loaded.ok())
    return fail(loaded.status().message());
  tune::ScheduleDB db = std::move(*loaded);

  bool tty = isatty(2);
  std::vector<tune::ScheduleEntry> tuned;
  if (*budget > 0) {
    auto jobs = tune::captureStep(program->plan, program->kernels, weights,
                                  *batch, target, 1);
    if (!jobs.ok())
      return fail(jobs.status().message());
    fprintf(stderr,
            "tune: %zu kernels of %s, batch %lld, budget %s, database %s\n",
            jobs->size(), training ? "the training step" : "@forward",
            static_cast<long long>(*batch), clock(*budget).c_str(),
            dbPath.c_str());
    tune::TuneOptions options;
    options.budgetSeconds = *budget;
    options.dbPath = dbPath;
    options.autoschedulers = !cl.has("--no-autoschedulers");
    options.autoschedulerTimeLimit = *asLimit;
    options.stop = &gStop;
    options.seed = static_cast<unsigned>(*seed) + 1;
    options.progress = [&](const tune::TuneStatus &s) { drawProgress(s, tty); };
    auto old = std::signal(SIGINT, onInterrupt);
    auto result = tune::tuneJobs(*jobs, target, options, db);
    std::signal(SIGINT, old);
    if (tty)
      fprintf(stderr, "\n");
    if (!result.ok())
      return fail(result.status().message());
    tuned = std::move(*result);
    if (gStop.load())
      fprintf(stderr, "tune: interrupted; %zu kernels' schedules kept in %s\n",
              tuned.size(), dbPath.c_str());
    for (const tune::ScheduleEntry &e : tuned)
      llvm::outs() << fmt("%-40s %8.3f -> %8.3f ms  %.2fx  %s\n",
                                   e.label.substr(0, 40).c_str(),
                                   e.defaultTimeMs, e.timeMs, e.speedup(),
                                   codegen::scheduleToJson(e.schedule).c_str());
    Status s = db.save(dbPath);
    if (!s.ok())
      return fail(s.message());
  }

  if (!cl.has("--report"))
    return 0;
  // The report: this program's kernels as the database has them.
  std::string key = tune::targetKey(target);
  llvm::outs() << "\nkernels (batch " << *batch << ", target " << key
               << "): ms and GFLOP/s\n";
  llvm::outs() << fmt("%-34s %5s %15s %15s %15s %15s %15s %7s\n",
                               "kernel", "calls", "default", "Mullapudi2016",
                               "Adams2019", "Li2018", "tuned", "speedup");
  std::map<std::string, int> calls;
  std::map<std::string, std::string> labels;
  for (const runtime::PlanCall &c : program->plan.calls) {
    ++calls[c.symbol];
    labels.emplace(c.symbol, c.label.empty() ? c.symbol : c.label);
  }
  for (const auto &[symbol, spec] : program->kernels) {
    const tune::ScheduleEntry *e = db.find(spec, key);
    std::string label = labels[symbol].substr(0, 34);
    if (!e) {
      llvm::outs() << fmt("%-34s %5d %s\n", label.c_str(),
                                   calls[symbol], "  (not tuned)");
      continue;
    }
    auto alt = [&](const char *n) {
      return e->alternatives.contains(n) ? e->alternatives[n]
                                         : nlohmann::json("n/a");
    };
    llvm::outs() << fmt(
        "%-34s %5d %s %s %s %s %s %6.2fx\n", label.c_str(), calls[symbol],
        figure(e->defaultTimeMs, e->flops).c_str(),
        figure(alt("Mullapudi2016"), e->flops).c_str(),
        figure(alt("Adams2019"), e->flops).c_str(),
        figure(alt("Li2018"), e->flops).c_str(),
        figure(e->timeMs, e->flops).c_str(), e->speedup());
  }
  auto rounds = cl.getInt("--step-rounds", 200, error);
  if (!rounds)
    return fail(error);
  auto step = tune::timeStep(program->plan, program->kernels, weights, *batch,
                             targetName, tune::fromDatabase(db), *rounds);
  if (!step.ok())
    return fail(step.status().message());
  llvm::outs() << fmt(
      "\n%s step (AOT kernels, batch %lld, %d threads, %d rounds of "
      "default and tuned interleaved ABBA after warm-up):\n"
      "  default %.3f ms (IQR %.3f, fastest %.3f), tuned %.3f ms (IQR %.3f, "
      "fastest %.3f)\n"
      "  speedup %.3fx by the medians (95%% bootstrap interval %.3fx - "
      "%.3fx)\n"
      "  speedup %.3fx by the median of per-round ratios (95%% bootstrap "
      "interval %.3fx - %.3fx)%s\n",
      training ? "training" : "inference", static_cast<long long>(*batch),
      step->threads, step->rounds, step->defaultMs, step->defaultIqrMs,
      step->defaultMinMs, step->tunedMs, step->tunedIqrMs, step->tunedMinMs,
      step->ratio, step->ratioLow, step->ratioHigh, step->pairedRatio,
      step->pairedLow, step->pairedHigh,
      step->pairedLow > 1    ? ": faster"
      : step->pairedHigh < 1 ? ": slower"
                             : ": within noise");
  return 0;
}

} // namespace kiln
