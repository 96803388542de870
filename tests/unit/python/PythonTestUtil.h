//===- PythonTestUtil.h - Helpers for the Python reader's tests -*- C++ -*-===//
//
// Runs parsePythonModel on a string or a file and keeps what it printed, so
// that tests can check both the ModelSpec and the exact error text.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TESTS_UNIT_PYTHON_PYTHONTESTUTIL_H
#define KILN_TESTS_UNIT_PYTHON_PYTHONTESTUTIL_H

#include "frontend/Frontends.h"

#include "llvm/Support/MemoryBuffer.h"

#include <string>

namespace kiln::frontend::test {

/// The result of reading one script: the model, or the printed error.
struct PyResult {
  std::optional<ModelSpec> spec;
  std::string errors;
  /// The first line of the diagnostic without the file name: "L:C: msg".
  std::string firstError() const {
    std::string line = errors.substr(0, errors.find('\n'));
    size_t colon = line.find(".py:");
    line = colon == std::string::npos ? line : line.substr(colon + 4);
    size_t tag = line.find(" error: ");
    if (tag != std::string::npos)
      line = line.substr(0, tag) + " " + line.substr(tag + 8);
    return line;
  }
};

/// Reads `text` as the script "test.py".
inline PyResult readPython(const std::string &text,
                           const std::string &name = "test.py") {
  llvm::SourceMgr sm;
  unsigned id = sm.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, name), llvm::SMLoc());
  PyResult r;
  llvm::raw_string_ostream os(r.errors);
  r.spec = parsePythonModel(sm, id, os);
  os.flush();
  return r;
}

/// The text of a file under the source tree.
inline std::string sourceFile(const std::string &rel) {
  auto buf = llvm::MemoryBuffer::getFile(std::string(KILN_SOURCE_DIR) + "/" +
                                         rel);
  return buf ? (*buf)->getBuffer().str() : std::string();
}

/// The value of keyword `key` in a layer's kwargs, or null.
inline const KValue *kwarg(const LayerSpec &l, const std::string &key) {
  for (const auto &kw : l.kwargs)
    if (kw.first == key)
      return &kw.second;
  return nullptr;
}

} // namespace kiln::frontend::test

#endif // KILN_TESTS_UNIT_PYTHON_PYTHONTESTUTIL_H
