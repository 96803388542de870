//===- Search.cpp - Evolutionary schedule search for one kernel -----------===//
//
// 1. Time the default (it seeds the population and is the reference).
// 2. Try each autoscheduler (guarded by a child process and a time limit).
// 3. (Kernels of 0.1 ms or more: without one-thread schedules.)
//    Until the budget is spent or the space is exhausted: pick a parent by
//    a tournament of two among the population (the 8 fastest correct
//    schedules), mutate one knob (30%: two) to a neighbouring value (70%)
//    or any other value, skip schedules already tried, evaluate (compile,
//    run, compare with the default's outputs, time). A child under 98% of
//    the best's time is re-timed interleaved with the best; if it still
//    wins by 1%, it becomes the best, is timed interleaved with the default
//    for the entry's figures, and the entry is reported (the DB is saved).
// 4. Confirm the best against the default with a longer interleaved run;
//    unless it is at least 1% faster, the default is kept.
//
//===----------------------------------------------------------------------===//
#include "codegen/tune/Search.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <random>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace kiln::codegen;
using nlohmann::json;

namespace kiln::tune {

namespace {

std::vector<json> ints(std::initializer_list<int> v) {
  return std::vector<json>(v.begin(), v.end());
}
std::vector<json> range(int lo, int hi) {
  std::vector<json> v;
  for (int i = lo; i <= hi; ++i)
    v.push_back(i);
  return v;
}
std::vector<json> strs(std::initializer_list<const char *> v) {
  return std::vector<json>(v.begin(), v.end());
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

std::string firstLine(const std::string &s) {
  std::string t = s.substr(0, s.find('\n'));
  return t.size() > 120 ? t.substr(0, 117) + "..." : t;
}

} // namespace

std::vector<Knob> scheduleSpace(const KernelSpec &spec) {
  std::vector<Knob> k;
  auto rfactorKnobs = [&] {
    k.push_back({"rfactor", {json(true), json(false)}});
    k.push_back({"rfactor_chunk", ints({2, 4, 8, 16, 32, 64})});
  };
  switch (spec.family) {
  case KernelFamily::Conv2D:
    k.push_back({"vector_width", ints({8, 16})});
    k.push_back({"tile_channels", range(1, 8)});
    if (!spec.fusedPool.enabled)
      k.push_back({"tile_x", range(1, 16)});
    k.push_back({"tile_y", spec.fusedPool.enabled ? ints({1, 2}) : range(1, 4)});
    k.push_back({"unroll_reduction", ints({1, 2, 4, 8})});
    k.push_back({"parallel", strs({"n", "y", "ny"})});
    k.push_back({"compute_at", strs({"tile", "root"})});
    if (spec.conv.padding == Padding::Same)
      k.push_back({"store_at", strs({"inline", "image", "root"})});
    break;
  case KernelFamily::Conv2DBackpropInput:
    k.push_back({"vector_width", ints({8, 16})});
    k.push_back({"tile_channels", range(1, 8)});
    k.push_back({"tile_x", range(1, 16)});
    k.push_back({"unroll_reduction", ints({1, 2, 4, 8})});
    k.push_back({"parallel", strs({"n", "y", "ny"})});
    k.push_back({"store_at", strs({"inline", "image", "root"})});
    break;
  case KernelFamily::Conv2DBackpropFilter:
    k.push_back({"vector_width", ints({8, 16})});
    k.push_back({"tile_channels", ints({1, 2, 3, 4, 6, 8})});
    k.push_back({"tile_x", ints({1, 2, 3, 4, 6, 8, 16})});
    k.push_back({"tile_y", ints({1, spec.conv.kernelW})});
    k.push_back({"parallel", strs({"n", "none"})});
    rfactorKnobs();
    break;
  case KernelFamily::Conv2DBackpropBias:
    k.push_back({"vector_width", ints({4, 8, 16, 32})});
    k.push_back({"parallel", strs({"n", "none"})});
    rfactorKnobs();
    break;
  case KernelFamily::MaxPool2D:
  case KernelFamily::AvgPool2D:
  case KernelFamily::MaxPool2DGrad:
    k.push_back({"vector_width", ints({4, 8, 16, 32})});
    k.push_back({"tile_channels", ints({1, 2, 4, 8})});
    k.push_back({"parallel", strs({"n", "y", "ny", "none"})});
    break;
  case KernelFamily::Dense:
    k.push_back({"vector_width", ints({4, 8, 16})});
    k.push_back({"tile_channels", ints({1, 2, 4})});
    k.push_back({"tile_x", range(1, 16)});
    k.push_back({"parallel", strs({"n", "none"})});
    break;
  case KernelFamily::Elementwise:
  case KernelFamily::Concatenate:
  case KernelFamily::ZeroPadding2D:
    k.push_back({"vector_width", ints({4, 8, 16, 32, 64})});
    k.push_back({"parallel", strs({"n", "none"})});
    break;
  case KernelFamily::Reduce:
  case KernelFamily::BatchNormStats:
    k.push_back({"vector_width", ints({4, 8, 16, 32})});
    k.push_back({"parallel", strs({"n", "none"})});
    rfactorKnobs();
    break;
  case KernelFamily::MatMul:
    k.push_back({"vector_width", ints({8, 16})});
    k.push_back({"tile_channels", range(1, 4)});
    k.push_back({"tile_x", range(1, 12)});
    k.push_back({"parallel", strs({"n", "none"})});
    rfactorKnobs();
    break;
  }
  return k;
}

std::vector<Knob> multiThreadedOnly(std::vector<Knob> knobs) {
  for (Knob &k : knobs) {
    json serial = k.field == "parallel" ? json("none")
                  : k.field == "rfactor" ? json(false)
                                         : json();
    if (!serial.is_null())
      k.values.erase(std::remove(k.values.begin(), k.values.end(), serial),
                     k.values.end());
  }
  return knobs;
}

const std::vector<std::string> &autoschedulerNames() {
  static const std::vector<std::string> names = {"Mullapudi2016", "Adams2019",
                                                 "Li2018"};
  return names;
}

AutoResult tryAutoscheduler(KernelBench &bench, const std::string &name,
                            double timeLimitSeconds) {
  AutoResult r;
  r.name = name;
  r.schedule = bench.defaultSchedule();
  r.schedule.autoscheduler = name;
  r.schedule.autoschedulerParams = {{"batch", bench.batch()},
                                    {"machine", defaultMachineParams()}};
  Halide::Target target = kiln::codegen::hostTarget();
  // The child only schedules (no JIT, no kernel runs), so the parent's
  // threads and Halide runtime state do not matter to it.
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    signal(SIGINT, SIG_IGN); // the parent decides what Ctrl-C stops
    alarm(static_cast<unsigned>(std::max(1.0, timeLimitSeconds)));
    try {
      (void)buildKernel(bench.spec(), r.schedule, target);
    } catch (...) {
      _exit(3);
    }
    _exit(0);
  }
  if (pid < 0) {
    r.status = "failed: cannot fork";
    return r;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    r.status = WTERMSIG(status) == SIGALRM
                   ? "timed out (" + std::to_string(int(timeLimitSeconds)) + " s)"
                   : "failed: signal " + std::to_string(WTERMSIG(status));
    return r;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    r.status = "failed";
    return r;
  }
  Trial t = bench.evaluate(r.schedule);
  if (!t.ok()) {
    r.status = (t.outcome == Trial::Outcome::Mismatch ? "rejected: " : "failed: ") +
               firstLine(t.error);
    return r;
  }
  r.ok = true;
  r.ms = t.ms;
  r.kernel = t.kernel;
  r.status = "ok";
  return r;
}

ScheduleEntry searchKernel(KernelBench &bench, const SearchOptions &options,
                           ScheduleEntry entry) {
  auto start = std::chrono::steady_clock::now();
  auto stopped = [&] {
    return options.stop && options.stop->load(std::memory_order_relaxed);
  };
  std::mt19937 rng(options.seed);
  SearchProgress progress;
  struct Member {
    Schedule schedule;
    double ms;
  };
  Schedule def = bench.defaultSchedule();
  auto defKernel = bench.defaultKernel();
  progress.defaultMs = bench.time(*defKernel);
  progress.bestMs = progress.defaultMs;
  entry.schedule = def;
  entry.timeMs = entry.defaultTimeMs = progress.defaultMs;
  entry.flops = kernelFlops(bench.spec(), bench.batch());
  entry.batch = bench.batch();
  std::shared_ptr<JitKernel> bestKernel = defKernel;
  double bestMs = progress.defaultMs; // in the time base of the population
  std::vector<Member> population = {{def, progress.defaultMs}};
  std::set<std::string> seen = {json(def).dump()};
  auto report = [&] {
    if (options.onProgress)
      options.onProgress(progress);
  };

  // A challenger that seems faster than the best: believe it only if it
  // wins an interleaved rematch, then measure it against the default.
  auto challenge = [&](const Schedule &s, std::shared_ptr<JitKernel> k,
                       double ms) {
    if (!(ms < bestMs * 0.98))
      return;
    if (bestKernel != defKernel) {
      auto [tc, tb] = bench.compare(*k, *bestKernel);
      if (!(tc < tb * 0.99))
        return;
    }
    auto [tc, td] = bench.compare(*k, *defKernel);
    if (!(tc < td * 0.99))
      return;
    bestKernel = k;
    bestMs = ms;
    entry.schedule = s;
    entry.timeMs = tc;
    entry.defaultTimeMs = td;
    progress.bestMs = progress.defaultMs * tc / td;
    if (options.onImprovement)
      options.onImprovement(entry);
  };

  for (const std::string &name : options.autoschedulers) {
    if (stopped()) {
      entry.alternatives[name] = "n/a (interrupted)";
      continue;
    }
    AutoResult r = tryAutoscheduler(bench, name, options.autoschedulerTimeLimit);
    ++progress.candidates;
    if (!r.ok) {
      ++progress.rejected;
      entry.alternatives[name] = r.status;
    } else {
      // Its figure is relative to this run's default, like the entry's.
      entry.alternatives[name] = r.ms;
      challenge(r.schedule, r.kernel, r.ms);
    }
    report();
  }

  std::vector<Knob> knobs = scheduleSpace(bench.spec());
  if (progress.defaultMs >= options.singleThreadBelowMs)
    knobs = multiThreadedOnly(std::move(knobs));
  std::uniform_real_distribution<double> unit(0, 1);
  int duplicates = 0;
  while (!knobs.empty() && !stopped() &&
         secondsSince(start) < options.budgetSeconds && duplicates < 300) {
    const Member &a = population[rng() % population.size()];
    const Member &b = population[rng() % population.size()];
    json child = json(a.ms <= b.ms ? a.schedule : b.schedule);
    int changes = unit(rng) < 0.3 ? 2 : 1;
    for (int c = 0; c < changes; ++c) {
      const Knob &knob = knobs[rng() % knobs.size()];
      if (knob.values.size() < 2)
        continue;
      int cur = -1;
      for (size_t i = 0; i < knob.values.size(); ++i)
        if (child[knob.field] == knob.values[i])
          cur = static_cast<int>(i);
      int next;
      if (cur >= 0 && unit(rng) < 0.7) {
        next = cur + (rng() % 2 ? 1 : -1);
        if (next < 0 || next >= static_cast<int>(knob.values.size()))
          next = cur + (next < 0 ? 1 : -1);
      } else {
        do
          next = static_cast<int>(rng() % knob.values.size());
        while (next == cur);
      }
      child[knob.field] = knob.values[next];
    }
    if (!seen.insert(child.dump()).second) {
      ++duplicates;
      continue;
    }
    Schedule s = child.get<Schedule>();
    Trial t = bench.evaluate(s);
    ++progress.candidates;
    if (!t.ok()) {
      ++progress.rejected;
      report();
      continue;
    }
    population.push_back({s, t.ms});
    std::sort(population.begin(), population.end(),
              [](const Member &x, const Member &y) { return x.ms < y.ms; });
    if (population.size() > 8)
      population.resize(8);
    challenge(s, t.kernel, t.ms);
    report();
  }

  // 4. The final word: a longer interleaved run against the default.
  if (bestKernel != defKernel) {
    auto [tb, td] = bench.compare(*bestKernel, *defKernel, 21, 400);
    if (tb < td * 0.99) {
      entry.timeMs = tb;
      entry.defaultTimeMs = td;
    } else {
      entry.schedule = def;
      entry.timeMs = entry.defaultTimeMs = td;
    }
  }
  entry.candidates = progress.candidates;
  progress.bestMs = progress.defaultMs / entry.speedup();
  report();
  if (options.onImprovement)
    options.onImprovement(entry);
  return entry;
}

} // namespace kiln::tune
