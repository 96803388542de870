//===- ScheduleDB.cpp - Tuned schedules, kept on disk as JSON -------------===//
//
// JSON layout: {"format": "kiln schedules v1", "entries": {KEY: ENTRY}},
// ENTRY holding the key's parts again (checked on load: an entry whose
// parts disagree with its key is dropped, never served).
//
//===----------------------------------------------------------------------===//
#include "codegen/tune/ScheduleDB.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#ifndef KILN_HALIDE_VERSION
#define KILN_HALIDE_VERSION "unknown"
#endif

namespace fs = std::filesystem;

namespace kiln::tune {

static const char *kFormat = "kiln schedules v1";

double ScheduleEntry::speedup() const {
  return timeMs > 0 && defaultTimeMs > 0 ? defaultTimeMs / timeMs : 1.0;
}

void to_json(nlohmann::json &j, const ScheduleEntry &e) {
  j = nlohmann::json{{"signature", e.signature},
                     {"dtype", e.dtype},
                     {"target", e.target},
                     {"halide", e.halide},
                     {"schedule", e.schedule},
                     {"time_ms", e.timeMs},
                     {"default_time_ms", e.defaultTimeMs},
                     {"batch", e.batch},
                     {"flops", e.flops},
                     {"label", e.label},
                     {"alternatives", e.alternatives},
                     {"candidates", e.candidates}};
}

void from_json(const nlohmann::json &j, ScheduleEntry &e) {
  j.at("signature").get_to(e.signature);
  j.at("dtype").get_to(e.dtype);
  j.at("target").get_to(e.target);
  j.at("halide").get_to(e.halide);
  j.at("schedule").get_to(e.schedule);
  e.timeMs = j.value("time_ms", 0.0);
  e.defaultTimeMs = j.value("default_time_ms", 0.0);
  e.batch = j.value("batch", 128);
  e.flops = j.value("flops", 0.0);
  e.label = j.value("label", "");
  e.alternatives = j.value("alternatives", nlohmann::json::object());
  e.candidates = j.value("candidates", 0);
}

std::string halideVersion() { return KILN_HALIDE_VERSION; }

std::string ScheduleDB::key(const std::string &signature,
                            const std::string &dtype, const std::string &target,
                            const std::string &halide) {
  return signature + "|" + dtype + "|" + target + "|" + halide;
}

std::string ScheduleDB::key(const ScheduleEntry &e) {
  return key(e.signature, e.dtype, e.target, e.halide);
}

const ScheduleEntry *ScheduleDB::findKey(const std::string &k) const {
  auto it = entries_.find(k);
  return it == entries_.end() ? nullptr : &it->second;
}

const ScheduleEntry *ScheduleDB::find(const codegen::KernelSpec &spec,
                                      const std::string &target) const {
  return findKey(key(spec.signature(), "f32", target, halideVersion()));
}

void ScheduleDB::put(const ScheduleEntry &e) { entries_[key(e)] = e; }

void ScheduleDB::merge(const ScheduleDB &other) {
  for (const auto &[k, e] : other.entries_) {
    auto it = entries_.find(k);
    if (it == entries_.end() || e.speedup() > it->second.speedup())
      entries_[k] = e;
  }
}

std::string ScheduleDB::toJson() const {
  nlohmann::json entries = nlohmann::json::object();
  for (const auto &[k, e] : entries_)
    entries[k] = e;
  return nlohmann::json{{"format", kFormat}, {"entries", entries}}.dump(1) +
         "\n";
}

runtime::Expected<ScheduleDB> ScheduleDB::fromJson(const std::string &text) {
  ScheduleDB db;
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object() || j.value("format", "") != kFormat)
      return runtime::makeError("not a kiln schedule database (format '",
                                kFormat, "' expected)");
    for (const auto &[k, v] : j.at("entries").items()) {
      ScheduleEntry e = v.get<ScheduleEntry>();
      if (key(e) == k) // an edited or corrupted key is never served
        db.entries_.emplace(k, std::move(e));
    }
  } catch (const nlohmann::json::exception &e) {
    return runtime::makeError("malformed schedule database: ", e.what());
  }
  return db;
}

runtime::Expected<ScheduleDB> ScheduleDB::load(const std::string &path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    return ScheduleDB();
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return runtime::makeError("cannot read '", path, "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  auto db = fromJson(ss.str());
  if (!db.ok())
    return runtime::makeError(path, ": ", db.message());
  return db;
}

runtime::Status ScheduleDB::save(const std::string &path) const {
  auto onDisk = load(path);
  ScheduleDB merged = onDisk.ok() ? std::move(*onDisk) : ScheduleDB();
  // This run's entries replace the file's for the same key: they are the
  // newer measurement, and merge() by speedup would let an old lucky figure
  // shadow a re-tune.
  for (const auto &[k, e] : entries_)
    merged.entries_[k] = e;
  std::string text = merged.toJson();
  fs::path p(path);
  std::error_code ec;
  if (p.has_parent_path())
    fs::create_directories(p.parent_path(), ec);
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    return runtime::makeError("cannot write '", tmp, "': ", strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      std::string err = strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return runtime::makeError("cannot write '", tmp, "': ", err);
    }
    done += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return runtime::makeError("cannot sync '", tmp, "'");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string err = strerror(errno);
    ::unlink(tmp.c_str());
    return runtime::makeError("cannot rename '", tmp, "' to '", path,
                              "': ", err);
  }
  std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return runtime::Status::success();
}

ScheduleLookup fromDatabase(const ScheduleDB &db) {
  auto shared = std::make_shared<ScheduleDB>(db);
  return [shared](const codegen::KernelSpec &spec, const std::string &target)
             -> std::optional<codegen::Schedule> {
    if (const ScheduleEntry *e = shared->find(spec, target))
      return e->schedule;
    return std::nullopt;
  };
}

std::string defaultScheduleDBPath() { return kernelCacheDir() + "/schedules.json"; }

runtime::Expected<ScheduleLookup> scheduleLookupFor(const std::string &path,
                                                    std::string *used) {
  std::string p = path;
  if (p.empty()) {
    std::error_code ec;
    if (!fs::exists(defaultScheduleDBPath(), ec))
      return ScheduleLookup();
    p = defaultScheduleDBPath();
  } else if (!fs::exists(p)) {
    return runtime::makeError("no schedule database '", p, "'");
  }
  auto db = ScheduleDB::load(p);
  if (!db.ok())
    return db.status();
  if (used)
    *used = p;
  return fromDatabase(*db);
}

} // namespace kiln::tune
