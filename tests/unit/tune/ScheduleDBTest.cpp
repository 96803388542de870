//===- ScheduleDBTest.cpp - The tuned-schedule database -------------------===//
#include "codegen/tune/ScheduleDB.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <csignal>
#include <iterator>
#include <sys/resource.h>
#include <unistd.h>

using namespace kiln;
using namespace kiln::codegen;
using namespace kiln::tune;
namespace fs = std::filesystem;

namespace {

KernelSpec tinyConv() {
  Conv2DAttrs a;
  a.filters = 8;
  return KernelSpec::conv2d("c", 6, 6, 4, a);
}

ScheduleEntry entryFor(const KernelSpec &spec, const std::string &target,
                       int tileX, double ms, double defaultMs) {
  ScheduleEntry e;
  e.signature = spec.signature();
  e.target = target;
  e.halide = halideVersion();
  e.schedule = defaultSchedule(spec);
  e.schedule.tileX = tileX;
  e.timeMs = ms;
  e.defaultTimeMs = defaultMs;
  e.label = "c";
  e.alternatives["Mullapudi2016"] = 1.5;
  e.alternatives["Adams2019"] = "timed out (60 s)";
  return e;
}

std::string tempPath(const std::string &name) {
  fs::path dir = fs::temp_directory_path() /
                 ("kiln-tune-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

} // namespace

TEST(ScheduleDB, RoundTripKeepsEveryField) {
  ScheduleDB db;
  KernelSpec spec = tinyConv();
  ScheduleEntry e = entryFor(spec, "x86-64-linux", 3, 1.0, 2.0);
  e.schedule.autoscheduler = "Mullapudi2016";
  e.schedule.autoschedulerParams = {{"batch", 64}};
  db.put(e);
  auto back = ScheduleDB::fromJson(db.toJson());
  ASSERT_TRUE(back.ok()) << back.message();
  const ScheduleEntry *f = back->find(spec, "x86-64-linux");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->schedule, e.schedule);
  EXPECT_EQ(f->schedule.autoscheduler, "Mullapudi2016");
  EXPECT_DOUBLE_EQ(f->speedup(), 2.0);
  EXPECT_EQ(f->alternatives, e.alternatives);
}

TEST(ScheduleDB, DefaultScheduleJsonHasNoAutoschedulerKeys) {
  // Cache keys hash the schedule's JSON: the new field must not change it.
  nlohmann::json j = defaultSchedule(tinyConv());
  EXPECT_FALSE(j.contains("autoscheduler"));
  EXPECT_FALSE(j.contains("params"));
}

TEST(ScheduleDB, MergeKeepsTheLargerSpeedup) {
  KernelSpec spec = tinyConv();
  ScheduleDB a, b;
  a.put(entryFor(spec, "t", 2, 1.0, 1.5));  // 1.5x
  b.put(entryFor(spec, "t", 5, 2.0, 4.0));  // 2x, slower in ms (other run)
  KernelSpec other = spec;
  other.conv.filters = 16;
  b.put(entryFor(other, "t", 1, 1.0, 1.0));
  a.merge(b);
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(a.find(spec, "t")->schedule.tileX, 5);
  ScheduleDB c;
  c.put(entryFor(spec, "t", 7, 1.0, 1.1));
  a.merge(c);
  EXPECT_EQ(a.find(spec, "t")->schedule.tileX, 5);
}

TEST(ScheduleDB, StaleKeysAreNeverServed) {
  KernelSpec spec = tinyConv();
  ScheduleDB db;
  db.put(entryFor(spec, "x86-64-linux-avx2", 3, 1, 2));
  ScheduleEntry oldHalide = entryFor(spec, "x86-64-linux-avx512", 3, 1, 2);
  oldHalide.halide = "13.0.0";
  db.put(oldHalide);
  EXPECT_NE(db.find(spec, "x86-64-linux-avx2"), nullptr);
  EXPECT_EQ(db.find(spec, "x86-64-linux-avx512"), nullptr); // other Halide
  EXPECT_EQ(db.find(spec, "x86-64-linux"), nullptr);        // other target
  KernelSpec changed = spec;
  changed.conv.strideW = 2;
  EXPECT_EQ(db.find(changed, "x86-64-linux-avx2"), nullptr); // other shape
  ScheduleLookup lookup = fromDatabase(db);
  EXPECT_TRUE(lookup(spec, "x86-64-linux-avx2").has_value());
  EXPECT_FALSE(lookup(changed, "x86-64-linux-avx2").has_value());

  // An entry filed under a key its contents disagree with is dropped.
  nlohmann::json j = nlohmann::json::parse(db.toJson());
  std::string key = ScheduleDB::key(spec.signature(), "f32",
                                    "x86-64-linux-avx2", halideVersion());
  nlohmann::json moved = j["entries"][key];
  moved["signature"] = changed.signature();
  j["entries"][key] = moved;
  auto back = ScheduleDB::fromJson(j.dump());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->find(spec, "x86-64-linux-avx2"), nullptr);
  EXPECT_EQ(back->find(changed, "x86-64-linux-avx2"), nullptr);
}

TEST(ScheduleDB, SaveIsAtomicAndMergesWithTheFile) {
  std::string path = tempPath("schedules.json");
  fs::remove(path);
  KernelSpec spec = tinyConv(), other = tinyConv();
  other.conv.filters = 16;
  ScheduleDB first;
  first.put(entryFor(spec, "t", 3, 1, 2));
  ASSERT_TRUE(first.save(path).ok());
  ScheduleDB second; // another model's run, saved to the same file
  second.put(entryFor(other, "t", 4, 1, 3));
  ASSERT_TRUE(second.save(path).ok());
  auto back = ScheduleDB::load(path);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->size(), 2u);
  EXPECT_EQ(back->find(spec, "t")->schedule.tileX, 3);
  EXPECT_EQ(back->find(other, "t")->schedule.tileX, 4);
  // Nothing but the database is left in the folder (no temporary files).
  int files = 0;
  for (auto &f : fs::directory_iterator(fs::path(path).parent_path()))
    files += f.path().filename().string().rfind("schedules.json", 0) == 0;
  EXPECT_EQ(files, 1);
  // A missing file is an empty database; a corrupt one is an error.
  EXPECT_TRUE(ScheduleDB::load(path + ".missing").ok());
  std::ofstream(path + ".bad") << "{not json";
  EXPECT_FALSE(ScheduleDB::load(path + ".bad").ok());
  EXPECT_FALSE(scheduleLookupFor(path + ".missing").ok());
  std::string used;
  auto lookup = scheduleLookupFor(path, &used);
  ASSERT_TRUE(lookup.ok());
  EXPECT_EQ(used, path);
  fs::remove_all(fs::path(path).parent_path());
}

TEST(ScheduleDB, SaveOnAFullDiskKeepsTheOldFile) {
  // A file-size limit stands in for a full disk: write() fails with EFBIG
  // (SIGXFSZ ignored, as kiln does) where a full disk gives ENOSPC.
  std::string path = tempPath("full-disk-schedules.json");
  fs::remove(path);
  ScheduleDB first;
  first.put(entryFor(tinyConv(), "t", 3, 1, 2));
  ASSERT_TRUE(first.save(path).ok());
  std::string before;
  {
    std::ifstream in(path);
    before.assign(std::istreambuf_iterator<char>(in), {});
  }
  ScheduleDB bigger;
  for (int f = 1; f <= 200; ++f) {
    KernelSpec spec = tinyConv();
    spec.conv.filters = f;
    bigger.put(entryFor(spec, "t", 4, 1, 3));
  }
  auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct rlimit small = saved;
  small.rlim_cur = before.size() + 16;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  runtime::Status s = bigger.save(path);
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, oldHandler);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("File too large"), std::string::npos) << s.message();
  std::string after;
  {
    std::ifstream in(path);
    after.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_EQ(after, before);
  int files = 0;
  for (auto &f : fs::directory_iterator(fs::path(path).parent_path()))
    files += f.path().filename().string().rfind("full-disk-schedules.json", 0) == 0;
  EXPECT_EQ(files, 1);
}
