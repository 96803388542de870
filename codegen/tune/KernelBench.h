//===- KernelBench.h - Compile, check and time one kernel's schedules -*- C++ -*-===//
//
// The tuner's measuring instrument for one kernel: fixed input buffers (data
// captured from a real step, or random), the default schedule's outputs as
// the reference, and for each candidate schedule: JIT-compile, run, compare
// with the reference (|a - b| <= 1e-4 * max|reference| per output, NaN
// equal only to NaN), then time it (warm-up, then the median of repeated
// runs). Candidates can also be timed interleaved with another kernel, so
// a comparison is made under the same machine load.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_TUNE_KERNELBENCH_H
#define KILN_CODEGEN_TUNE_KERNELBENCH_H

#include "codegen/KernelCompiler.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kiln::tune {

/// Random boundary inputs for spec at batch: floats uniform in [-1, 1],
/// Int32 inputs (class ids, seeds) uniform in [0, 10).
std::vector<Halide::Buffer<>> randomInputs(const codegen::KernelSpec &spec,
                                           int batch, unsigned seed);

/// Fresh output buffers of spec at batch (zeroed).
std::vector<Halide::Buffer<>> makeOutputs(const codegen::KernelSpec &spec,
                                          int batch);

/// Largest |a - b| / max(max|b|, 1e-30) over all outputs; +inf when shapes
/// differ or a NaN is where the reference has none.
double maxRelativeError(const std::vector<Halide::Buffer<>> &a,
                        const std::vector<Halide::Buffer<>> &b);

/// What happened to one candidate.
struct Trial {
  enum class Outcome { Ok, CompileFailed, RunFailed, Mismatch } outcome =
      Outcome::Ok;
  double ms = 0;          ///< median time (Ok only)
  double relError = 0;    ///< vs the reference
  std::string error;      ///< why it was rejected
  std::shared_ptr<codegen::JitKernel> kernel; ///< Ok only
  bool ok() const { return outcome == Outcome::Ok; }
};

class KernelBench {
public:
  /// Compiles the default schedule and computes the reference outputs.
  /// Throws Halide::CompileError / std::runtime_error when even the default
  /// fails.
  /// defaultKernel, when given, must be the default schedule compiled for
  /// target (it saves a compile).
  KernelBench(codegen::KernelSpec spec, Halide::Target target, int batch,
              std::vector<Halide::Buffer<>> inputs,
              std::shared_ptr<codegen::JitKernel> defaultKernel = nullptr);

  /// Relative tolerance of the output check.
  static constexpr double kTolerance = 1e-4;

  const codegen::Schedule &defaultSchedule() const { return default_; }
  std::shared_ptr<codegen::JitKernel> defaultKernel() const { return defaultKernel_; }
  const codegen::KernelSpec &spec() const { return spec_; }
  int batch() const { return batch_; }

  /// Compiles, checks and (if correct) times `schedule`.
  Trial evaluate(const codegen::Schedule &schedule);
  /// Median ms of `kernel` (2 warm-ups; at least minRuns runs and minMs of
  /// kernel time, at most maxRuns).
  double time(codegen::JitKernel &kernel, int minRuns = 5, double minMs = 40,
              int maxRuns = 200);
  /// Both kernels timed alternately, run by run: {median a, median b}.
  std::pair<double, double> compare(codegen::JitKernel &a, codegen::JitKernel &b,
                                    int minRuns = 11, double minMs = 120);

  /// Test hook: called on a candidate's outputs before they are checked
  /// (a fault injector proves that wrong outputs are rejected).
  std::function<void(const codegen::Schedule &, std::vector<Halide::Buffer<>> &)>
      perturbOutputs;

private:
  int runOnce(codegen::JitKernel &k, std::vector<Halide::Buffer<>> &outs);

  codegen::KernelSpec spec_;
  Halide::Target target_;
  int batch_;
  std::vector<Halide::Buffer<>> inputs_, reference_, scratch_;
  codegen::Schedule default_;
  std::shared_ptr<codegen::JitKernel> defaultKernel_;
};

} // namespace kiln::tune

#endif // KILN_CODEGEN_TUNE_KERNELBENCH_H
