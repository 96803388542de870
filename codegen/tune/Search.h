//===- Search.h - Evolutionary schedule search for one kernel ---*- C++ -*-===//
//
// The schedule space of each family (the Schedule fields its kernels read,
// each with the values worth trying), Halide's autoschedulers as extra
// candidates, and a budgeted evolutionary search seeded with the default:
// parents are drawn by tournament from a population of the fastest correct
// schedules, each child changes one knob (sometimes two) of its parent, and
// a child that looks faster than the best is re-timed interleaved with it
// before it is believed. The result is confirmed against the default the
// same way: a kernel never ends slower than its default.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_TUNE_SEARCH_H
#define KILN_CODEGEN_TUNE_SEARCH_H

#include "codegen/tune/KernelBench.h"
#include "codegen/tune/ScheduleDB.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace kiln::tune {

/// One schedule knob: a JSON field of Schedule and the values to try.
struct Knob {
  std::string field;
  std::vector<nlohmann::json> values;
};

/// The knobs spec's family reads (see codegen/kernels/<Family>.cpp).
std::vector<Knob> scheduleSpace(const codegen::KernelSpec &spec);

/// knobs without the values that run a kernel on one thread (parallel
/// "none", rfactor false: the batch summed serially).
std::vector<Knob> multiThreadedOnly(std::vector<Knob> knobs);

/// The autoschedulers the tuner tries, in order.
const std::vector<std::string> &autoschedulerNames();

/// How one autoscheduler did on a kernel.
struct AutoResult {
  std::string name;
  bool ok = false;
  double ms = 0;              ///< ok only
  std::string status;         ///< "ok", "failed: ...", "timed out ...", ...
  codegen::Schedule schedule;
  std::shared_ptr<codegen::JitKernel> kernel;
};

/// Runs the autoscheduler `name` on bench's kernel. It first runs in a
/// forked child with an alarm of timeLimitSeconds (an autoscheduler can
/// run for very long or abort on some pipelines); only if the child
/// finishes is it repeated in process, compiled, checked and timed.
AutoResult tryAutoscheduler(KernelBench &bench, const std::string &name,
                            double timeLimitSeconds);

/// What the search reports after each candidate.
struct SearchProgress {
  int candidates = 0;   ///< compiled and run
  int rejected = 0;     ///< failed to compile or run, or wrong outputs
  double defaultMs = 0;
  double bestMs = 0;    ///< the best's time in the same units as defaultMs
};

struct SearchOptions {
  double budgetSeconds = 10;
  unsigned seed = 1;
  /// Autoschedulers to try (empty: none) and the time limit of each.
  std::vector<std::string> autoschedulers;
  double autoschedulerTimeLimit = 60;
  /// One-thread schedules (see multiThreadedOnly) are tried only on kernels
  /// whose default takes less than this: those are dominated by the thread
  /// pool's wake-up, while a bigger kernel needs the step's threads, and a
  /// one-thread schedule that wins while another process holds a core
  /// (conv2's filter gradient with rfactor false did) is slower in the
  /// quiet step.
  double singleThreadBelowMs = 0.1;
  const std::atomic<bool> *stop = nullptr;
  std::function<void(const SearchProgress &)> onProgress;
  /// Called with the entry whenever the best improves, and once at the end.
  std::function<void(const ScheduleEntry &)> onImprovement;
};

/// Searches bench's kernel for budgetSeconds. `base` carries the key and
/// label; the returned entry holds the best schedule (the default if
/// nothing was confirmed faster), times, alternatives and counts.
ScheduleEntry searchKernel(KernelBench &bench, const SearchOptions &options,
                           ScheduleEntry base);

} // namespace kiln::tune

#endif // KILN_CODEGEN_TUNE_SEARCH_H
