//===- TuneGpu.cpp - kiln tune --target host-cuda|host-opencl -------------===//
//
// GPU kernels cannot run in kiln's process (a GPU driver's LLVM next to
// Halide's), so GPU schedules are timed in child executables, whole
// training steps at a time:
//   1. The candidates are model-wide: the GPU defaults; convolution tiles
//      (gpu_register_tile, gpu_shared, gpu_tile_x) applied to every
//      forward and backprop-input convolution; Halide's Li2018
//      autoscheduler (it schedules for GPUs) applied to every kernel.
//   2. Each candidate becomes a schedule database, `kiln compile` builds the
//      model with it into a cached executable (as kiln train --target
//      does), and the executable trains --batch-size x 4 samples (no
//      validation split, no shuffle) in child processes, for one epoch and
//      for three: the difference of their wall times over the 8 steps it
//      adds is the candidate's ms/step (start-up, data loading, the
//      driver's one-time kernel compilation and the test evaluation cancel
//      out). A candidate that fails to compile or run is reported and
//      skipped.
//   3. Within --budget, the fastest candidate's schedules go into --db for
//      the target when it beats the default by 2% (entries labelled as
//      whole-step figures), so kiln compile/train/run --target read them.
//      The table of candidates is always printed.
//
//===----------------------------------------------------------------------===//
#include "codegen/KernelCompiler.h"
#include "codegen/tune/ScheduleDB.h"
#include "codegen/tune/Tuner.h"
#include "tools/Commands.h"
#include "tools/TempDir.h"
#include "tools/ModelLoader.h"
#include "tools/TrainingSetup.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace kiln::runtime;

namespace kiln {
namespace {

struct Candidate {
  std::string name;
  /// Changes a kernel's default GPU schedule; false leaves the kernel out
  /// of the candidate's database (it keeps the default).
  std::function<bool(const codegen::KernelSpec &, codegen::Schedule &)> apply;
};

bool isTiledConv(const codegen::KernelSpec &s) {
  return s.family == codegen::KernelFamily::Conv2D ||
         s.family == codegen::KernelFamily::Conv2DBackpropInput;
}

std::vector<Candidate> candidates(int batch) {
  std::vector<Candidate> out;
  out.push_back({"default", [](const auto &, auto &) { return false; }});
  struct Tile {
    int tile;
    const char *shared;
    int tileX;
  };
  for (Tile t : {Tile{1, "", 0}, Tile{4, "", 0}, Tile{2, "input", 0},
                 Tile{8, "input", 0}, Tile{4, "input", 16},
                 Tile{4, "input", 4}}) {
    char name[64];
    std::snprintf(name, sizeof name, "conv tile %d%s%s", t.tile,
                  *t.shared ? " shared" : "",
                  t.tileX ? (" x" + std::to_string(t.tileX)).c_str() : "");
    out.push_back({name, [t](const codegen::KernelSpec &s,
                             codegen::Schedule &sc) {
                     if (!isTiledConv(s))
                       return false;
                     sc.gpuRegisterTile = t.tile;
                     sc.gpuShared = t.shared;
                     sc.gpuTileX = t.tileX;
                     return true;
                   }});
  }
  out.push_back({"Li2018", [batch](const codegen::KernelSpec &,
                                   codegen::Schedule &sc) {
                   sc.autoscheduler = "Li2018";
                   sc.autoschedulerParams = {{"batch", batch}};
                   return true;
                 }});
  return out;
}

/// Runs argv with stdout and stderr into `log`; its exit status, or -1.
int runLogged(const std::vector<std::string> &argv, const std::string &log) {
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    FILE *f = std::freopen(log.c_str(), "w", stdout);
    if (!f)
      _exit(127);
    dup2(fileno(stdout), 2);
    std::vector<char *> args;
    for (const std::string &a : argv)
      args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

std::optional<int> tuneGpuTarget(const CommandLine &cl) {
  std::string targetName = cl.get("--target", "host");
  if (targetName == "host" ||
      !Halide::Target::validate_target_string(targetName))
    return std::nullopt; // the CPU path (and its error for junk)
  Halide::Target target = codegen::resolveTarget(targetName);
  if (!target.has_gpu_feature())
    return std::nullopt;
  std::string problem = gpuDriverProblem(targetName);
  if (!problem.empty())
    return fail("kiln tune " + problem);
  if (cl.has("--inference"))
    return fail("kiln tune --target " + targetName +
                " times whole training steps; --inference is not supported "
                "for GPU targets");
  auto budget = parseDuration(cl.get("--budget", "10m"));
  if (!budget)
    return fail("--budget: expected a duration such as 90s, 10m or 1h, not '" +
                cl.get("--budget") + "'");
  std::string error;
  auto seed = cl.getInt("--seed", 0, error);
  if (!seed)
    return fail(error);
  std::string dbPath = cl.get("--db", tune::defaultScheduleDBPath());
  std::string model = cl.positional[0];

  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto loaded = loadModel(model, ctx, sm, llvm::errs());
  if (!loaded)
    return 1;
  mlir::ModuleOp module = *loaded->built.module;
  FitDefaults defaults = fitDefaults(module);
  auto batch = cl.getInt("--batch-size", defaults.batchSize, error);
  if (!batch)
    return fail(error);
  if (*batch < 1)
    return fail("--batch-size must be at least 1");
  auto programs = buildTrainingPrograms(cl, module, sm, *seed);
  if (!programs)
    return 1;
  std::string key = tune::targetKey(target);

  const Command *compile = nullptr;
  for (const Command &c : commands())
    if (c.name == "compile")
      compile = &c;
  TempDir scratch("kiln-tune-gpu");
  const std::string &work = scratch.path();
  if (work.empty())
    return fail("cannot create a temporary folder in " +
                fs::temp_directory_path().string());

  std::fprintf(stderr,
               "tune --target %s: whole training steps (batch %lld) timed in "
               "compiled executables, budget %.0f s, database %s\n",
               targetName.c_str(), static_cast<long long>(*batch), *budget,
               dbPath.c_str());
  auto start = std::chrono::steady_clock::now();
  struct Result {
    std::string name;
    std::optional<double> ms;
    std::string note;
    tune::ScheduleDB db;
  };
  std::vector<Result> results;
  for (const Candidate &c : candidates(int(*batch))) {
    double used = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - start)
                      .count();
    if (used > *budget && !results.empty())
      break;
    Result r{c.name, std::nullopt, "", {}};
    for (const auto &[symbol, spec] : programs->kernels) {
      codegen::Schedule sc = codegen::defaultScheduleFor(spec, target);
      if (!c.apply(spec, sc))
        continue;
      tune::ScheduleEntry e;
      e.signature = spec.signature();
      e.target = key;
      e.halide = tune::halideVersion();
      e.schedule = sc;
      e.batch = int(*batch);
      e.label = spec.name + " (GPU whole-step candidate '" + c.name + "')";
      r.db.put(e);
    }
    std::string dbFile = work + "/candidate.json";
    std::ofstream(dbFile) << r.db.toJson();
    std::vector<std::string> args = {"kiln", "compile", model, "--target",
                                     targetName, "--schedules", dbFile,
                                     "--seed", std::to_string(*seed)};
    for (const char *opt : {"--optimizer", "--learning-rate"})
      if (cl.has(opt)) {
        args.push_back(opt);
        args.push_back(cl.get(opt));
      }
    std::vector<char *> argv;
    for (std::string &a : args)
      argv.push_back(a.data());
    std::optional<CommandLine> ccl = CommandLine::parse(
        compile->options, int(argv.size()), argv.data(), 2, error);
    std::string exe;
    std::fprintf(stderr, "== candidate '%s'\n", c.name.c_str());
    if (!ccl || compileCachedExecutable(*ccl, exe) != 0) {
      r.note = "failed to compile (see above)";
    } else {
      std::string log = work + "/train.txt";
      auto timed = [&](int epochs, int &rc) {
        auto t0 = std::chrono::steady_clock::now();
        rc = runLogged({exe, "train", "--limit", std::to_string(*batch * 4),
                        "--epochs", std::to_string(epochs), "--batch-size",
                        std::to_string(*batch), "--validation-split", "0",
                        "--no-shuffle"},
                       log);
        return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             t0)
            .count();
      };
      int rc = 0;
      double one = timed(1, rc);
      if (rc == 0) {
        double three = timed(3, rc);
        if (rc == 0)
          r.ms = std::max(0.0, three - one) * 1000 / 8;
      }
      if (!r.ms) {
        std::ifstream in(log);
        std::string line, last;
        while (std::getline(in, line))
          if (!line.empty())
            last = line;
        r.note = "failed to run (exit " + std::to_string(rc) + "): " + last;
      }
    }
    if (r.ms)
      std::fprintf(stderr, "   %.2f ms/step\n", *r.ms);
    else
      std::fprintf(stderr, "   %s\n", r.note.c_str());
    results.push_back(std::move(r));
  }

  const Result *base = &results.front();
  const Result *best = nullptr;
  for (const Result &r : results)
    if (r.ms && (!best || *r.ms < *best->ms))
      best = &r;
  llvm::outs() << "candidates (" << targetName << ", training step, batch "
               << *batch
               << ", ms/step of a compiled executable, 3 epochs - 1):\n";
  for (const Result &r : results) {
    char line[96];
    std::snprintf(line, sizeof line, "  %-24s ", r.name.c_str());
    llvm::outs() << line;
    if (r.ms) {
      std::snprintf(line, sizeof line, "%10.2f ms/step%s", *r.ms,
                    &r == best ? "  <- best" : "");
      llvm::outs() << line << "\n";
    } else {
      llvm::outs() << r.note << "\n";
    }
  }
  if (!best)
    return fail("no GPU candidate ran (see above)");
  // Within 2% of the default is not a win worth a database entry.
  if (best == base || best->db.size() == 0 ||
      (base->ms && *best->ms > 0.98 * *base->ms)) {
    llvm::outs() << "no candidate beat the GPU default schedules by 2%; "
                 << dbPath << " is unchanged\n";
    return 0;
  }
  tune::ScheduleDB out;
  for (const auto &[k, e] : best->db.entries()) {
    tune::ScheduleEntry entry = e;
    entry.timeMs = *best->ms;
    entry.defaultTimeMs = base->ms ? *base->ms : 0;
    for (const Result &r : results)
      entry.alternatives[r.name] =
          r.ms ? nlohmann::json(*r.ms) : nlohmann::json("failed: " + r.note);
    entry.candidates = int(results.size());
    out.put(entry);
  }
  Status st = out.save(dbPath);
  if (!st.ok())
    return fail(st.message());
  llvm::outs() << "wrote " << out.size() << " schedules of '" << best->name
               << "' for " << key << " to " << dbPath << "\n";
  return 0;
}

} // namespace kiln
