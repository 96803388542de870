//===- JsonReader.h - A JSON reader that keeps source locations -*- C++ -*-===//
//
// A small strict JSON (RFC 8259) reader that produces KValues, each carrying
// the llvm::SMLoc of its first character, so that the Keras JSON frontend can
// point its errors at file:line:col. General-purpose JSON libraries (such as
// nlohmann/json) drop positions, which is why kiln has its own. It accepts
// what Python's json module writes, including NaN and Infinity, and bounds
// its nesting so that no input can exhaust the stack.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_JSON_JSONREADER_H
#define KILN_FRONTEND_JSON_JSONREADER_H

#include "frontend/ModelSpec.h"

#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

namespace kiln::frontend {

/// The deepest nesting of arrays and objects parseJsonDocument accepts by
/// default. Keras models nest about 8 levels deep.
constexpr unsigned kDefaultJsonMaxDepth = 256;

/// Parses the whole of buffer `bufferId` of `sm` as one JSON document.
///
/// Objects become KValue Dicts (fields in the written order; a repeated key
/// keeps its first position and takes the last value, as Python's json
/// does), arrays become Lists, integers that fit int64 become Ints and other
/// numbers Floats. Every value's loc is its first character. On a syntax
/// error, reports it on `errs` (file:line:col, the line and a caret) and
/// returns std::nullopt.
std::optional<KValue> parseJsonDocument(llvm::SourceMgr &sm, unsigned bufferId,
                                        llvm::raw_ostream &errs,
                                        unsigned maxDepth = kDefaultJsonMaxDepth);

/// Reports an error at `loc` with kiln's printSourceMessage
/// (frontend/Diagnostics.h): "file:line:col: error: msg", the source line and
/// a caret, a long line quoted as a window around `loc` (model.to_json()
/// writes the whole model on one line of tens of kilobytes).
void reportJsonError(llvm::SourceMgr &sm, llvm::raw_ostream &errs,
                     llvm::SMLoc loc, const llvm::Twine &msg);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_JSON_JSONREADER_H
