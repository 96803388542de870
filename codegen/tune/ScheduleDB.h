//===- ScheduleDB.h - Tuned schedules, kept on disk as JSON -----*- C++ -*-===//
//
// The database `kiln tune` writes and the compiler reads: one entry per
// kernel signature, element type, Halide target and Halide version (the
// key), holding the tuned schedule, its measured time and the default
// schedule's time measured in the same run (so the ratio is meaningful even
// when absolute times are not comparable across runs). A spec or target
// whose key changes simply misses: a stale schedule is never served.
// Databases merge across models and runs (per key, the entry with the
// larger measured speedup wins), and save() merges into what is on disk
// then writes atomically (temporary file, fsync, rename).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_TUNE_SCHEDULEDB_H
#define KILN_CODEGEN_TUNE_SCHEDULEDB_H

#include "codegen/KernelSpec.h"
#include "codegen/Schedule.h"
#include "codegen/ir/KernelLibrary.h"
#include "runtime/Status.h"

#include <map>
#include <optional>
#include <string>

namespace kiln::tune {

/// One tuned kernel.
struct ScheduleEntry {
  std::string signature;     ///< KernelSpec::signature()
  std::string dtype = "f32"; ///< element type of the kernel's arithmetic
  std::string target;        ///< resolved Halide target string
  std::string halide;        ///< Halide version
  codegen::Schedule schedule;
  double timeMs = 0;         ///< the tuned schedule's median time
  double defaultTimeMs = 0;  ///< the default's, measured in the same run
  int batch = 128;           ///< batch the times were measured at
  double flops = 0;          ///< FLOPs of one call at that batch
  std::string label;         ///< a readable name (the layer and what it computes)
  /// What else was tried, by name ("Mullapudi2016", "Adams2019", "Li2018"):
  /// a time in ms, or a string ("failed: ...", "n/a", "timed out").
  nlohmann::json alternatives = nlohmann::json::object();
  int candidates = 0;        ///< schedules compiled and timed
  /// defaultTimeMs / timeMs (1 when either is unknown).
  double speedup() const;
};

void to_json(nlohmann::json &j, const ScheduleEntry &e);
void from_json(const nlohmann::json &j, ScheduleEntry &e);

/// The Halide version kiln is built against (e.g. "14.0.0").
std::string halideVersion();

class ScheduleDB {
public:
  /// "signature|dtype|target|halide".
  static std::string key(const std::string &signature, const std::string &dtype,
                         const std::string &target, const std::string &halide);
  static std::string key(const ScheduleEntry &e);

  /// The entry for spec on target with this build's Halide version, if any.
  const ScheduleEntry *find(const codegen::KernelSpec &spec,
                            const std::string &target) const;
  const ScheduleEntry *findKey(const std::string &key) const;
  /// Inserts or replaces (no speedup comparison).
  void put(const ScheduleEntry &e);
  /// Per key, keeps the entry with the larger speedup().
  void merge(const ScheduleDB &other);
  const std::map<std::string, ScheduleEntry> &entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

  std::string toJson() const;
  static runtime::Expected<ScheduleDB> fromJson(const std::string &text);
  /// Reads a database file; a missing file is an empty database.
  static runtime::Expected<ScheduleDB> load(const std::string &path);
  /// Merges this database into the file at path (re-read first, so
  /// concurrent runs lose nothing) and writes the result atomically.
  [[nodiscard]] runtime::Status save(const std::string &path) const;

private:
  std::map<std::string, ScheduleEntry> entries_;
};

/// A ScheduleLookup for KernelLibrary serving db's schedules (a copy is held).
ScheduleLookup fromDatabase(const ScheduleDB &db);

/// The default database: $KILN_CACHE_DIR/schedules.json, else
/// ~/.cache/kiln/schedules.json.
std::string defaultScheduleDBPath();

/// What `--schedules PATH` means for kiln train/run/compile: PATH (which
/// must exist and parse) when given, else the default database when it
/// exists, else no lookup (default schedules). `used` says which file.
runtime::Expected<ScheduleLookup> scheduleLookupFor(const std::string &path,
                                                    std::string *used = nullptr);

} // namespace kiln::tune

#endif // KILN_CODEGEN_TUNE_SCHEDULEDB_H
