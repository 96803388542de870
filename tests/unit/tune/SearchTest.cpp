//===- SearchTest.cpp - The tuner's search on tiny kernels ----------------===//
#include "codegen/tune/Search.h"
#include "codegen/tune/Tuner.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <unistd.h>

using namespace kiln;
using namespace kiln::codegen;
using namespace kiln::tune;

namespace {

KernelSpec tinyConv() {
  Conv2DAttrs a;
  a.filters = 32;
  a.activation = Activation::Relu;
  return KernelSpec::conv2d("tiny", 8, 8, 4, a);
}

Halide::Target host() { return Halide::get_jit_target_from_environment(); }

std::atomic<bool> gStop{false};
void onSigint(int) { gStop.store(true); }

} // namespace

TEST(Search, SpaceCoversTheFieldsEachFamilyReads) {
  auto names = [](const std::vector<Knob> &ks) {
    std::set<std::string> s;
    for (const Knob &k : ks)
      s.insert(k.field);
    return s;
  };
  auto conv = names(scheduleSpace(tinyConv()));
  EXPECT_TRUE(conv.count("tile_x") && conv.count("tile_channels") &&
              conv.count("unroll_reduction") && conv.count("parallel"));
  KernelSpec filter = tinyConv();
  filter.family = KernelFamily::Conv2DBackpropFilter;
  auto f = names(scheduleSpace(filter));
  EXPECT_TRUE(f.count("rfactor_chunk") && f.count("tile_y"));
}

TEST(Search, MultiThreadedOnlyDropsSerialValues) {
  KernelSpec filter = tinyConv();
  filter.family = KernelFamily::Conv2DBackpropFilter;
  for (const Knob &k : multiThreadedOnly(scheduleSpace(filter))) {
    for (const nlohmann::json &v : k.values) {
      EXPECT_FALSE(k.field == "parallel" && v == "none");
      EXPECT_FALSE(k.field == "rfactor" && v == false);
    }
    EXPECT_FALSE(k.values.empty()) << k.field;
  }
}

TEST(Search, StepSummaryRatioAndInterval) {
  // Tuned 10% faster with noise: the interval holds the ratio, above 1.
  std::vector<double> a, b;
  for (int i = 0; i < 101; ++i) {
    double noise = 0.3 * ((i * 37) % 11 - 5) / 5.0;
    a.push_back(11.0 + noise);
    b.push_back(10.0 + 0.9 * noise);
  }
  StepTimes t = summarizeSteps(a, b);
  EXPECT_EQ(t.rounds, 101);
  EXPECT_NEAR(t.ratio, 1.1, 0.02);
  EXPECT_LE(t.ratioLow, t.ratio);
  EXPECT_GE(t.ratioHigh, t.ratio);
  EXPECT_GT(t.ratioLow, 1.0);
  EXPECT_NEAR(t.pairedRatio, 1.1, 0.02);
  EXPECT_GT(t.pairedLow, 1.0);
  EXPECT_GE(t.pairedHigh, t.pairedRatio);
  // A load that doubles both steps of some rounds: the medians move, the
  // per-round ratio does not.
  std::vector<double> la = a, lb = b;
  for (int i = 0; i < 101; i += 3)
    la[i] *= 2, lb[i] *= 2;
  StepTimes loaded = summarizeSteps(la, lb);
  EXPECT_NEAR(loaded.pairedRatio, t.pairedRatio, 1e-9);
  EXPECT_NEAR(t.defaultMinMs, 10.7, 1e-9);
  EXPECT_GT(t.defaultIqrMs, 0);
  // Same distribution: the interval straddles 1.
  StepTimes same = summarizeSteps(a, a);
  EXPECT_DOUBLE_EQ(same.ratio, 1.0);
  EXPECT_LE(same.ratioLow, 1.0);
  EXPECT_GE(same.ratioHigh, 1.0);
}

TEST(Search, TinyBudgetFindsAScheduleMatchingTheDefault) {
  KernelSpec spec = tinyConv();
  KernelBench bench(spec, host(), 8, randomInputs(spec, 8, 3));
  SearchOptions o;
  o.budgetSeconds = 3;
  ScheduleEntry e = searchKernel(bench, o, ScheduleEntry());
  EXPECT_GT(e.candidates, 0);
  EXPECT_GE(e.speedup(), 1.0); // never worse than the default
  // Independently: the chosen schedule's outputs equal the default's.
  JitKernel chosen(spec, e.schedule, host()), def(spec, bench.defaultSchedule(), host());
  auto in = randomInputs(spec, 8, 9);
  auto outA = makeOutputs(spec, 8), outB = makeOutputs(spec, 8);
  std::vector<halide_buffer_t *> a, b;
  for (auto &x : in)
    a.push_back(x.raw_buffer()), b.push_back(x.raw_buffer());
  a.push_back(outA[0].raw_buffer());
  b.push_back(outB[0].raw_buffer());
  ASSERT_EQ(chosen.run(a), 0);
  ASSERT_EQ(def.run(b), 0);
  EXPECT_LE(maxRelativeError(outA, outB), KernelBench::kTolerance);
}

TEST(Search, CandidateWithWrongOutputsIsRejected) {
  KernelSpec spec = tinyConv();
  KernelBench bench(spec, host(), 8, randomInputs(spec, 8, 3));
  Schedule def = bench.defaultSchedule();
  // Fault injection: every schedule but the default computes garbage.
  bench.perturbOutputs = [&](const Schedule &s,
                             std::vector<Halide::Buffer<>> &outs) {
    if (!(s == def))
      Halide::Buffer<float>(outs[0]).for_each_value([](float &v) { v += 1; });
  };
  Trial bad = bench.evaluate([&] {
    Schedule s = def;
    s.tileX = 2;
    return s;
  }());
  EXPECT_EQ(bad.outcome, Trial::Outcome::Mismatch);
  SearchProgress last;
  SearchOptions o;
  o.budgetSeconds = 2;
  o.onProgress = [&](const SearchProgress &p) { last = p; };
  ScheduleEntry e = searchKernel(bench, o, ScheduleEntry());
  EXPECT_GT(last.candidates, 0);
  EXPECT_EQ(last.rejected, last.candidates);
  EXPECT_EQ(e.schedule, def);
}

TEST(Search, SigintStopsTheSearchAndKeepsTheResult) {
  KernelSpec spec = tinyConv();
  KernelBench bench(spec, host(), 8, randomInputs(spec, 8, 3));
  auto old = std::signal(SIGINT, onSigint);
  gStop = false;
  SearchOptions o;
  o.budgetSeconds = 60;
  o.stop = &gStop;
  int calls = 0;
  o.onProgress = [&](const SearchProgress &) {
    if (++calls == 2)
      std::raise(SIGINT);
  };
  auto t0 = std::chrono::steady_clock::now();
  ScheduleEntry e = searchKernel(bench, o, ScheduleEntry());
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::signal(SIGINT, old);
  EXPECT_TRUE(gStop.load());
  EXPECT_LT(s, 30);
  EXPECT_LE(e.candidates, 3);
  EXPECT_GE(e.speedup(), 1.0);
}

TEST(Search, MullapudiScheduleIsACandidateAndMatches) {
  KernelSpec spec = tinyConv();
  KernelBench bench(spec, host(), 8, randomInputs(spec, 8, 3));
  AutoResult r = tryAutoscheduler(bench, "Mullapudi2016", 60);
  ASSERT_TRUE(r.ok) << r.status;
  EXPECT_GT(r.ms, 0);
  // The stored form re-applies the autoscheduler at compile time.
  Schedule back = scheduleFromJson(scheduleToJson(r.schedule));
  EXPECT_EQ(back.autoscheduler, "Mullapudi2016");
  EXPECT_EQ(bench.evaluate(back).outcome, Trial::Outcome::Ok);
}

TEST(Search, TuneJobsWritesTheDatabase) {
  KernelSpec spec = tinyConv();
  std::vector<TuneJob> jobs(1);
  jobs[0].symbol = "tiny";
  jobs[0].label = "tiny conv";
  jobs[0].spec = spec;
  jobs[0].calls = 1;
  jobs[0].batch = 8;
  jobs[0].inputs = randomInputs(spec, 8, 5);
  std::string path = (std::filesystem::temp_directory_path() /
                      ("kiln-tune-db-" + std::to_string(getpid()) + ".json"))
                         .string();
  TuneOptions o;
  o.budgetSeconds = 2;
  o.dbPath = path;
  o.autoschedulers = false;
  ScheduleDB db;
  auto r = tuneJobs(jobs, host(), o, db);
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_EQ(r->size(), 1u);
  auto back = ScheduleDB::load(path);
  ASSERT_TRUE(back.ok());
  EXPECT_NE(back->find(spec, targetKey(host())), nullptr);
  std::filesystem::remove(path);
}
