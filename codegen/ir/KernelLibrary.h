//===- KernelLibrary.h - Compiled kernels, cached on disk -------*- C++ -*-===//
//
// Compiles every kernel of a program ahead of time with Halide (one object
// file per kernel, Target::NoRuntime, plus the Halide runtime once), links
// them into a shared library with the system's C++ driver, and dlopens it.
// Objects and libraries live in the kernel cache ($KILN_CACHE_DIR, else
// ~/.cache/kiln), keyed by a hash of everything that determines the code:
// kernel signature, schedule, target, Halide version and kiln's codegen
// version. A second run of the same model compiles nothing; a changed key
// never serves a stale kernel. Files are written to a temporary name and
// renamed, so an interrupted compile leaves no torn entry.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_IR_KERNELLIBRARY_H
#define KILN_CODEGEN_IR_KERNELLIBRARY_H

#include "codegen/KernelSpec.h"
#include "codegen/Schedule.h"
#include "runtime/Status.h"
#include "runtime/exec/Executor.h"

#include <functional>
#include <map>
#include <optional>
#include <vector>
#include <memory>
#include <string>

namespace kiln {

/// Where the kernel cache lives: $KILN_CACHE_DIR, else ~/.cache/kiln.
std::string kernelCacheDir();

/// What compiling showed: how many kernels were compiled vs found cached.
struct CompileStats {
  int compiled = 0;
  int cached = 0;
  double seconds = 0;
};

/// Where a kernel's schedule comes from: a tuned database's entry for the
/// spec on the target, or nothing (the family's default is used).
using ScheduleLookup = std::function<std::optional<codegen::Schedule>(
    const codegen::KernelSpec &, const std::string &target)>;

/// The object files of a program's kernels, in the cache: one per kernel
/// (compiled with Target::NoRuntime) plus the Halide runtime's.
struct KernelObjects {
  std::vector<std::string> objects;  ///< kernels, then the runtime
  std::string key;                   ///< hash of all of them
  std::string target;                ///< the resolved Halide target
  CompileStats stats;
};

/// Compiles what the cache lacks. `target` is "host" or a Halide target
/// string; `lookup` may supply tuned schedules.
runtime::Expected<KernelObjects>
compileKernelObjects(const std::map<std::string, codegen::KernelSpec> &kernels,
                     const std::string &target, bool progress,
                     const ScheduleLookup &lookup = {});

/// Runs argv (no shell) and returns its exit status, -1 if it could not run.
int runProcess(const std::vector<std::string> &argv);

/// A loaded shared library of kernels.
class KernelLibrary {
public:
  ~KernelLibrary();

  /// Compiles what the cache lacks, links, loads. `target` is a Halide
  /// target string ("host" by default). Progress goes to stderr when
  /// `progress` is set.
  static runtime::Expected<std::unique_ptr<KernelLibrary>>
  load(const std::map<std::string, codegen::KernelSpec> &kernels,
       const std::string &target, bool progress, CompileStats *stats = nullptr,
       const ScheduleLookup &lookup = {});

  /// The argv entry of `symbol`, or null.
  runtime::KernelEntry lookup(const std::string &symbol) const;
  runtime::KernelResolver resolver() const;
  const std::string &path() const { return path_; }

private:
  void *handle_ = nullptr;
  std::string path_;
};

} // namespace kiln

#endif // KILN_CODEGEN_IR_KERNELLIBRARY_H
