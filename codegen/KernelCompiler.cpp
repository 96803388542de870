//===- KernelCompiler.cpp - Build, JIT and AOT-compile kernels ------------===//
//
// 1. buildKernel dispatches on the family (an explicit list, no static
//    registration) to the builder in kernels/<Family>.cpp, which writes the
//    algorithm and applies the schedule.
// 2. The outputs get exact bounds here, from the same kernelArguments(spec)
//    that the inputs were made from, so the boundary has one definition.
// 3. JIT binds the boundary buffers to the ImageParams (a ParamMap, so one
//    compiled kernel is safe to call from several threads) and the outputs
//    to a Realization; AOT passes the ImageParams as the argument list, and
//    Halide appends the outputs in the same order.
// 4. A schedule naming an autoscheduler: the family's builder still writes
//    (and schedules) the algorithm; every Function's schedule is then reset
//    to Halide's defaults (inlined, no splits, no specializations), inputs
//    and outputs get estimates (the batch from the schedule's params), and
//    the plugin, loaded once by absolute path, schedules the pipeline.
//
//===----------------------------------------------------------------------===//
#include "codegen/KernelCompiler.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include "codegen/kernels/Kernels.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <unistd.h>
#include <set>
#include <stdexcept>
#include <thread>

using namespace Halide;

namespace kiln::codegen {

namespace kernels {

void constrainDense(OutputImageParam p, const std::vector<int> &shape,
                    bool bounds) {
  int rank = static_cast<int>(shape.size());
  p.set_host_alignment(kBufferAlignment);
  Expr stride = 1;
  for (int i = 0; i < rank; ++i) {
    int extent = shape[rank - 1 - i];
    p.dim(i).set_stride(stride);
    if (extent < 0) {
      if (bounds)
        p.dim(i).set_min(0);
    } else {
      if (bounds)
        p.dim(i).set_bounds(0, extent);
      stride = stride * extent;
    }
  }
}

ImageParam makeInput(const KernelSpec &spec, const TensorArg &a) {
  ImageParam p(a.dtype == DType::Int32 ? Int(32) : Float(32),
               static_cast<int>(a.shape.size()), spec.name + "_" + a.name);
  constrainDense(p, a.shape);
  return p;
}

int fitVector(int want, int extent) {
  int v = 1;
  while (v * 2 <= std::min(want, extent))
    v *= 2;
  return v;
}

int fitDivisor(int want, int n) {
  for (int d = std::max(1, std::min(want, n)); d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

/// Resets one Function's schedule to what Halide gives a fresh definition:
/// computed inline, each stage's loops the definition's own (reduction
/// variables innermost), no splits, no specializations.
void resetFunctionSchedule(Internal::Function f) {
  using namespace Internal;
  FuncSchedule &fs = f.schedule();
  fs.compute_level() = LoopLevel::inlined();
  fs.store_level() = LoopLevel::inlined();
  fs.memory_type() = MemoryType::Auto;
  fs.memoized() = false;
  fs.async() = false;
  fs.bounds().clear();
  fs.estimates().clear();
  fs.storage_dims().clear();
  for (const std::string &arg : f.args())
    fs.storage_dims().push_back({arg, Expr(), Expr(), Expr(), true});
  auto resetStage = [&](Definition &def) {
    StageSchedule &ss = def.schedule();
    std::vector<Dim> old = ss.dims();
    std::set<std::string> introduced;
    for (const Split &sp : ss.splits()) {
      introduced.insert(sp.outer);
      introduced.insert(sp.inner);
    }
    ss.splits().clear();
    ss.prefetches().clear();
    ss.fused_pairs().clear();
    ss.fuse_level() = FuseLoopLevel();
    ss.touched() = false;
    ss.allow_race_conditions() = false;
    ss.atomic() = false;
    std::vector<Dim> dims;
    for (const ReductionVariable &rv : ss.rvars()) {
      if (introduced.count(rv.var))
        continue;
      DimType t = DimType::ImpureRVar;
      for (const Dim &d : old)
        if (d.var == rv.var)
          t = d.dim_type;
      dims.push_back({rv.var, ForType::Serial, DeviceAPI::None, t});
    }
    const std::vector<std::string> pure = f.args();
    for (size_t i = 0; i < def.args().size() && i < pure.size(); ++i) {
      const Variable *v = def.args()[i].as<Variable>();
      if (v && !v->param.defined() && !v->reduction_domain.defined() &&
          v->name == pure[i])
        dims.push_back({v->name, ForType::Serial, DeviceAPI::None,
                        DimType::PureVar});
    }
    dims.push_back({Var::outermost().name(), ForType::Serial, DeviceAPI::None,
                    DimType::PureVar});
    ss.dims() = dims;
    def.specializations().clear();
  };
  resetStage(f.definition());
  for (size_t i = 0; i < f.updates().size(); ++i)
    resetStage(f.update(static_cast<int>(i)));
}

} // namespace kernels

namespace {

/// Loads libautoschedule_<name>.so once (Debian's Halide 14 plugins).
void loadAutoschedulerPlugin(const std::string &name) {
  static std::mutex mu;
  static std::set<std::string> loaded;
  std::lock_guard<std::mutex> lock(mu);
  if (loaded.count(name))
    return;
  std::string lower = name;
  for (char &c : lower)
    c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  const char *dir = getenv("KILN_HALIDE_PLUGIN_DIR");
  std::string path = std::string(dir ? dir : "/usr/lib/x86_64-linux-gnu/halide14") +
                     "/libautoschedule_" + lower + ".so";
  load_plugin(path);
  loaded.insert(name);
}

/// Replaces k's schedule by the named autoscheduler's (see the banner).
void applyAutoscheduler(const KernelSpec &spec, const Schedule &schedule,
                        KernelPipeline &k, const Target &target) {
  std::map<std::string, Internal::Function> env;
  for (const Func &f : k.outputs) {
    env[f.name()] = f.function();
    auto calls = Internal::find_transitive_calls(f.function());
    env.insert(calls.begin(), calls.end());
  }
  for (auto &[name, fn] : env)
    kernels::resetFunctionSchedule(fn);
  const nlohmann::json &p = schedule.autoschedulerParams;
  int batch = p.is_object() && p.contains("batch") ? p["batch"].get<int>() : 128;
  std::string machine = p.is_object() && p.contains("machine")
                            ? p["machine"].get<std::string>()
                            : defaultMachineParams();
  auto estimates = [&](const std::vector<int> &shape) {
    Region r;
    for (auto it = shape.rbegin(); it != shape.rend(); ++it)
      r.push_back(Range(0, *it < 0 ? batch : *it));
    return r;
  };
  std::vector<TensorArg> args = kernelArguments(spec);
  size_t in = 0;
  std::vector<std::vector<int>> outShapes;
  for (const TensorArg &a : args) {
    if (a.isOutput)
      outShapes.push_back(a.shape);
    else if (in < k.inputs.size())
      k.inputs[in++].set_estimates(estimates(a.shape));
  }
  // A Tuple-valued Func holds several outputs of one shape: one estimate.
  size_t out = 0;
  for (Func &f : k.outputs) {
    f.set_estimates(estimates(outShapes.at(out)));
    out += f.outputs();
  }
  loadAutoschedulerPlugin(schedule.autoscheduler);
  k.pipeline = Pipeline(k.outputs);
  // Adams2019 and Li2018 print their search to stderr; keep it off the
  // user's terminal unless HL_DEBUG_AUTOSCHEDULE asks for it.
  static std::mutex quiet;
  std::lock_guard<std::mutex> lock(quiet);
  int saved = getenv("HL_DEBUG_AUTOSCHEDULE") ? -1 : dup(2);
  if (saved >= 0) {
    fflush(stderr);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      dup2(devnull, 2);
      close(devnull);
    }
  }
  auto restore = [&] {
    if (saved >= 0) {
      fflush(stderr);
      dup2(saved, 2);
      close(saved);
    }
  };
  try {
    k.pipeline.auto_schedule(schedule.autoscheduler,
                             target.without_feature(Target::NoRuntime),
                             MachineParams(machine));
  } catch (...) {
    restore();
    throw;
  }
  restore();
}

} // namespace

std::string defaultMachineParams() {
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  return std::to_string(threads) + ",33554432,40";
}

std::vector<Argument> KernelPipeline::arguments() const {
  std::vector<Argument> args;
  for (const ImageParam &p : inputs)
    args.push_back(p);
  return args;
}

KernelPipeline buildKernel(const KernelSpec &spec, const Schedule &schedule,
                           const Target &target) {
  // The family's schedule already encodes the target's vector width; the
  // target only matters to an autoscheduler.
  KernelPipeline k;
  switch (spec.family) {
  case KernelFamily::Conv2D:
    k = kernels::buildConv2D(spec, schedule);
    break;
  case KernelFamily::MaxPool2D:
  case KernelFamily::AvgPool2D:
    k = kernels::buildPool2D(spec, schedule);
    break;
  case KernelFamily::Dense:
    k = kernels::buildDense(spec, schedule);
    break;
  case KernelFamily::Conv2DBackpropInput:
    k = kernels::buildConv2DBackpropInput(
        spec, schedule,
        schedule.autoscheduler.empty() && !isGpuTarget(target));
    break;
  case KernelFamily::Conv2DBackpropFilter:
    k = kernels::buildConv2DBackpropFilter(spec, schedule);
    break;
  case KernelFamily::Conv2DBackpropBias:
    k = kernels::buildConv2DBackpropBias(spec, schedule);
    break;
  case KernelFamily::MaxPool2DGrad:
    k = kernels::buildMaxPool2DGrad(spec, schedule);
    break;
  case KernelFamily::Elementwise:
    k = kernels::buildElementwise(spec, schedule);
    break;
  case KernelFamily::Reduce:
    k = kernels::buildReduce(spec, schedule);
    break;
  case KernelFamily::MatMul:
    k = kernels::buildMatMul(spec, schedule);
    break;
  case KernelFamily::Concatenate:
  case KernelFamily::ZeroPadding2D:
  case KernelFamily::BatchNormStats:
    k = kernels::buildShape(spec, schedule);
    break;
  }
  // A Tuple-valued output Func (Elementwise with several outputs) holds
  // several boundary outputs, in order.
  std::vector<OutputImageParam> outBuffers;
  std::vector<bool> firstOfFunc;
  for (Func &f : k.outputs)
    for (OutputImageParam p : f.output_buffers()) {
      firstOfFunc.push_back(outBuffers.size() == 0 ||
                            p.name() == f.output_buffers()[0].name());
      outBuffers.push_back(p);
    }
  std::vector<TensorArg> args = kernelArguments(spec);
  size_t out = 0;
  for (const TensorArg &a : args)
    if (a.isOutput) {
      kernels::constrainDense(outBuffers.at(out), a.shape, firstOfFunc[out]);
      ++out;
    }
  k.pipeline = Pipeline(k.outputs);
  if (!schedule.autoscheduler.empty())
    applyAutoscheduler(spec, schedule, k, target);
  else if (isGpuTarget(target))
    kernels::applyGpuSchedule(spec, schedule, k, target);
  return k;
}

Schedule defaultScheduleFor(const KernelSpec &spec, const Target &target) {
  if (isGpuTarget(target))
    return defaultGpuSchedule(spec);
  return defaultSchedule(spec, target.natural_vector_size<float>());
}

Target hostTarget() {
  Target t = get_host_target();
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  bool avxVnni = __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 4));
  if (!avxVnni)
    t = t.without_feature(Target::AVX512_SapphireRapids);
#endif
  return t;
}

Target resolveTarget(const std::string &name) {
  if (name.empty() || name == "host")
    return hostTarget();
  // "host-cuda": the host's own features plus the named ones; Target's
  // parser validates them (and throws on an unknown one).
  if (name.rfind("host-", 0) == 0)
    return Target(hostTarget().to_string() + name.substr(4));
  return Target(name);
}

std::string kernelSymbol(const KernelSpec &spec) {
  // Signatures that are long or hold characters a C identifier cannot
  // (Elementwise programs) keep a readable prefix plus a 64-bit FNV-1a hash
  // of the whole signature, so distinct specs keep distinct symbols.
  std::string sig = spec.signature();
  std::string s = "kiln_" + sig;
  bool replaced = false;
  for (char &c : s)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '_')
      c = '_', replaced = true;
  if (!replaced && s.size() <= 96)
    return s;
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : sig)
    h = (h ^ c) * 1099511628211ull;
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  s = s.substr(0, 64);
  while (!s.empty() && s.back() == '_')
    s.pop_back();
  return s + "_h" + hex;
}

JitKernel::JitKernel(const KernelSpec &spec, const Schedule &schedule,
                     const Target &target)
    : spec_(spec), target_(target),
      kernel_(buildKernel(spec, schedule, target)) {
  kernel_.pipeline.compile_jit(target_);
}

int JitKernel::run(const std::vector<halide_buffer_t *> &args) {
  size_t nIn = kernel_.inputs.size(), nOut = 0;
  for (const Func &f : kernel_.outputs)
    nOut += f.outputs(); // a Tuple-valued Func has several buffers
  if (args.size() != nIn + nOut) {
    lastError_ = "expected " + std::to_string(nIn + nOut) +
                 " buffers, got " + std::to_string(args.size());
    return halide_error_code_generic_error;
  }
  ParamMap params;
  std::vector<Buffer<>> ins, outs;
  ins.reserve(nIn);
  for (size_t i = 0; i < nIn; ++i) {
    ins.emplace_back(*args[i]);
    params.set(kernel_.inputs[i], ins.back());
  }
  for (size_t i = nIn; i < args.size(); ++i)
    outs.emplace_back(*args[i]);
  try {
    Realization r(outs);
    kernel_.pipeline.realize(std::move(r), target_, params);
  } catch (const Halide::RuntimeError &e) {
    lastError_ = e.what();
    return halide_error_code_generic_error;
  }
  lastError_.clear();
  return 0;
}

int JitKernel::run(std::vector<Buffer<float>> &args) {
  std::vector<halide_buffer_t *> raw;
  for (Buffer<float> &b : args)
    raw.push_back(b.raw_buffer());
  return run(raw);
}

template <typename F> static std::string guarded(F &&f) {
  try {
    f();
  } catch (const Halide::Error &e) {
    return e.what();
  } catch (const std::exception &e) {
    return e.what();
  }
  return "";
}

/// Writes object code compiled in memory to `path`. Halide's own file
/// output goes through an LLVM stream that aborts the process on a write
/// error (a full disk, a file-size limit), leaving a torn file; this one
/// reports the error and removes what it wrote.
static std::string writeObject(const Buffer<uint8_t> &code,
                               const std::string &path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return "cannot create '" + path + "': " + std::strerror(errno);
  const uint8_t *data = code.data();
  size_t left = code.size_in_bytes();
  std::string err;
  while (left > 0 && err.empty()) {
    ssize_t put = ::write(fd, data, left);
    if (put < 0 && errno != EINTR)
      err = "cannot write '" + path + "': " + std::strerror(errno);
    else if (put > 0)
      data += put, left -= static_cast<size_t>(put);
  }
  if (::close(fd) != 0 && err.empty())
    err = "cannot write '" + path + "': " + std::strerror(errno);
  if (!err.empty())
    ::unlink(path.c_str());
  return err;
}

std::string compileKernelToObject(const KernelSpec &spec,
                                  const Schedule &schedule,
                                  const Target &target,
                                  const std::string &fnName,
                                  const std::string &objectPath) {
  Buffer<uint8_t> code;
  std::string err = guarded([&] {
    KernelPipeline k = buildKernel(spec, schedule, target);
    code = k.pipeline
               .compile_to_module(k.arguments(), fnName,
                                  target.with_feature(Target::NoRuntime))
               .compile_to_buffer();
  });
  return err.empty() ? writeObject(code, objectPath) : err;
}

std::string compileKernelToStaticLibrary(const KernelSpec &spec,
                                         const Schedule &schedule,
                                         const Target &target,
                                         const std::string &fnName,
                                         const std::string &filenamePrefix) {
  return guarded([&] {
    KernelPipeline k = buildKernel(spec, schedule, target);
    k.pipeline.compile_to_static_library(
        filenamePrefix, k.arguments(), fnName,
        target.with_feature(Target::NoRuntime));
  });
}

std::string compileRuntime(const Target &target,
                           const std::string &objectPath) {
  // As compile_standalone_runtime builds it: an empty module whose target
  // includes the runtime, compiled in memory (see writeObject).
  Buffer<uint8_t> code;
  std::string err = guarded([&] {
    code = Module("standalone_runtime", target.without_feature(Target::NoRuntime)
                                            .without_feature(Target::JIT))
               .compile_to_buffer();
  });
  return err.empty() ? writeObject(code, objectPath) : err;
}

std::string dumpKernelStmt(const KernelSpec &spec, const Schedule &schedule,
                           const Target &target, const std::string &path) {
  return guarded([&] {
    KernelPipeline k = buildKernel(spec, schedule, target);
    k.pipeline.compile_to_lowered_stmt(path, k.arguments(), Text, target);
  });
}

} // namespace kiln::codegen
