//===- CommandLine.cpp - Options of kiln's subcommands --------------------===//
#include "runtime/support/CommandLine.h"

#include <cerrno>
#include <cstdlib>

namespace kiln {

std::optional<CommandLine> CommandLine::parse(const std::vector<OptionSpec> &specs,
                                              int argc, char **argv, int first,
                                              std::string &error) {
  CommandLine cl;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    std::string value;
    bool inlineValue = false;
    if (a.size() > 2 && a[0] == '-' && a[1] == '-' &&
        a.find('=') != std::string::npos) {
      value = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
      inlineValue = true;
    }
    if (a == "-h")
      a = "--help";
    if (a.size() > 1 && a[0] == '-') {
      const OptionSpec *spec = nullptr;
      for (const OptionSpec &s : specs)
        if (s.name == a || (!s.alias.empty() && s.alias == a))
          spec = &s;
      if (a == "--help") {
        cl.values["--help"] = "";
        continue;
      }
      if (!spec) {
        error = "unknown option '" + a + "'";
        return std::nullopt;
      }
      if (spec->takesValue && !inlineValue) {
        if (i + 1 >= argc) {
          error = a + " needs a value";
          return std::nullopt;
        }
        value = argv[++i];
      } else if (!spec->takesValue && inlineValue) {
        error = a + " takes no value";
        return std::nullopt;
      }
      cl.values[spec->name] = value;
      continue;
    }
    cl.positional.push_back(a);
  }
  return cl;
}

std::string CommandLine::get(const std::string &name,
                             const std::string &def) const {
  auto it = values.find(name);
  return it == values.end() ? def : it->second;
}

std::optional<long long> CommandLine::getInt(const std::string &name,
                                             long long def,
                                             std::string &error) const {
  if (!has(name))
    return def;
  std::string v = get(name);
  errno = 0;
  char *end = nullptr;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end || errno) {
    error = name + " needs an integer, got '" + v + "'";
    return std::nullopt;
  }
  return x;
}

std::optional<double> CommandLine::getFloat(const std::string &name, double def,
                                            std::string &error) const {
  if (!has(name))
    return def;
  std::string v = get(name);
  errno = 0;
  char *end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || errno) {
    error = name + " needs a number, got '" + v + "'";
    return std::nullopt;
  }
  return x;
}

std::string describeOptions(const std::vector<OptionSpec> &specs) {
  std::string out;
  for (const OptionSpec &s : specs) {
    std::string left = "  " + s.name + (s.takesValue ? " VALUE" : "");
    if (left.size() < 26)
      left.resize(26, ' ');
    else
      left += "  ";
    out += left + s.help + "\n";
  }
  return out;
}

std::optional<double> parseDuration(const std::string &s) {
  if (s.empty())
    return std::nullopt;
  char *end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  std::string unit(end);
  double scale = unit.empty() || unit == "s" ? 1
                 : unit == "m"               ? 60
                 : unit == "h"               ? 3600
                                             : -1;
  if (end == s.c_str() || scale < 0 || v < 0)
    return std::nullopt;
  return v * scale;
}

} // namespace kiln
