//===- FuzzUtil.h - Shared helpers of kiln's libFuzzer targets --*- C++ -*-===//
//
// Some readers' real entry points take a path (kiln::loadModel picks the
// reader by extension; readCheckpoint opens its file), so those targets
// write each input to one scratch file per process and call the entry point
// on it, exactly as the kiln tool does. The file lives in a private folder
// under $TMPDIR (or /tmp), removed when the fuzzer exits.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TESTS_FUZZ_FUZZUTIL_H
#define KILN_TESTS_FUZZ_FUZZUTIL_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace kiln::fuzz {

/// The scratch path `name` in this process's private folder (created on
/// first use, removed at exit).
inline std::string scratchPath(const std::string &name) {
  static std::string dir = [] {
    const char *tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/kiln-fuzz-XXXXXX";
    if (!mkdtemp(templ.data())) {
      std::perror("kiln fuzz: mkdtemp");
      std::abort();
    }
    static std::string removeAtExit;
    removeAtExit = templ;
    std::atexit([] {
      std::string cmd = "rm -rf '" + removeAtExit + "'";
      (void)!std::system(cmd.c_str());
    });
    return templ;
  }();
  return dir + "/" + name;
}

/// Replaces the file at `path` with `size` bytes at `data`.
inline void writeInput(const std::string &path, const uint8_t *data, size_t size) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f)) {
    std::perror(("kiln fuzz: writing " + path).c_str());
    std::abort();
  }
}

} // namespace kiln::fuzz

#endif // KILN_TESTS_FUZZ_FUZZUTIL_H
