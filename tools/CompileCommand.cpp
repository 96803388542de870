//===- CompileCommand.cpp - kiln compile ----------------------------------===//
//
// Turns a model into one executable (or a static library + C header) that
// trains, evaluates and predicts with nothing of the compiler inside:
//   1. import, nn-build-train-step and lowering, as `kiln train` does
//      (TrainingSetup), the IR dumped after every pass with --dump-ir;
//   2. every kernel compiled ahead of time to an object in the kernel cache
//      (compileKernelObjects), plus the Halide runtime's object;
//   3. a generated C++ source (ModelSource) holding the plans as JSON, the
//      weights manifest, the summary, the defaults and the kernel table;
//   4. the system's C++ driver links it with the kernels and the runtime's
//      static libraries (runtime/exe, exec, train, runtime): no LLVM, MLIR
//      or libHalide. For --emit static-lib, ar merges the same objects and
//      libraries (with the C API, runtime/exe/kiln_model.h) into one archive.
//
//===----------------------------------------------------------------------===//
#include "codegen/KernelCompiler.h"
#include "codegen/ir/KernelLibrary.h"
#include "frontend/Summary.h"
#include "ir/NNDialect.h"
#include "runtime/exec/Checkpoint.h"
#include "tools/Commands.h"
#include "tools/TempDir.h"
#include "tools/ModelLoader.h"
#include "tools/ModelSource.h"
#include "tools/TrainingSetup.h"
#if __has_include("codegen/tune/ScheduleDB.h")
#include "codegen/tune/ScheduleDB.h"
#define KILN_HAVE_SCHEDULE_DB 1
#endif

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

#ifndef KILN_VERSION
#define KILN_VERSION "unknown"
#endif
#ifndef KILN_EXE_LINK_FLAGS
#define KILN_EXE_LINK_FLAGS ""
#endif

namespace fs = std::filesystem;
using namespace kiln::runtime;

namespace kiln {
namespace {

/// The static libraries an executable links, in link order (set by CMake:
/// the build's lib dir).
std::vector<std::string> runtimeLibraries() {
  return {KILN_LIB_EXEMAIN, KILN_LIB_EXE, KILN_LIB_EXEC, KILN_LIB_TRAINER,
          KILN_LIB_RUNTIME, KILN_LIB_SUPPORT};
}

double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
      .count();
}

std::string withCommas(int64_t v) {
  std::string s = std::to_string(v);
  for (int i = int(s.size()) - 3; i > (s[0] == '-' ? 1 : 0); i -= 3)
    s.insert(size_t(i), ",");
  return s;
}

/// --stats: kernels, arena, weights and FLOPs per training step.
void printStats(const TrainingPrograms &p, int64_t batch, std::ostream &os) {
  auto fixedBytes = [](const Plan &plan) {
    int64_t b = 0;
    for (const PlanTensor &t : plan.tensors)
      if (t.role == TensorRole::Fixed)
        b += t.elementsPerSample() * 4;
    return b;
  };
  int64_t model = 0, optimizer = 0;
  std::map<std::string, int64_t> weights;
  for (const Plan *plan : {&p.train.plan, &p.eval.plan})
    for (const PlanTensor &t : plan->tensors)
      if (t.role == TensorRole::Weight)
        weights[t.name] = t.elementsPerSample() * 4;
  for (const auto &[name, bytes] : weights)
    (isOptimizerState(name) ? optimizer : model) += bytes;
  double flops = 0;
  for (const PlanCall &c : p.train.plan.calls)
    flops += codegen::kernelFlops(p.kernels.at(c.symbol), int(batch));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", flops / 1e9);
  os << "kernels:              " << p.kernels.size() << " distinct (train step "
     << p.train.plan.calls.size() << " calls, eval step "
     << p.eval.plan.calls.size() << ", forward " << p.forward.plan.calls.size()
     << ")\n"
     << "arena bytes:          " << withCommas(p.train.plan.arenaBytesPerSample * batch)
     << " (train step at batch " << batch << "; "
     << withCommas(p.train.plan.arenaBytesPerSample) << " per sample), eval "
     << withCommas(p.eval.plan.arenaBytesPerSample * batch) << ", forward "
     << withCommas(p.forward.plan.arenaBytesPerSample * batch) << "\n"
     << "gradient scratch:     " << withCommas(fixedBytes(p.train.plan))
     << " bytes (batch-independent)\n"
     << "weight bytes:         " << withCommas(model) << " (model) + "
     << withCommas(optimizer) << " (optimizer state)\n"
     << "FLOPs per train step: " << buf << " GFLOP at batch " << batch << "\n";
}

/// --dump-ir: plans, each kernel's statement and assembly, and an index.
Status dumpKernels(const std::string &dir, const TrainingPrograms &p,
                   const std::string &targetString, IRDump &dump,
                   const ScheduleLookup &lookup) {
  Halide::Target target;
  try {
    target = targetString == "host" ? Halide::get_host_target()
                                    : Halide::Target(targetString);
  } catch (const std::exception &e) {
    return makeError("unknown target '", targetString, "': ", e.what());
  }
  for (auto [name, plan] : {std::pair{"train_step", &p.train.plan},
                            {"eval_step", &p.eval.plan},
                            {"forward", &p.forward.plan}}) {
    std::string file = std::string("plan-") + name + ".json";
    std::ofstream(dir + "/" + file) << plan->toJson() << "\n";
    dump.files.push_back(file);
  }
  fs::create_directories(dir + "/kernels");
  int done = 0;
  for (const auto &[symbol, spec] : p.kernels) {
    std::fprintf(stderr, "\rdumping kernels [%d/%zu]", ++done, p.kernels.size());
    std::optional<codegen::Schedule> tuned;
    if (lookup)
      tuned = lookup(spec, target.to_string());
    codegen::Schedule schedule =
        tuned ? *tuned : codegen::defaultScheduleFor(spec, target);
    std::string stmt = "kernels/" + symbol + ".stmt";
    std::string err = codegen::dumpKernelStmt(spec, schedule, target, dir + "/" + stmt);
    if (!err.empty())
      return makeError("kernel ", symbol, ": ", err);
    std::string asmFile = "kernels/" + symbol + ".s";
    try {
      codegen::KernelPipeline k = codegen::buildKernel(spec, schedule, target);
      k.pipeline.compile_to_assembly(dir + "/" + asmFile, k.arguments(), symbol,
                                     target.with_feature(Halide::Target::NoRuntime));
    } catch (const std::exception &e) {
      return makeError("kernel ", symbol, ": ", e.what());
    }
    dump.files.push_back(stmt);
    dump.files.push_back(asmFile);
  }
  std::fprintf(stderr, "\n");
  std::ofstream index(dir + "/index.txt");
  index << "# kiln compile --dump-ir: the IR after every pass (in order), the\n"
           "# plans, and each kernel's Halide statement (.stmt) and assembly (.s)\n";
  for (const std::string &f : dump.files)
    index << f << "\n";
  return index ? Status::success()
               : makeError("cannot write '", dir, "/index.txt'");
}

/// FNV-1a, 64 bits, as hex: the cached executable's key.
std::string hashHex(const std::string &s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s)
    h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

/// What identifies a file for the key: path, size and modification time.
std::string fileIdentity(const std::string &path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  auto time = fs::last_write_time(path, ec);
  return path + ":" + std::to_string(ec ? 0 : size) + ":" +
         std::to_string(ec ? 0 : time.time_since_epoch().count());
}

/// kiln compile, and the cached executables of runThroughExecutable. With
/// `cachedOut` set, -o is ignored: the executable goes to the kernel cache
/// under a key of everything it is built from (the generated source, the
/// kernel objects' key, the runtime libraries and kiln's version), an
/// existing one is reused, and its path is stored in *cachedOut.
int compileModel(const CommandLine &cl, std::string *cachedOut) {
  auto start = std::chrono::steady_clock::now();
  if (!cachedOut && !cl.has("-o"))
    return fail("kiln compile needs -o EXE");
  std::string out = cl.get("-o");
  std::string emit = cachedOut ? "exe" : cl.get("--emit", "exe");
  if (emit != "exe" && emit != "static-lib")
    return fail("--emit must be exe or static-lib, not '" + emit + "'");
  // Tuned schedules, as kiln train and kiln run find them (so that an
  // executable computes what `kiln train` computes).
  ScheduleLookup lookup;
#if KILN_HAVE_SCHEDULE_DB
  std::string dbUsed;
  auto schedules = tune::scheduleLookupFor(cl.get("--schedules"), &dbUsed);
  if (!schedules.ok())
    return fail(schedules.status().message());
  lookup = *schedules;
  if (!dbUsed.empty())
    std::fprintf(stderr, "schedules: %s\n", dbUsed.c_str());
#else
  if (cl.has("--schedules"))
    return fail("--schedules is not available yet: the schedule tuner's "
                "database (kiln tune) has not landed; compile without it to "
                "use the default schedules");
#endif
  std::string error;
  auto seed = cl.getInt("--seed", 0, error);
  if (!seed)
    return fail(error);
  if (*seed < 0)
    return fail("--seed must not be negative");
  std::string target = cl.get("--target", "host");

  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto model = loadModel(cl.positional[0], ctx, sm, llvm::errs());
  if (!model)
    return 1;
  mlir::ModuleOp module = *model->built.module;
  FitDefaults defaults = fitDefaults(module);
  std::string summary =
      model->keras ? frontend::renderSummary(model->built, 80) : "";

  IRDump dump;
  std::string dumpDir = cl.get("--dump-ir");
  if (!dumpDir.empty()) {
    std::error_code ec;
    fs::create_directories(dumpDir, ec);
    if (ec)
      return fail("cannot create '" + dumpDir + "': " + ec.message());
    dump.dir = dumpDir;
  }
  auto programs = buildTrainingPrograms(cl, module, sm, *seed,
                                        dumpDir.empty() ? nullptr : &dump);
  if (!programs)
    return 1;
  if (cl.has("--stats"))
    printStats(*programs, defaults.batchSize, std::cout);

  auto objects = compileKernelObjects(programs->kernels, target,
                                      /*progress=*/!cachedOut || isatty(2),
                                      lookup);
  if (!objects.ok())
    return fail(objects.status().message());
  std::fprintf(stderr, "kernels: %zu (%d compiled, %d cached) in %.1f s\n",
               programs->kernels.size(), objects->stats.compiled,
               objects->stats.cached, objects->stats.seconds);
  if (!dumpDir.empty()) {
    Status s = dumpKernels(dumpDir, *programs, target, dump, lookup);
    if (!s.ok())
      return fail(s.message());
  }

  bool hasDropout = false;
  module.walk([&](nn::DropoutOp) { hasDropout = true; });

  // 3. The generated source, in a private work folder.
  std::string name = model->built.name.empty() ? "model" : model->built.name;
  ModelSourceInput src;
  src.train = &programs->train.plan;
  src.eval = &programs->eval.plan;
  src.forward = &programs->forward.plan;
  src.manifest = weightManifest(module).dump();
  // A Keras model file's trained weights go into the executable.
  if (model->fileWeights) {
    auto image = serializeSafetensors(*model->fileWeights);
    if (!image.ok())
      return fail(image.status().message());
    src.weights.assign(image->begin(), image->end());
  }
  src.summary = summary;
  src.defaults = nlohmann::json{{"model", name},
                                {"batch_size", defaults.batchSize},
                                {"epochs", defaults.epochs},
                                {"validation_split", defaults.validationSplit},
                                {"dataset", defaults.dataset},
                                {"seed", *seed},
                                {"has_dropout", hasDropout},
                                {"target", objects->target},
                                {"kiln_version", KILN_VERSION}}
                     .dump();
  for (const auto &[symbol, spec] : programs->kernels)
    src.symbols.push_back(symbol);
  src.withMain = emit == "exe";

  std::string source = generateModelSource(src);
  TempDir scratch("kiln-compile");
  const std::string &work = scratch.path();
  if (work.empty())
    return fail("cannot create a temporary folder in " +
                fs::temp_directory_path().string());
  {
    std::ofstream f(work + "/model.cpp");
    f << source;
    if (!f)
      return fail("cannot write the generated source in " + work);
  }
  if (cachedOut) {
    std::string key = source + "|" + objects->key + "|" +
                      KILN_VERSION;
    for (const std::string &lib : runtimeLibraries())
      key += "|" + fileIdentity(lib);
    std::error_code ec;
    fs::create_directories(kernelCacheDir() + "/exe", ec);
    out = kernelCacheDir() + "/exe/" + name + "-" + hashHex(key);
    *cachedOut = out;
    if (fs::exists(out, ec)) {
      std::fprintf(stderr, "executable: %s (cached)\n", out.c_str());
      return 0;
    }
  }
  std::fprintf(stderr, "compiling the model's plans and tables\n");
  if (runProcess({"c++", "-std=c++17", "-O0", "-c", "-I" KILN_EXE_SOURCE_DIR,
                  work + "/model.cpp", "-o", work + "/model.o"}) != 0)
    return fail("compiling the generated source with c++ failed (is g++ "
                "installed?)");

  std::string tmp = out + ".tmp" + std::to_string(getpid());
  std::error_code ec;
  if (emit == "exe") {
    std::fprintf(stderr, "linking %s\n", out.c_str());
    std::vector<std::string> argv = {"c++", "-o", tmp, work + "/model.o"};
    argv.insert(argv.end(), objects->objects.begin(), objects->objects.end());
    for (const std::string &lib : runtimeLibraries())
      argv.push_back(lib);
    argv.insert(argv.end(), {"-lz", "-lpthread", "-ldl"});
    // A sanitizer build's runtime libraries need the sanitizers' runtimes.
    std::istringstream linkFlags(KILN_EXE_LINK_FLAGS);
    for (std::string flag; linkFlags >> flag;)
      argv.push_back(flag);
    if (runProcess(argv) != 0) {
      fs::remove(tmp, ec);
      return fail("linking " + out + " with c++ failed");
    }
  } else {
    std::fprintf(stderr, "archiving %s\n", out.c_str());
    std::ofstream mri(work + "/merge.mri");
    mri << "CREATE " << tmp << "\n";
    std::vector<std::string> libs = runtimeLibraries();
    libs.erase(libs.begin());  // no main(): the C API instead
    libs.insert(libs.begin(), KILN_LIB_EXECAPI);
    for (const std::string &lib : libs)
      mri << "ADDLIB " << lib << "\n";
    mri << "ADDMOD " << work << "/model.o\n";
    for (const std::string &o : objects->objects)
      mri << "ADDMOD " << o << "\n";
    mri << "SAVE\nEND\n";
    mri.close();
    if (runProcess({"sh", "-c", "ar -M < '" + work + "/merge.mri'"}) != 0) {
      fs::remove(tmp, ec);
      return fail("archiving " + out + " with ar failed");
    }
    fs::path header = fs::path(out).replace_extension(".h");
    std::string stem = header.stem().string();
    if (stem.rfind("lib", 0) == 0)
      header.replace_filename(stem.substr(3) + ".h");
    // Copied to a temporary name and renamed, as every output is.
    std::string headerTmp = header.string() + ".tmp" + std::to_string(getpid());
    fs::copy_file(KILN_EXE_SOURCE_DIR "/runtime/exe/kiln_model.h", headerTmp,
                  fs::copy_options::overwrite_existing, ec);
    if (!ec)
      fs::rename(headerTmp, header, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove(headerTmp, ignored);
      fs::remove(tmp, ignored);
      return fail("cannot write '" + header.string() + "': " + ec.message());
    }
    std::fprintf(stderr, "wrote %s (C API)\n", header.c_str());
  }
  fs::rename(tmp, out, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return fail("cannot write '" + out + "': " + ec.message());
  }
  std::fprintf(stderr, "wrote %s (%s bytes) in %.1f s\n", out.c_str(),
               withCommas(int64_t(fs::file_size(out))).c_str(),
               secondsSince(start));
  return 0;
}

} // namespace

int runCompile(const CommandLine &cl) { return compileModel(cl, nullptr); }

int compileCachedExecutable(const CommandLine &cl, std::string &exe) {
  return compileModel(cl, &exe);
}

std::string gpuDriverProblem(const std::string &target) {
  if (!Halide::Target::validate_target_string(target))
    return "";
  Halide::Target t(target);
  bool cuda = t.has_feature(Halide::Target::CUDA);
  if (!cuda && !t.has_feature(Halide::Target::OpenCL))
    return "";
  // Only the loader is opened, never a platform: PoCL would bring its LLVM
  // into this process.
  const char *driver = cuda ? "libcuda.so.1" : "libOpenCL.so.1";
  void *h = dlopen(driver, RTLD_LAZY | RTLD_LOCAL);
  if (h) {
    dlclose(h);
    return "";
  }
  return std::string("--target ") + target + ": no " +
         (cuda ? "CUDA" : "OpenCL") + " device or driver was found (" + driver +
         " cannot be loaded); " +
         (cuda ? "this target needs an NVIDIA GPU and its driver"
               : "install an OpenCL driver, e.g. PoCL (scripts/setup)");
}

std::vector<std::string>
forwardedFlags(const CommandLine &cl, const std::vector<std::string> &valued,
               const std::vector<std::string> &switches) {
  std::vector<std::string> out;
  for (const std::string &name : valued)
    if (cl.has(name)) {
      out.push_back(name);
      out.push_back(cl.get(name));
    }
  for (const std::string &name : switches)
    if (cl.has(name))
      out.push_back(name);
  return out;
}

std::optional<int> runThroughExecutable(const CommandLine &cl,
                                        const std::string &subcommand,
                                        const std::vector<std::string> &args) {
  std::string target = cl.get("--target", "host");
  if (target == "host")
    return std::nullopt;
  if (!Halide::Target::validate_target_string(target))
    return fail("--target: '" + target + "' is not a Halide target (e.g. "
                "host, host-cuda, host-opencl)");
  Halide::Target t(target);
  if (!t.has_gpu_feature())
    return std::nullopt;
  // No driver, no point compiling: refuse at once (the executable checks
  // for a device itself).
  std::string problem = gpuDriverProblem(target);
  if (!problem.empty())
    return fail(problem);
  std::fprintf(stderr,
               "kiln %s --target %s: GPU kernels run only in a compiled "
               "executable (kiln's process holds Halide's LLVM), so the "
               "model is compiled into one and run\n",
               subcommand.c_str(), target.c_str());
  std::string exe;
  int rc = compileModel(cl, &exe);
  if (rc != 0)
    return rc;
  std::vector<std::string> argv = {exe, subcommand};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string line = "running:";
  for (const std::string &a : argv)
    line += " " + a;
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  std::vector<char *> cargv;
  for (std::string &a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  execv(exe.c_str(), cargv.data());
  return fail("cannot run " + exe + ": " + std::strerror(errno));
}

} // namespace kiln
