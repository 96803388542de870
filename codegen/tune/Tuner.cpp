//===- Tuner.cpp - Tune every kernel of a program -------------------------===//
//
// captureStep is a small executor of its own: every tensor gets its own
// storage (no arena, so nothing a later call overwrites is lost), views
// share their source's, and each call's inputs are copied before its first
// run (calls may update their inputs in place, as the optimizer does).
//
//===----------------------------------------------------------------------===//
#include "codegen/tune/Tuner.h"
#include "codegen/tune/Search.h"
#include "runtime/exec/Executor.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

using namespace kiln::codegen;
using kiln::runtime::Plan;
using kiln::runtime::PlanTensor;
using kiln::runtime::TensorRole;

namespace kiln::tune {

namespace {

/// 64-byte aligned float storage (the kernels' contract).
struct Aligned {
  std::unique_ptr<float[], void (*)(void *)> p{nullptr, free};
  size_t n = 0;
  explicit Aligned(size_t count = 0) : n(count) {
    size_t bytes = (std::max<size_t>(count, 16) * 4 + 63) / 64 * 64;
    p.reset(static_cast<float *>(aligned_alloc(64, bytes)));
    std::fill(p.get(), p.get() + bytes / 4, 0.f);
  }
  float *data() const { return p.get(); }
};

int64_t elementsAt(const PlanTensor &t, int batch) {
  return t.elementsPerSample() * (t.hasBatch() ? batch : 1);
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

double medianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

} // namespace

Halide::Target resolveTarget(const std::string &target) {
  return codegen::resolveTarget(target);
}

std::string targetKey(const Halide::Target &target) {
  return target.without_feature(Halide::Target::NoRuntime)
      .without_feature(Halide::Target::JIT)
      .to_string();
}

std::vector<std::vector<float>> stepInputs(const Plan &plan, int batch,
                                           unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> pixel(0.f, 1.f);
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    const PlanTensor &t = plan.tensors[plan.inputs[i]];
    std::vector<float> v(std::max<int64_t>(elementsAt(t, batch), 1), 0.f);
    if (!t.hasBatch()) {
      std::fill(v.begin(), v.end(), 1.f);
    } else if (i == 0) {
      for (float &x : v)
        x = pixel(rng);
    } else {
      int64_t classes = std::max<int64_t>(1, t.elementsPerSample());
      for (int64_t n = 0; n < batch; ++n)
        v[n * classes + rng() % classes] = 1.f;
    }
    out.push_back(std::move(v));
  }
  return out;
}

runtime::Expected<std::vector<TuneJob>>
captureStep(const Plan &plan, const std::map<std::string, KernelSpec> &kernels,
            const WeightValues &weights, int batch, const Halide::Target &target,
            unsigned seed) {
  size_t count = plan.tensors.size();
  std::vector<Aligned> storage;
  storage.reserve(count);
  auto root = [&](int t) {
    while (plan.tensors[t].role == TensorRole::View)
      t = plan.tensors[t].viewOf;
    return t;
  };
  for (size_t t = 0; t < count; ++t) {
    const PlanTensor &pt = plan.tensors[t];
    storage.emplace_back(pt.role == TensorRole::View ? 0 : elementsAt(pt, batch));
    float *d = storage.back().data();
    int64_t n = elementsAt(pt, batch);
    if (pt.role == TensorRole::Weight) {
      auto it = weights.find(pt.name);
      if (it != weights.end()) {
        if (static_cast<int64_t>(it->second.size()) != n)
          return runtime::makeError("weight '", pt.name, "' has ",
                                    it->second.size(), " values, the plan ", n);
        std::copy(it->second.begin(), it->second.end(), d);
      }
    } else if (pt.role == TensorRole::Fixed) {
      float v = pt.fill == PlanTensor::Fill::Constant ? pt.fillValue
                : pt.fill == PlanTensor::Fill::InverseBatch ? 1.f / batch
                                                            : 0.f;
      std::fill(d, d + n, v);
    }
  }
  auto inputs = stepInputs(plan, batch, seed);
  for (size_t i = 0; i < plan.inputs.size(); ++i)
    std::copy(inputs[i].begin(), inputs[i].end(),
              storage[root(plan.inputs[i])].data());

  std::vector<TuneJob> jobs;
  std::map<std::string, size_t> index;
  for (const runtime::PlanCall &call : plan.calls) {
    auto ks = kernels.find(call.symbol);
    if (ks == kernels.end())
      return runtime::makeError("no kernel spec for '", call.symbol, "'");
    const KernelSpec &spec = ks->second;
    std::vector<TensorArg> args = kernelArguments(spec);
    if (args.size() != call.args.size())
      return runtime::makeError(call.symbol, ": ", call.args.size(),
                                " arguments, the kernel takes ", args.size());
    std::vector<Halide::Buffer<>> bufs;
    for (size_t i = 0; i < args.size(); ++i) {
      std::vector<int> sizes;
      for (auto it = args[i].shape.rbegin(); it != args[i].shape.rend(); ++it)
        sizes.push_back(*it < 0 ? batch : *it);
      Halide::Type type = args[i].dtype == DType::Int32 ? Halide::Int(32)
                                                        : Halide::Float(32);
      bufs.emplace_back(type, storage[root(call.args[i])].data(), sizes);
    }
    auto [it, fresh] = index.emplace(call.symbol, jobs.size());
    if (fresh) {
      TuneJob job;
      job.symbol = call.symbol;
      job.label = call.label.empty() ? call.symbol : call.label;
      job.spec = spec;
      job.batch = batch;
      for (size_t i = 0; i < args.size(); ++i)
        if (!args[i].isOutput)
          job.inputs.push_back(bufs[i].copy());
      try {
        job.defaultKernel = std::make_shared<JitKernel>(
            spec, defaultScheduleFor(spec, target), target);
      } catch (const Halide::Error &e) {
        return runtime::makeError(call.symbol, ": ", e.what());
      }
      jobs.push_back(std::move(job));
    }
    TuneJob &job = jobs[it->second];
    ++job.calls;
    std::vector<halide_buffer_t *> raw;
    for (Halide::Buffer<> &b : bufs)
      raw.push_back(b.raw_buffer());
    if (job.defaultKernel->run(raw) != 0)
      return runtime::makeError(call.symbol, ": ",
                                job.defaultKernel->lastError());
  }
  return jobs;
}

runtime::Expected<std::vector<ScheduleEntry>>
tuneJobs(std::vector<TuneJob> &jobs, const Halide::Target &target,
         const TuneOptions &options, ScheduleDB &db) {
  auto start = std::chrono::steady_clock::now();
  auto stopped = [&] {
    return options.stop && options.stop->load(std::memory_order_relaxed);
  };
  TuneStatus status;
  status.kernelsTotal = static_cast<int>(jobs.size());
  status.budget = options.budgetSeconds;
  auto tell = [&] {
    status.elapsed = secondsSince(start);
    if (options.progress)
      options.progress(status);
  };

  // 1-2. Benches (reference outputs) and the default's share of the step.
  std::vector<std::unique_ptr<KernelBench>> benches;
  std::vector<double> weight(jobs.size()), best(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    try {
      benches.push_back(std::make_unique<KernelBench>(
          jobs[i].spec, target, jobs[i].batch, jobs[i].inputs,
          jobs[i].defaultKernel));
    } catch (const std::exception &e) {
      return runtime::makeError(jobs[i].label, ": ", e.what());
    }
    if (options.perturbOutputs)
      benches.back()->perturbOutputs = options.perturbOutputs;
    double ms = benches.back()->time(*benches.back()->defaultKernel(), 5, 20);
    weight[i] = ms * jobs[i].calls;
    best[i] = weight[i];
    status.current = jobs[i].label;
    tell();
  }
  std::vector<size_t> order(jobs.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return weight[a] > weight[b]; });
  auto stepSpeedup = [&] {
    double d = 0, b = 0;
    for (size_t i = 0; i < jobs.size(); ++i)
      d += weight[i], b += best[i];
    return b > 0 ? d / b : 1.0;
  };

  // 3. The budget, largest share first.
  std::vector<ScheduleEntry> results;
  for (size_t k = 0; k < order.size() && !stopped(); ++k) {
    size_t i = order[k];
    double left = std::max(0.0, options.budgetSeconds - secondsSince(start));
    double shareSum = 0;
    for (size_t m = k; m < order.size(); ++m)
      shareSum += weight[order[m]];
    double remaining = static_cast<double>(order.size() - k);
    double alloc = left * (0.8 * (shareSum > 0 ? weight[i] / shareSum : 0) +
                           0.2 / remaining);
    SearchOptions so;
    so.budgetSeconds = alloc;
    so.seed = options.seed + static_cast<unsigned>(i);
    if (options.autoschedulers)
      so.autoschedulers = autoschedulerNames();
    so.autoschedulerTimeLimit =
        std::min(options.autoschedulerTimeLimit, std::max(3.0, 0.4 * alloc));
    so.stop = options.stop;
    int candidatesBefore = status.candidates, rejectedBefore = status.rejected;
    status.current = jobs[i].label;
    status.currentSpeedup = 1;
    so.onProgress = [&](const SearchProgress &p) {
      status.candidates = candidatesBefore + p.candidates;
      status.rejected = rejectedBefore + p.rejected;
      status.currentSpeedup = p.bestMs > 0 ? p.defaultMs / p.bestMs : 1;
      best[i] = weight[i] / status.currentSpeedup;
      status.stepSpeedup = stepSpeedup();
      tell();
    };
    so.onImprovement = [&](const ScheduleEntry &e) {
      db.put(e);
      if (!options.dbPath.empty()) {
        runtime::Status s = db.save(options.dbPath);
        if (!s.ok())
          std::cerr << "\nwarning: " << s.message() << "\n";
      }
    };
    ScheduleEntry base;
    base.signature = jobs[i].spec.signature();
    base.target = targetKey(target);
    base.halide = halideVersion();
    base.label = jobs[i].label;
    ScheduleEntry e = searchKernel(*benches[i], so, base);
    best[i] = weight[i] / e.speedup();
    results.push_back(e);
    ++status.kernelsDone;
    status.currentSpeedup = e.speedup();
    status.stepSpeedup = stepSpeedup();
    tell();
  }
  return results;
}

runtime::Expected<StepTimes>
timeStep(const Plan &plan, const std::map<std::string, KernelSpec> &kernels,
         const WeightValues &weights, int batch, const std::string &target,
         const ScheduleLookup &tuned, int rounds, int warmup) {
  struct Side {
    std::unique_ptr<KernelLibrary> lib;
    std::unique_ptr<runtime::Executor> exec;
    std::vector<Aligned> store;
  };
  Side sides[2];
  for (int s = 0; s < 2; ++s) {
    auto lib = KernelLibrary::load(kernels, target, false, nullptr,
                                   s == 0 ? ScheduleLookup() : tuned);
    if (!lib.ok())
      return lib.status();
    sides[s].lib = std::move(*lib);
    auto ex = runtime::Executor::create(plan, sides[s].lib->resolver());
    if (!ex.ok())
      return ex.status();
    sides[s].exec = std::move(*ex);
    for (const std::string &name : sides[s].exec->unboundWeights()) {
      const PlanTensor &pt = plan.tensors[plan.find(name)];
      sides[s].store.emplace_back(elementsAt(pt, batch));
      auto it = weights.find(name);
      if (it != weights.end())
        std::copy(it->second.begin(), it->second.end(),
                  sides[s].store.back().data());
      runtime::Status st =
          sides[s].exec->bindWeight(name, sides[s].store.back().data());
      if (!st.ok())
        return st;
    }
  }
  auto inputs = stepInputs(plan, batch, 1);
  std::vector<Aligned> in, out;
  std::vector<const float *> inPtr;
  std::vector<float *> outPtr;
  for (auto &v : inputs) {
    in.emplace_back(v.size());
    std::copy(v.begin(), v.end(), in.back().data());
    inPtr.push_back(in.back().data());
  }
  for (int t : plan.outputs) {
    out.emplace_back(elementsAt(plan.tensors[t], batch));
    outPtr.push_back(out.back().data());
  }
  auto once = [&](int s) -> double {
    auto t0 = std::chrono::steady_clock::now();
    runtime::Status st = sides[s].exec->run(batch, inPtr, outPtr);
    (void)st;
    return std::chrono::duration<double, std::milli>(
               std::chrono::steady_clock::now() - t0)
        .count();
  };
  for (int s = 0; s < 2; ++s) {
    runtime::Status st = sides[s].exec->run(batch, inPtr, outPtr);
    if (!st.ok())
      return st;
  }
  for (int w = 0; w < warmup; ++w)
    for (int s = 0; s < 2; ++s)
      once(s);
  std::vector<double> t[2];
  for (int r = 0; r < rounds; ++r) {
    int first = r % 2;
    t[first].push_back(once(first));
    t[1 - first].push_back(once(1 - first));
  }
  return summarizeSteps(t[0], t[1]);
}

StepTimes summarizeSteps(const std::vector<double> &a,
                         const std::vector<double> &b, unsigned seed) {
  StepTimes times;
  size_t n = std::min(a.size(), b.size());
  times.rounds = static_cast<int>(n);
  const char *env = std::getenv("HL_NUM_THREADS");
  times.threads = env && std::atoi(env) > 0
                      ? std::atoi(env)
                      : static_cast<int>(std::thread::hardware_concurrency());
  if (n == 0)
    return times;
  auto quantile = [](std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(q * (v.size() - 1) + 0.5)];
  };
  times.defaultMs = medianOf(a);
  times.tunedMs = medianOf(b);
  times.defaultMinMs = *std::min_element(a.begin(), a.end());
  times.tunedMinMs = *std::min_element(b.begin(), b.end());
  times.defaultIqrMs = quantile(a, 0.75) - quantile(a, 0.25);
  times.tunedIqrMs = quantile(b, 0.75) - quantile(b, 0.25);
  times.ratio = times.defaultMs / times.tunedMs;
  // Bootstrap: resample rounds (pairs) with replacement.
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, n - 1);
  std::vector<double> pairs(n);
  for (size_t i = 0; i < n; ++i)
    pairs[i] = a[i] / b[i];
  times.pairedRatio = medianOf(pairs);
  std::vector<double> ratios, paired, ra(n), rb(n), rp(n);
  for (int k = 0; k < 2000; ++k) {
    for (size_t i = 0; i < n; ++i) {
      size_t j = pick(rng);
      ra[i] = a[j];
      rb[i] = b[j];
      rp[i] = pairs[j];
    }
    ratios.push_back(medianOf(ra) / medianOf(rb));
    paired.push_back(medianOf(rp));
  }
  times.ratioLow = quantile(ratios, 0.025);
  times.ratioHigh = quantile(ratios, 0.975);
  times.pairedLow = quantile(paired, 0.025);
  times.pairedHigh = quantile(paired, 0.975);
  return times;
}

} // namespace kiln::tune
