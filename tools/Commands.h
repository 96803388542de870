//===- Commands.h - kiln's subcommands --------------------------*- C++ -*-===//
//
// The table of `kiln` subcommands: each has a usage line, a summary for
// `kiln --help`, its options and its entry point. main() only dispatches.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_COMMANDS_H
#define KILN_TOOLS_COMMANDS_H

#include "tools/CommandLine.h"

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
