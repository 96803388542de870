//===- Memory.cpp - Will it fit? ------------------------------------------===//
#include "runtime/support/Memory.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace kiln {

/// The first number in `path`, or 0 when it has none ("max" included).
static uint64_t readLimit(const char *path) {
  std::ifstream f(path);
  unsigned long long v = 0;
  if (!(f >> v))
    return 0;
  return v;
}

uint64_t machineMemoryBytes() {
  if (const char *s = std::getenv("KILN_MEMORY_LIMIT"); s && *s) {
    char *end = nullptr;
    unsigned long long v = std::strtoull(s, &end, 10);
    if (end && *end == '\0' && v > 0)
      return v;
  }
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
  uint64_t physical = pages > 0 && pageSize > 0
                          ? uint64_t(pages) * uint64_t(pageSize)
                          : UINT64_MAX;
  uint64_t memory = physical;
  for (const char *path : {"/sys/fs/cgroup/memory.max",
                           "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    uint64_t limit = readLimit(path);
    if (limit > 0 && limit < memory)
      memory = limit;
  }
  return memory;
}

std::string formatBytes(double bytes) {
  static const char *units[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  int u = 0;
  while (bytes >= 1024 && u < 8) {
    bytes /= 1024;
    ++u;
  }
  char buf[64];
  if (u == 0 || bytes >= 10)
    std::snprintf(buf, sizeof buf, "%.0f %s", bytes, units[u]);
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", bytes, units[u]);
  return buf;
}

std::string memoryShortfall(double bytes, const std::string &what,
                            uint64_t available) {
  if (bytes <= static_cast<double>(available))
    return "";
  return "model needs " + formatBytes(bytes) + " of " + what +
         "; this machine has " + formatBytes(static_cast<double>(available));
}

} // namespace kiln
