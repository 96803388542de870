//===- Tuner.h - Tune every kernel of a program -----------------*- C++ -*-===//
//
// What `kiln tune` runs once the model is lowered: (1) one step of the plan
// in process with the default schedules (JIT), capturing each distinct
// kernel's inputs at its first call, so every kernel is tuned on the data a
// real step gives it; (2) each kernel's default timed, its share of the
// step (time x calls) computed; (3) the budget spent kernel by kernel,
// largest share first, each getting 80% of the remaining time in
// proportion to its share plus 20% split evenly; the database saved after
// every improvement. timeStep() then measures the real step (AOT kernels
// through KernelLibrary and the Executor) with and without the database.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_TUNE_TUNER_H
#define KILN_CODEGEN_TUNE_TUNER_H

#include "codegen/tune/KernelBench.h"
#include "codegen/tune/ScheduleDB.h"
#include "runtime/exec/Plan.h"

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace kiln::tune {

/// Weights by name (float32, the plan's shapes); missing ones are zeros.
using WeightValues = std::map<std::string, std::vector<float>>;

/// One distinct kernel of a program with its captured inputs.
struct TuneJob {
  std::string symbol;
  std::string label; ///< the first call's label
  codegen::KernelSpec spec;
  int calls = 0;     ///< calls per step
  int batch = 128;
  std::vector<Halide::Buffer<>> inputs;
  std::shared_ptr<codegen::JitKernel> defaultKernel;
};

/// "host" -> the host's target, else Halide::Target(s); throws on junk.
Halide::Target resolveTarget(const std::string &target);
/// The target string schedules are keyed by (no NoRuntime, as KernelLibrary).
std::string targetKey(const Halide::Target &target);

/// Fills a plan's inputs for a step at `batch`: input 0 uniform in [0, 1),
/// other batched inputs one-hot rows (targets), unbatched ones 1 (step).
std::vector<std::vector<float>> stepInputs(const runtime::Plan &plan, int batch,
                                           unsigned seed);

/// Runs the plan once with default JIT kernels and returns its kernels,
/// each with the inputs of its first call.
runtime::Expected<std::vector<TuneJob>>
captureStep(const runtime::Plan &plan,
            const std::map<std::string, codegen::KernelSpec> &kernels,
            const WeightValues &weights, int batch, const Halide::Target &target,
            unsigned seed = 1);

/// Where the tuner is, for a progress bar.
struct TuneStatus {
  int kernelsDone = 0, kernelsTotal = 0;
  int candidates = 0, rejected = 0;
  std::string current;       ///< label of the kernel being tuned
  double currentSpeedup = 1; ///< its best vs its default
  double stepSpeedup = 1;    ///< estimated: sum(calls x default) / sum(calls x best)
  double elapsed = 0, budget = 0;
};

struct TuneOptions {
  double budgetSeconds = 600;
  std::string dbPath;        ///< saved after every improvement ("" = not saved)
  bool autoschedulers = true;
  double autoschedulerTimeLimit = 60;
  const std::atomic<bool> *stop = nullptr;
  unsigned seed = 1;
  std::function<void(const TuneStatus &)> progress;
  /// Tests: see KernelBench::perturbOutputs.
  std::function<void(const codegen::Schedule &, std::vector<Halide::Buffer<>> &)>
      perturbOutputs;
};

/// Tunes every job; entries (also those that kept the default) go into db
/// and, after every improvement, to options.dbPath. Returns the entries in
/// the order tuned (an interrupted run returns those finished).
runtime::Expected<std::vector<ScheduleEntry>>
tuneJobs(std::vector<TuneJob> &jobs, const Halide::Target &target,
         const TuneOptions &options, ScheduleDB &db);

/// The whole step through the runtime: AOT kernels (KernelLibrary), the
/// Executor, the same inputs and initial weights. After `warmup` steps of
/// each, default (A) and tuned (B) steps run in rounds ordered ABBA (round
/// r is AB for even r, BA for odd), so drift and cache effects of the
/// order fall on both alike.
struct StepTimes {
  double defaultMs = 0, tunedMs = 0;       ///< medians
  double defaultMinMs = 0, tunedMinMs = 0; ///< fastest step of each
  /// Interquartile ranges of each side's step times.
  double defaultIqrMs = 0, tunedIqrMs = 0;
  /// defaultMs / tunedMs and its 95% bootstrap interval (rounds resampled
  /// as pairs, 2000 resamples, fixed seed).
  double ratio = 1, ratioLow = 1, ratioHigh = 1;
  /// The median over rounds of (default step / tuned step) of the same
  /// round, and its 95% bootstrap interval: the two steps of a round run
  /// back to back, so a load that comes and goes slows both alike and
  /// this ratio stays put while the medians move.
  double pairedRatio = 1, pairedLow = 1, pairedHigh = 1;
  int rounds = 0;
  int threads = 0; ///< HL_NUM_THREADS, else the hardware threads
};
/// The statistics of StepTimes from paired step times (same length).
StepTimes summarizeSteps(const std::vector<double> &defaultMs,
                         const std::vector<double> &tunedMs,
                         unsigned seed = 1);
runtime::Expected<StepTimes>
timeStep(const runtime::Plan &plan,
         const std::map<std::string, codegen::KernelSpec> &kernels,
         const WeightValues &weights, int batch, const std::string &target,
         const ScheduleLookup &tuned, int rounds = 200, int warmup = 10);

} // namespace kiln::tune

#endif // KILN_CODEGEN_TUNE_TUNER_H
