//===- KernelBench.cpp - Compile, check and time one kernel's schedules ---===//
//
// Timing (docs/PERFORMANCE.md, "Tuning"): the machine is shared and noisy,
// so every figure is a median, runs continue until enough kernel time has
// passed for small kernels to be measured many times, and a claimed
// improvement is re-measured interleaved with the kernel it beats.
//
//===----------------------------------------------------------------------===//
#include "codegen/tune/KernelBench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <stdexcept>

using namespace kiln::codegen;

namespace kiln::tune {

static std::vector<int> halideSizes(const TensorArg &a, int batch) {
  std::vector<int> sizes;
  for (auto it = a.shape.rbegin(); it != a.shape.rend(); ++it)
    sizes.push_back(*it < 0 ? batch : *it);
  return sizes;
}

static Halide::Type argType(const TensorArg &a) {
  return a.dtype == DType::Int32 ? Halide::Int(32) : Halide::Float(32);
}

std::vector<Halide::Buffer<>> randomInputs(const KernelSpec &spec, int batch,
                                           unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> f(-1.f, 1.f);
  std::uniform_int_distribution<int> ids(0, 9);
  std::vector<Halide::Buffer<>> out;
  for (const TensorArg &a : kernelArguments(spec)) {
    if (a.isOutput)
      continue;
    Halide::Buffer<> b(argType(a), halideSizes(a, batch));
    if (a.dtype == DType::Int32)
      Halide::Buffer<int32_t>(b).for_each_value([&](int32_t &v) { v = ids(rng); });
    else
      Halide::Buffer<float>(b).for_each_value([&](float &v) { v = f(rng); });
    out.push_back(b);
  }
  return out;
}

std::vector<Halide::Buffer<>> makeOutputs(const KernelSpec &spec, int batch) {
  std::vector<Halide::Buffer<>> out;
  for (const TensorArg &a : kernelArguments(spec))
    if (a.isOutput) {
      Halide::Buffer<> b(argType(a), halideSizes(a, batch));
      memset(b.data(), 0, b.size_in_bytes());
      out.push_back(b);
    }
  return out;
}

double maxRelativeError(const std::vector<Halide::Buffer<>> &a,
                        const std::vector<Halide::Buffer<>> &b) {
  if (a.size() != b.size())
    return INFINITY;
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].number_of_elements() != b[i].number_of_elements() ||
        a[i].type() != b[i].type())
      return INFINITY;
    size_t n = a[i].number_of_elements();
    double scale = 0;
    auto value = [](const Halide::Buffer<> &buf, size_t k) -> double {
      if (buf.type() == Halide::Int(32))
        return static_cast<const int32_t *>(buf.data())[k];
      return static_cast<const float *>(buf.data())[k];
    };
    for (size_t k = 0; k < n; ++k)
      if (std::isfinite(value(b[i], k)))
        scale = std::max(scale, std::fabs(value(b[i], k)));
    scale = std::max(scale, 1e-30);
    for (size_t k = 0; k < n; ++k) {
      double x = value(a[i], k), y = value(b[i], k);
      if (std::isnan(x) || std::isnan(y)) {
        if (std::isnan(x) != std::isnan(y))
          return INFINITY;
        continue;
      }
      if (std::isinf(x) || std::isinf(y)) {
        if (x != y)
          return INFINITY;
        continue;
      }
      worst = std::max(worst, std::fabs(x - y) / scale);
    }
  }
  return worst;
}

KernelBench::KernelBench(KernelSpec spec, Halide::Target target, int batch,
                         std::vector<Halide::Buffer<>> inputs,
                         std::shared_ptr<JitKernel> defaultKernel)
    : spec_(std::move(spec)), target_(target), batch_(batch),
      inputs_(std::move(inputs)), defaultKernel_(std::move(defaultKernel)) {
  default_ = defaultScheduleFor(spec_, target_);
  if (!defaultKernel_)
    defaultKernel_ = std::make_shared<JitKernel>(spec_, default_, target_);
  reference_ = makeOutputs(spec_, batch_);
  scratch_ = makeOutputs(spec_, batch_);
  if (runOnce(*defaultKernel_, reference_) != 0)
    throw std::runtime_error("the default schedule fails: " +
                             defaultKernel_->lastError());
}

int KernelBench::runOnce(JitKernel &k, std::vector<Halide::Buffer<>> &outs) {
  std::vector<halide_buffer_t *> raw;
  for (Halide::Buffer<> &b : inputs_)
    raw.push_back(b.raw_buffer());
  for (Halide::Buffer<> &b : outs)
    raw.push_back(b.raw_buffer());
  return k.run(raw);
}

Trial KernelBench::evaluate(const Schedule &schedule) {
  Trial t;
  try {
    t.kernel = std::make_shared<JitKernel>(spec_, schedule, target_);
  } catch (const Halide::Error &e) {
    t.outcome = Trial::Outcome::CompileFailed;
    t.error = e.what();
    return t;
  } catch (const std::exception &e) {
    t.outcome = Trial::Outcome::CompileFailed;
    t.error = e.what();
    return t;
  }
  for (Halide::Buffer<> &b : scratch_)
    memset(b.data(), 0, b.size_in_bytes());
  if (runOnce(*t.kernel, scratch_) != 0) {
    t.outcome = Trial::Outcome::RunFailed;
    t.error = t.kernel->lastError();
    t.kernel.reset();
    return t;
  }
  if (perturbOutputs)
    perturbOutputs(schedule, scratch_);
  t.relError = maxRelativeError(scratch_, reference_);
  if (!(t.relError <= kTolerance)) {
    t.outcome = Trial::Outcome::Mismatch;
    t.error = "outputs differ from the default schedule's (relative error " +
              std::to_string(t.relError) + ")";
    t.kernel.reset();
    return t;
  }
  t.ms = time(*t.kernel);
  return t;
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double KernelBench::time(JitKernel &k, int minRuns, double minMs, int maxRuns) {
  for (int i = 0; i < 2; ++i)
    (void)runOnce(k, scratch_);
  std::vector<double> ms;
  double total = 0;
  while (static_cast<int>(ms.size()) < maxRuns &&
         (static_cast<int>(ms.size()) < minRuns || total < minMs)) {
    auto t0 = std::chrono::steady_clock::now();
    (void)runOnce(k, scratch_);
    double d = std::chrono::duration<double, std::milli>(
                   std::chrono::steady_clock::now() - t0)
                   .count();
    ms.push_back(d);
    total += d;
  }
  return median(ms);
}

std::pair<double, double> KernelBench::compare(JitKernel &a, JitKernel &b,
                                               int minRuns, double minMs) {
  for (int i = 0; i < 2; ++i) {
    (void)runOnce(a, scratch_);
    (void)runOnce(b, scratch_);
  }
  std::vector<double> ta, tb;
  double total = 0;
  auto once = [&](JitKernel &k) {
    auto t0 = std::chrono::steady_clock::now();
    (void)runOnce(k, scratch_);
    return std::chrono::duration<double, std::milli>(
               std::chrono::steady_clock::now() - t0)
        .count();
  };
  while (static_cast<int>(ta.size()) < 400 &&
         (static_cast<int>(ta.size()) < minRuns || total < minMs)) {
    // Alternate which goes first, so neither always runs on a warm cache.
    bool aFirst = ta.size() % 2 == 0;
    double x = aFirst ? once(a) : 0, y = once(b);
    if (!aFirst)
      x = once(a);
    ta.push_back(x);
    tb.push_back(y);
    total += x + y;
  }
  return {median(ta), median(tb)};
}

} // namespace kiln::tune
