//===- TempDir.h - A temporary folder removed at scope exit -----*- C++ -*-===//
//
// kiln compile and kiln tune --target build executables in a scratch folder;
// it must go away on every path out, errors included.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_TEMPDIR_H
#define KILN_TOOLS_TEMPDIR_H

#include <cstdlib>
#include <filesystem>
#include <string>

namespace kiln {

/// A fresh folder "<system temp>/<prefix>-XXXXXX", removed with everything
/// in it when this goes out of scope.
class TempDir {
public:
  explicit TempDir(const std::string &prefix) {
    std::string p =
        (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX"))
            .string();
    if (mkdtemp(p.data()))
      Path = p;
  }
  ~TempDir() {
    std::error_code ec;
    if (!Path.empty())
      std::filesystem::remove_all(Path, ec);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  /// Empty when the folder could not be created.
  const std::string &path() const { return Path; }

private:
  std::string Path;
};

} // namespace kiln

#endif // KILN_TOOLS_TEMPDIR_H
