//===- KernelCompiler.h - KernelSpec + Schedule -> Halide code ----*- C++ -*-===//
//
// Builds the Halide pipeline of a kernel from its KernelSpec and Schedule,
// and compiles it either in process (JIT, for tests, benchmarks and the
// tuner) or to object code (AOT, Target::NoRuntime) with the Halide runtime
// emitted once on its own. Both paths share one boundary: the buffers of
// kernelArguments(spec), in that order (inputs, weights, outputs).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/KernelSpec.h"
#include "codegen/Schedule.h"

#include "Halide.h"

#include <string>
#include <vector>

namespace kiln::codegen {

/// A built (not yet compiled) kernel: the pipeline, its input ImageParams in
/// boundary order, and its output Funcs in boundary order.
struct KernelPipeline {
  Halide::Pipeline pipeline;
  std::vector<Halide::ImageParam> inputs;
  std::vector<Halide::Func> outputs;
  /// The AOT argument list (the inputs; Halide appends the outputs).
  std::vector<Halide::Argument> arguments() const;
};

/// The host's target, with the features its CPU really has. Halide 14
/// reports avx512_sapphirerapids for any CPU with AVX512-VNNI and
/// AVX512-BF16, AMD Zen 4 included, and LLVM then emits VEX-encoded
/// AVX-VNNI (vpdpwssd), which Zen 4 lacks: SIGILL in the kernels. The
/// feature is kept only where CPUID reports AVX-VNNI.
Halide::Target hostTarget();

/// A target named on the command line: "host", "host-cuda",
/// "host-opencl" (the host's features plus the GPU API), or any Halide
/// target string. Throws on an unknown one.
Halide::Target resolveTarget(const std::string &name);

/// Builds the algorithm of spec's family and applies schedule to it. Every
/// buffer gets exact bounds and strides (dense NHWC / HWIO, batch dynamic).
/// Throws Halide::CompileError on an invalid spec or schedule.
KernelPipeline buildKernel(const KernelSpec &spec, const Schedule &schedule,
                           const Halide::Target &target);

/// MachineParams for the autoschedulers on this host, as Halide's string
/// "parallelism,last_level_cache_bytes,balance" (hardware threads, 32 MiB,
/// 40: Halide's generic balance).
std::string defaultMachineParams();

/// The default schedule for spec on target (its natural fp32 vector width).
Schedule defaultScheduleFor(const KernelSpec &spec,
                            const Halide::Target &target);

/// True when target has a GPU feature (CUDA or OpenCL): kernels then get
/// GPU schedules (kernels/GpuSchedule.cpp).
bool isGpuTarget(const Halide::Target &target);

/// The GPU default schedule of spec's family: the CPU default's algorithm
/// choices with smaller batch chunks (more blocks) and the gpu* fields set.
Schedule defaultGpuSchedule(const KernelSpec &spec);

/// A symbol for the kernel that says what it is, e.g.
/// "kiln_conv2d_in13x13x32_k3x3x64_s1x1_d1x1_valid_bias_relu".
std::string kernelSymbol(const KernelSpec &spec);

/// An in-process compiled kernel.
class JitKernel {
public:
  /// Builds and JIT-compiles. target defaults to the host.
  JitKernel(const KernelSpec &spec, const Schedule &schedule,
            const Halide::Target &target = hostTarget());

  /// Runs the kernel on buffers in kernelArguments(spec) order. Returns 0 or
  /// the Halide error code (bounds or stride mismatches included).
  [[nodiscard]] int run(const std::vector<halide_buffer_t *> &args);
  [[nodiscard]] int run(std::vector<Halide::Buffer<float>> &args);

  /// The message of the last failed run (empty after a successful one).
  const std::string &lastError() const { return lastError_; }
  const KernelSpec &spec() const { return spec_; }
  KernelPipeline &kernel() { return kernel_; }

private:
  KernelSpec spec_;
  Halide::Target target_;
  KernelPipeline kernel_;
  std::string lastError_;
};

/// Every buffer of the boundary must be dense (Keras order, channels
/// innermost), have the static extents of kernelArguments(spec), and a host
/// pointer aligned to kKernelBufferAlignment bytes; violations are reported
/// as Halide errors (non-zero return), not crashes.
constexpr int kKernelBufferAlignment = 64;

/// AOT: one object file holding `int fnName(halide_buffer_t *...)` with the
/// kernelArguments(spec) order, compiled with Target::NoRuntime. Returns an
/// empty string on success, else the error text.
[[nodiscard]] std::string compileKernelToObject(const KernelSpec &spec,
                                                const Schedule &schedule,
                                                const Halide::Target &target,
                                                const std::string &fnName,
                                                const std::string &objectPath);

/// AOT: a static library and header (filenamePrefix.a / .h), NoRuntime.
[[nodiscard]] std::string compileKernelToStaticLibrary(
    const KernelSpec &spec, const Schedule &schedule,
    const Halide::Target &target, const std::string &fnName,
    const std::string &filenamePrefix);

/// Emits the Halide runtime once, for all kernels of a target.
[[nodiscard]] std::string compileRuntime(const Halide::Target &target,
                                         const std::string &objectPath);

/// Writes the lowered statement (a .stmt text file) for inspection.
[[nodiscard]] std::string dumpKernelStmt(const KernelSpec &spec,
                                         const Schedule &schedule,
                                         const Halide::Target &target,
                                         const std::string &path);

} // namespace kiln::codegen
