//===- CommandLine.h - Options of kiln's subcommands ------------*- C++ -*-===//
//
// A small parser for `kiln <command> MODEL [--flag VALUE | --switch]...`:
// each command declares its options; unknown options, missing values and
// stray arguments are errors that name the command. It lives in the runtime's
// support library (no dependencies) because compiled executables take their
// options exactly as the kiln tool does.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_SUPPORT_COMMANDLINE_H
#define KILN_RUNTIME_SUPPORT_COMMANDLINE_H

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct OptionSpec {
  std::string name;      ///< "--weights" (or "-o")
  bool takesValue = true;
  std::string help;      ///< one line for --help
  std::string alias;     ///< another spelling ("--output" for "-o")
};

/// A parsed command line.
class CommandLine {
public:
  /// Parses argv[first..]. Returns nullopt after setting `error`.
  static std::optional<CommandLine> parse(const std::vector<OptionSpec> &specs,
                                          int argc, char **argv, int first,
                                          std::string &error);
  std::vector<std::string> positional;
  bool has(const std::string &name) const { return values.count(name); }
  std::string get(const std::string &name, const std::string &def = "") const;
  /// An integer option; sets `error` on a malformed value.
  std::optional<long long> getInt(const std::string &name, long long def,
                                  std::string &error) const;
  std::optional<double> getFloat(const std::string &name, double def,
                                 std::string &error) const;

private:
  std::map<std::string, std::string> values;
};

/// A duration option's value: "10m", "90s", "1h", "2.5m" or plain seconds;
/// nullopt when malformed or negative.
std::optional<double> parseDuration(const std::string &s);

/// "  --weights W   the weights file\n..." for a command's help.
std::string describeOptions(const std::vector<OptionSpec> &specs);

} // namespace kiln

#endif // KILN_RUNTIME_SUPPORT_COMMANDLINE_H
