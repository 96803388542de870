//===- DiagnosticPrinter.h - MLIR diagnostics that fit on a screen -*- C++ -*-===//
//
// kiln's tools print MLIR's diagnostics (verifier, passes, lowering) through
// this handler rather than mlir::SourceMgrDiagnosticHandler, so that they
// read like the frontends' errors: at the user's file:line:col with a short
// excerpt (frontend/Diagnostics.h), at most kMaxErrorsShown errors and then
// "N more errors", and the op a diagnostic concerns (MLIR's "see current
// operation" note) as one line, never a whole function or module. The
// module itself goes to a file only when asked (--dump-ir,
// --print-ir-after-failure).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_DIAGNOSTICPRINTER_H
#define KILN_TOOLS_DIAGNOSTICPRINTER_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace kiln {

/// Errors printed before the rest are only counted.
constexpr unsigned kMaxErrorsShown = 5;

/// While alive, prints every diagnostic of `ctx` on `os`, located in `sm`'s
/// buffers where its location names one of them. On destruction, prints
/// "N more errors" when some were left out.
class DiagnosticPrinter : public mlir::ScopedDiagnosticHandler {
public:
  DiagnosticPrinter(llvm::SourceMgr &sm, mlir::MLIRContext *ctx,
                    llvm::raw_ostream &os = llvm::errs(),
                    unsigned maxErrors = kMaxErrorsShown);
  ~DiagnosticPrinter();

  /// Errors seen, printed or not.
  unsigned errors() const { return errorCount; }

private:
  void print(mlir::Diagnostic &d);
  void printOne(mlir::Location loc, llvm::SourceMgr::DiagKind kind,
                const std::string &msg, bool quote);

  llvm::SourceMgr &sm;
  llvm::raw_ostream &os;
  unsigned maxErrors;
  unsigned errorCount = 0;
};

/// An op printed by MLIR in a note ("see current operation: ...") as one
/// line: a multi-line op (one with regions) keeps its first and last lines.
std::string oneLineOp(llvm::StringRef printed);

} // namespace kiln

#endif // KILN_TOOLS_DIAGNOSTICPRINTER_H
