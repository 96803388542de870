//===- TestUtil.h - Helpers for the runtime unit tests ----------*- C++ -*-===//
//
// A temporary directory removed at the end of a test, byte-string file
// helpers, and gtest assertion helpers for Status and Expected values that
// print the message on failure.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TESTS_UNIT_RUNTIME_TESTUTIL_H
#define KILN_TESTS_UNIT_RUNTIME_TESTUTIL_H

#include "runtime/Status.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace kiln::runtime::testing {

/// A fresh directory under $TMPDIR, removed with everything in it on
/// destruction.
class TempDir {
public:
  TempDir() {
    std::string base = std::filesystem::temp_directory_path() / "kiln-rt-XXXXXX";
    std::vector<char> name(base.begin(), base.end());
    name.push_back('\0');
    if (::mkdtemp(name.data()))
      Path = name.data();
  }
  ~TempDir() {
    std::error_code ec;
    if (!Path.empty())
      std::filesystem::remove_all(Path, ec);
  }
  const std::string &path() const { return Path; }
  std::string file(const std::string &name) const { return Path + "/" + name; }

private:
  std::string Path;
};

inline void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string toString(const std::vector<uint8_t> &bytes) {
  return std::string(bytes.begin(), bytes.end());
}

/// The message of a failed Status or Expected, or "" when it succeeded.
inline std::string errorOf(const Status &s) { return s.ok() ? "" : s.message(); }
template <typename T> std::string errorOf(const Expected<T> &e) { return e.ok() ? "" : e.message(); }

} // namespace kiln::runtime::testing

/// Asserts success, printing the message otherwise.
#define ASSERT_OK(expr)                                                        \
  do {                                                                         \
    const auto &kilnResult_ = (expr);                                          \
    ASSERT_TRUE(kilnResult_.ok()) << kilnResult_.message();                    \
  } while (false)

/// Expects failure with a message containing `needle`.
#define EXPECT_ERROR_CONTAINS(expr, needle)                                    \
  do {                                                                         \
    const auto &kilnResult_ = (expr);                                          \
    EXPECT_FALSE(kilnResult_.ok()) << "expected an error containing: " << (needle); \
    if (!kilnResult_.ok()) {                                                   \
      EXPECT_NE(kilnResult_.message().find(needle), std::string::npos)         \
          << "message: " << kilnResult_.message() << "\nexpected to contain: " << (needle); \
    }                                                                          \
  } while (false)

#endif // KILN_TESTS_UNIT_RUNTIME_TESTUTIL_H
