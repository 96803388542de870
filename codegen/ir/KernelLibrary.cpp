//===- KernelLibrary.cpp - Compiled kernels, cached on disk ---------------===//
//
// 1. Key each kernel: FNV-1a of (codegen version and a hash of codegen's
//    sources, Halide version, target, symbol, spec signature, schedule JSON).
// 2. Compile the missing objects (and the runtime object) into the cache.
// 3. Link all objects into lib-<hash of keys>.so unless it exists.
// 4. dlopen it with RTLD_DEEPBIND, so that its Halide runtime binds to
//    itself and not to anything else in the process.
//
//===----------------------------------------------------------------------===//
#include "codegen/ir/KernelLibrary.h"
#include "CodegenHash.h" // generated: KILN_CODEGEN_HASH
#include "codegen/KernelCompiler.h"
#include "runtime/exec/HalideErrors.h"

#include <chrono>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

#ifndef KILN_HALIDE_VERSION
#define KILN_HALIDE_VERSION "14"
#endif

namespace fs = std::filesystem;
using kiln::runtime::Expected;
using kiln::runtime::makeError;

namespace kiln {

/// Part of every kernel's key: bump when code generation changes outside
/// codegen's own sources (the lowering's specs, this file's compile flags).
/// Edits to the kernels and schedules change KILN_CODEGEN_HASH instead.
static const char *kCodegenVersion = "kiln-codegen-3|" KILN_CODEGEN_HASH;

std::string kernelCacheDir() {
  if (const char *d = std::getenv("KILN_CACHE_DIR"); d && *d)
    return d;
  if (const char *h = std::getenv("HOME"); h && *h)
    return std::string(h) + "/.cache/kiln";
  return "/tmp/kiln-cache";
}

static std::string hashHex(const std::string &s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

/// Runs argv without a shell; returns its exit status.
int runProcess(const std::vector<std::string> &argv) {
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    std::vector<char *> args;
    for (const auto &a : argv)
      args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static std::string tempName(const std::string &path) {
  return path + ".tmp" + std::to_string(getpid());
}

/// Renames a finished temporary file into the cache. Every file of the cache
/// is written this way, so readers (and a second kiln filling the same cache
/// at once: each writes its own temporary file, and rename replaces
/// atomically) never see a torn one. On failure the temporary file goes.
static runtime::Status moveIntoCache(const std::string &tmp,
                                     const std::string &path) {
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (!ec)
    return runtime::Status::success();
  std::error_code ignored;
  fs::remove(tmp, ignored);
  return makeError("cannot write '", path, "' in the kernel cache: ",
                   ec.message());
}

KernelLibrary::~KernelLibrary() {
  if (handle_)
    dlclose(handle_);
}

Expected<KernelObjects>
compileKernelObjects(const std::map<std::string, codegen::KernelSpec> &kernels,
                     const std::string &targetString, bool progress,
                     const ScheduleLookup &lookup) {
  auto start = std::chrono::steady_clock::now();
  Halide::Target target;
  try {
    target = codegen::resolveTarget(targetString);
  } catch (const std::exception &e) {
    return makeError("unknown target '", targetString, "': ", e.what());
  }
  target = target.with_feature(Halide::Target::NoRuntime);
  std::string dir = kernelCacheDir();
  std::error_code ec;
  fs::create_directories(dir + "/objects", ec);
  fs::create_directories(dir + "/libs", ec);
  if (ec)
    return makeError("cannot create the kernel cache in '", dir,
                     "': ", ec.message());
  std::string prefix = std::string(kCodegenVersion) + "|" +
                       KILN_HALIDE_VERSION + "|" + target.to_string() + "|";

  KernelObjects out;
  out.target = target.without_feature(Halide::Target::NoRuntime).to_string();
  std::string allKeys;
  int done = 0, total = kernels.size() + 1;
  auto show = [&](const std::string &what) {
    if (progress)
      std::fprintf(stderr, "\rcompiling kernels [%d/%d] %-60.60s", done, total,
                   what.c_str());
  };
  // An error ends the progress line first, so that it starts its own.
  auto endProgress = [&] {
    if (progress)
      std::fputc('\n', stderr);
  };
  for (const auto &[symbol, spec] : kernels) {
    std::optional<codegen::Schedule> tuned;
    if (lookup)
      tuned = lookup(spec, out.target);
    codegen::Schedule schedule =
        tuned ? *tuned : codegen::defaultScheduleFor(spec, target);
    std::string key =
        hashHex(prefix + symbol + "|" + spec.signature() + "|" +
                codegen::scheduleToJson(schedule));
    std::string obj = dir + "/objects/" + symbol + "-" + key + ".o";
    allKeys += key;
    out.objects.push_back(obj);
    ++done;
    if (fs::exists(obj)) {
      ++out.stats.cached;
      continue;
    }
    show(symbol);
    std::string tmp = tempName(obj);
    std::string err =
        codegen::compileKernelToObject(spec, schedule, target, symbol, tmp);
    if (!err.empty()) {
      fs::remove(tmp, ec);
      endProgress();
      return makeError("compiling kernel ", symbol, ": ", err);
    }
    if (auto s = moveIntoCache(tmp, obj); !s.ok())
      return endProgress(), s;
    ++out.stats.compiled;
  }
  std::string rt = dir + "/objects/halide_runtime-" +
                   hashHex(prefix + "runtime") + ".o";
  out.objects.push_back(rt);
  ++done;
  if (!fs::exists(rt)) {
    show("halide runtime");
    std::string tmp = tempName(rt);
    Halide::Target rtTarget = target.without_feature(Halide::Target::NoRuntime);
    std::string err = codegen::compileRuntime(rtTarget, tmp);
    if (!err.empty()) {
      fs::remove(tmp, ec);
      endProgress();
      return makeError("compiling the Halide runtime: ", err);
    }
    if (auto s = moveIntoCache(tmp, rt); !s.ok())
      return endProgress(), s;
  }
  out.key = hashHex(allKeys + rt);
  if (progress && out.stats.compiled)
    std::fprintf(stderr, "\rcompiled %d kernels (%d cached)%50s\n",
                 out.stats.compiled, out.stats.cached, "");
  out.stats.seconds = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  return out;
}

Expected<std::unique_ptr<KernelLibrary>>
KernelLibrary::load(const std::map<std::string, codegen::KernelSpec> &kernels,
                    const std::string &targetString, bool progress,
                    CompileStats *stats, const ScheduleLookup &lookup) {
  auto objects = compileKernelObjects(kernels, targetString, progress, lookup);
  if (!objects.ok())
    return objects.status();
  // OpenCL runs on CI through PoCL, which compiles kernels with LLVM 15;
  // this process holds Halide's LLVM 14, and two LLVMs in one process
  // crash. The kernels compiled above stay cached for `kiln compile`.
  if (Halide::Target(objects->target).has_feature(Halide::Target::OpenCL))
    return makeError(
        "OpenCL kernels cannot run inside kiln: an OpenCL driver such as PoCL "
        "brings its own LLVM, and kiln already holds Halide's (one LLVM per "
        "process). Build an executable with `kiln compile --target ",
        targetString, "` and run that instead");
  std::error_code ec;
  std::string lib = kernelCacheDir() + "/libs/kernels-" + objects->key + ".so";
  if (!fs::exists(lib)) {
    std::string tmp = tempName(lib);
    std::vector<std::string> argv = {"c++", "-shared", "-o", tmp};
    argv.insert(argv.end(), objects->objects.begin(), objects->objects.end());
    argv.insert(argv.end(), {"-lpthread", "-ldl"});
    if (runProcess(argv) != 0) {
      fs::remove(tmp, ec);
      return makeError("linking the kernels with c++ failed (is g++ "
                       "installed?)");
    }
    if (auto s = moveIntoCache(tmp, lib); !s.ok())
      return s;
  }
  std::unique_ptr<KernelLibrary> l(new KernelLibrary());
  l->path_ = lib;
  // RTLD_DEEPBIND: the library's Halide runtime binds to itself.
  l->handle_ = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!l->handle_)
    return makeError("cannot load the kernel library '", lib,
                     "': ", dlerror());
  runtime::installHalideErrorHandler(dlsym(l->handle_, "halide_set_error_handler"));
  if (stats)
    *stats = objects->stats;
  return l;
}

runtime::KernelEntry KernelLibrary::lookup(const std::string &symbol) const {
  return reinterpret_cast<runtime::KernelEntry>(
      dlsym(handle_, (symbol + "_argv").c_str()));
}

runtime::KernelResolver KernelLibrary::resolver() const {
  return [this](const std::string &s) { return lookup(s); };
}

} // namespace kiln
