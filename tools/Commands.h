//===- Commands.h - kiln's subcommands --------------------------*- C++ -*-===//
//
// The table of `kiln` subcommands: each has a usage line, a summary for
// `kiln --help`, its options and its entry point. main() only dispatches.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_COMMANDS_H
#define KILN_TOOLS_COMMANDS_H

#include "runtime/support/CommandLine.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct Command {
  std::string name;
  std::string usage;    ///< "summary MODEL [-o FILE]"
  std::string summary;  ///< one line
  std::vector<OptionSpec> options;
  int (*run)(const CommandLine &);
};

/// Every subcommand, in the order `kiln --help` lists them.
const std::vector<Command> &commands();

/// Prints "error: <msg>" and returns 1.
int fail(const std::string &msg);
/// Writes `text` to `path` atomically, or to stdout for "" or "-".
int writeOutput(const std::string &path, const std::string &text);

/// kiln train / evaluate / run with a GPU --target (CompileCommand.cpp).
/// GPU drivers cannot share kiln's process (PoCL's LLVM 15 crashes next to
/// Halide's LLVM 14), so the model is compiled as `kiln compile` does (the
/// same flags: --target, --schedules, --seed, --optimizer, --learning-rate)
/// into an executable cached under the kernel cache, which then replaces
/// this process (execv) as `EXE subcommand args...`. nullopt for a CPU
/// target; otherwise the exit status of a failure (it does not return on
/// success).
std::optional<int> runThroughExecutable(const CommandLine &cl,
                                        const std::string &subcommand,
                                        const std::vector<std::string> &args);

/// `kiln compile` of cl's model into the executable cache (as
/// runThroughExecutable does, without running it); exe is set to its path.
/// Returns 0, or 1 after printing the error.
int compileCachedExecutable(const CommandLine &cl, std::string &exe);

/// kiln tune with a GPU --target (TuneGpu.cpp): candidates timed in child
/// executables. nullopt for a CPU target.
std::optional<int> tuneGpuTarget(const CommandLine &cl);

/// For a Halide target string with CUDA or OpenCL: a message when the
/// API's driver library cannot be loaded (nothing else is touched), else "".
std::string gpuDriverProblem(const std::string &target);

/// `--name value` for each of `valued` that cl has, then each of
/// `switches` it has: the flags runThroughExecutable passes on.
std::vector<std::string> forwardedFlags(const CommandLine &cl,
                                        const std::vector<std::string> &valued,
                                        const std::vector<std::string> &switches);

// Entry points, one file each.
int runSummary(const CommandLine &cl);
int runImport(const CommandLine &cl);
int runInit(const CommandLine &cl);
int runRun(const CommandLine &cl);
int runTrain(const CommandLine &cl);
int runEvaluate(const CommandLine &cl);
int runTune(const CommandLine &cl);
int runCompile(const CommandLine &cl);

} // namespace kiln

#endif // KILN_TOOLS_COMMANDS_H
