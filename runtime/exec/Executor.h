//===- Executor.h - Runs a Plan's kernel calls ------------------*- C++ -*-===//
//
// Binds a Plan to memory and runs it: one halide_buffer_t per tensor (NHWC
// shapes reversed into Halide's innermost-first dimensions, exact extents,
// the batch set per run), the arena sized for the largest batch seen, and
// each call made through Halide's uniform `<symbol>_argv(void **)` entry.
// Kernels come from a resolver: a dlopen'ed library of AOT objects for the
// kiln tool, a linked-in table for compiled executables. No MLIR, no LLVM.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_EXEC_EXECUTOR_H
#define KILN_RUNTIME_EXEC_EXECUTOR_H

#include "runtime/Status.h"
#include "runtime/exec/Plan.h"
#include "runtime/exec/Device.h"

#include "HalideRuntime.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kiln::runtime {

/// Halide's argv-style entry of an AOT kernel.
using KernelEntry = int (*)(void **);
/// Finds the entry of a kernel symbol (without the _argv suffix); null if
/// there is none.
using KernelResolver = std::function<KernelEntry(const std::string &)>;

class Executor {
public:
  /// Resolves every call's kernel; fails naming the first missing symbol.
  static Expected<std::unique_ptr<Executor>> create(Plan plan,
                                                    const KernelResolver &resolve);

  /// Points weight `name` at `data` (shape as in the plan, float32). The
  /// data must outlive the executor.
  Status bindWeight(const std::string &name, float *data);
  /// The names of weights not bound yet.
  std::vector<std::string> unboundWeights() const;

  /// Runs every call for a batch of `n`: `inputs` and `outputs` in the
  /// plan's order, each holding n samples contiguously.
  Status run(int64_t n, const std::vector<const float *> &inputs,
             const std::vector<float *> &outputs);

  /// Keys the dropout masks (the plan's Seed-filled tensors) by `seed`; 0
  /// until called. On a device, call it before the first run (fixed tensors
  /// are uploaded once).
  void setSeed(uint64_t seed);

  /// Times every call when on (KILN_PROFILE=1 turns it on for every
  /// executor); profile() then gives each call's label and total seconds.
  void setProfiling(bool on) { profiling_ = on; }

  /// Keeps every tensor on `device` from the next run on (the kernels were
  /// compiled for its GPU target; see Device.h): per run only the inputs go
  /// up and the outputs come back.
  void useDevice(std::shared_ptr<DeviceBinding> device) {
    device_ = std::make_shared<DeviceTensors>(std::move(device));
  }
  struct CallTime {
    std::string label;
    double seconds = 0;
    int64_t calls = 0;
  };
  const std::vector<CallTime> &profile() const { return profile_; }
  /// A table of the profile, slowest first, for people.
  std::string profileReport() const;

  /// Storage of a tensor after run() (intermediates, fixed tensors).
  float *data(int tensor);
  const Plan &plan() const { return plan_; }
  /// Arena bytes for a batch of n.
  int64_t arenaBytes(int64_t n) const { return plan_.arenaBytesPerSample * n; }

private:
  explicit Executor(Plan plan) : plan_(std::move(plan)) {}
  void bindShapes(int64_t n);

  Plan plan_;
  std::vector<KernelEntry> entries_;
  std::vector<halide_buffer_t> buffers_;
  std::vector<std::vector<halide_dimension_t>> dims_;
  std::vector<float *> host_;                 ///< per tensor, current storage
  std::vector<std::unique_ptr<float[], void (*)(void *)>> fixed_; ///< Fixed tensors
  std::unique_ptr<uint8_t[], void (*)(void *)> arena_{nullptr, nullptr};
  /// Aligned copies of caller buffers that are not 64-byte aligned (the
  /// kernels' contract: Halide emits aligned vector accesses).
  std::vector<std::unique_ptr<float[], void (*)(void *)>> staging_;
  std::vector<int64_t> stagingCapacity_;
  int64_t arenaCapacity_ = 0;
  int64_t boundBatch_ = -1;
  bool profiling_ = false;
  std::shared_ptr<DeviceTensors> device_; ///< set when the plan runs on a GPU
  std::vector<CallTime> profile_;
};

} // namespace kiln::runtime

#endif // KILN_RUNTIME_EXEC_EXECUTOR_H
