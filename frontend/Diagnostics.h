//===- Diagnostics.h - Short located error messages -------------*- C++ -*-===//
//
// How every kiln reader prints an error at a source location: "file:line:col:
// error: msg", the source line and a caret, like llvm::SourceMgr does, except
// that nothing is ever echoed in full. A source line longer than
// kMaxExcerptColumns is quoted as a window around the column with "..." where
// it goes on (a model.to_json() file is one line of tens of kilobytes, a
// fuzzed script one line of a megabyte), and a long message keeps its
// beginning and end (shortenMessage, runtime/support/Messages.h). So every error fits on a
// screen. LLVM Support only: the readers that share it know no MLIR.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_DIAGNOSTICS_H
#define KILN_FRONTEND_DIAGNOSTICS_H

#include "runtime/support/Messages.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"

#include <string>

namespace kiln {

/// The widest source excerpt quoted under a caret (characters).
constexpr unsigned kMaxExcerptColumns = 120;

/// `line` cut to at most about kMaxExcerptColumns characters around the
/// character at byte offset `at`, with "..." on each side where the line
/// goes on, control characters shown as spaces and no UTF-8 sequence cut in
/// two. `caret` is set to the column (in characters, from 0) of `at` in the
/// result.
std::string sourceExcerpt(llvm::StringRef line, size_t at, size_t &caret);

/// Prints `msg` at `loc` of `sm` as SourceMgr::PrintMessage does, with a
/// short excerpt and message (see above). An invalid `loc`, or one in no
/// buffer of `sm`, prints "error: msg" alone. With a diagnostic handler
/// installed on `sm`, the handler receives the real line and column (and
/// the shortened message).
void printSourceMessage(llvm::SourceMgr &sm, llvm::raw_ostream &os,
                        llvm::SMLoc loc, llvm::SourceMgr::DiagKind kind,
                        const llvm::Twine &msg);

} // namespace kiln

#endif // KILN_FRONTEND_DIAGNOSTICS_H
