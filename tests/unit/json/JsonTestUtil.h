//===- JsonTestUtil.h - Helpers for the Keras JSON reader tests -*- C++ -*-===//
//
// Runs the JSON reader or parseKerasJson on a string or on a file under
// tests/inputs/json, keeping the SourceMgr alive beside the result (the
// result's SMLocs point into it) and capturing the diagnostics as text.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TESTS_UNIT_JSON_JSONTESTUTIL_H
#define KILN_TESTS_UNIT_JSON_JSONTESTUTIL_H

#include "frontend/Frontends.h"
#include "frontend/json/JsonReader.h"

#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace kiln::frontend::testing {

/// The text of tests/inputs/json/<name>, or "" when it cannot be read.
inline std::string readInput(const std::string &name) {
  std::ifstream in(std::string(KILN_SOURCE_DIR) + "/tests/inputs/json/" + name,
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <typename T> struct Parsed {
  /// For parseModelExact: the text, without a terminating NUL. Declared
  /// first so that it outlives the SourceMgr's view of it.
  std::unique_ptr<char[]> storage;
  std::unique_ptr<llvm::SourceMgr> sm = std::make_unique<llvm::SourceMgr>();
  std::optional<T> value;
  std::string errors; ///< everything printed
  /// The first line printed: "test.json:L:C: error: message".
  std::string firstLine() const { return errors.substr(0, errors.find('\n')); }
  /// "L:C" of an SMLoc in the buffer.
  std::string lineCol(llvm::SMLoc loc) const {
    auto lc = sm->getLineAndColumn(loc);
    return std::to_string(lc.first) + ":" + std::to_string(lc.second);
  }
};

inline unsigned addBuffer(llvm::SourceMgr &sm, const std::string &text,
                          const std::string &name) {
  return sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, name),
                               llvm::SMLoc());
}

inline Parsed<ModelSpec> parseModel(const std::string &text,
                                    const std::string &name = "test.json") {
  Parsed<ModelSpec> p;
  unsigned id = addBuffer(*p.sm, text, name);
  llvm::raw_string_ostream os(p.errors);
  p.value = parseKerasJson(*p.sm, id, os);
  os.flush();
  return p;
}

/// As parseModel, but the buffer ends exactly where the text does (no NUL
/// after it), so that AddressSanitizer sees any read past the end.
inline Parsed<ModelSpec> parseModelExact(const std::string &text,
                                         const std::string &name) {
  Parsed<ModelSpec> p;
  p.storage.reset(new char[text.size()]);
  std::copy(text.begin(), text.end(), p.storage.get());
  unsigned id = p.sm->AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBuffer(
          llvm::StringRef(p.storage.get(), text.size()), name,
          /*RequiresNullTerminator=*/false),
      llvm::SMLoc());
  llvm::raw_string_ostream os(p.errors);
  p.value = parseKerasJson(*p.sm, id, os);
  os.flush();
  return p;
}

inline Parsed<KValue> parseJson(const std::string &text,
                                unsigned maxDepth = kDefaultJsonMaxDepth) {
  Parsed<KValue> p;
  unsigned id = addBuffer(*p.sm, text, "test.json");
  llvm::raw_string_ostream os(p.errors);
  p.value = parseJsonDocument(*p.sm, id, os, maxDepth);
  os.flush();
  return p;
}

} // namespace kiln::frontend::testing

#endif // KILN_TESTS_UNIT_JSON_JSONTESTUTIL_H
