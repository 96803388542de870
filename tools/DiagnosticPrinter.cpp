//===- DiagnosticPrinter.cpp - MLIR diagnostics that fit on a screen ------===//
#include "tools/DiagnosticPrinter.h"
#include "frontend/Diagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/MemoryBuffer.h"

namespace kiln {

DiagnosticPrinter::DiagnosticPrinter(llvm::SourceMgr &sm,
                                     mlir::MLIRContext *ctx,
                                     llvm::raw_ostream &os, unsigned maxErrors)
    : mlir::ScopedDiagnosticHandler(ctx), sm(sm), os(os),
      maxErrors(maxErrors) {
  setHandler([this](mlir::Diagnostic &d) {
    print(d);
    return mlir::success();
  });
}

DiagnosticPrinter::~DiagnosticPrinter() {
  if (errorCount > maxErrors) {
    unsigned more = errorCount - maxErrors;
    os << more << " more error" << (more == 1 ? "" : "s") << "\n";
    os.flush();
  }
}

std::string oneLineOp(llvm::StringRef printed) {
  printed = printed.trim();
  size_t firstEnd = printed.find('\n');
  if (firstEnd == llvm::StringRef::npos)
    return printed.str();
  llvm::StringRef first = printed.take_front(firstEnd).rtrim();
  llvm::StringRef last = printed.substr(printed.rfind('\n') + 1).trim();
  return (first + " ... " + last).str();
}

/// The first file:line:col inside `loc` (through names, call sites and
/// fusions), or null.
static mlir::FileLineColLoc fileLoc(mlir::Location loc) {
  if (auto f = loc.dyn_cast<mlir::FileLineColLoc>())
    return f;
  if (auto n = loc.dyn_cast<mlir::NameLoc>())
    return fileLoc(n.getChildLoc());
  if (auto c = loc.dyn_cast<mlir::CallSiteLoc>())
    return fileLoc(c.getCallee());
  if (auto fused = loc.dyn_cast<mlir::FusedLoc>())
    for (mlir::Location l : fused.getLocations())
      if (auto f = fileLoc(l))
        return f;
  return {};
}

void DiagnosticPrinter::printOne(mlir::Location loc,
                                 llvm::SourceMgr::DiagKind kind,
                                 const std::string &msg, bool quote) {
  mlir::FileLineColLoc f = fileLoc(loc);
  if (f && quote) {
    for (unsigned id = 1; id <= sm.getNumBuffers(); ++id) {
      const llvm::MemoryBuffer *buf = sm.getMemoryBuffer(id);
      if (buf->getBufferIdentifier() != f.getFilename().getValue())
        continue;
      llvm::SMLoc at = sm.FindLocForLineAndColumn(id, f.getLine(),
                                                  f.getColumn());
      if (at.isValid()) {
        printSourceMessage(sm, os, at, kind, msg);
        return;
      }
    }
  }
  // No source to quote: "file:line:col: error: msg" or "error: msg".
  std::string where;
  if (f)
    where = (f.getFilename().getValue() + ":" + llvm::Twine(f.getLine()) +
             ":" + llvm::Twine(f.getColumn()))
                .str();
  sm.PrintMessage(os, llvm::SMDiagnostic(where, kind, shortenMessage(msg)));
}

static llvm::SourceMgr::DiagKind kindOf(mlir::DiagnosticSeverity s) {
  switch (s) {
  case mlir::DiagnosticSeverity::Error:
    return llvm::SourceMgr::DK_Error;
  case mlir::DiagnosticSeverity::Warning:
    return llvm::SourceMgr::DK_Warning;
  case mlir::DiagnosticSeverity::Remark:
    return llvm::SourceMgr::DK_Remark;
  case mlir::DiagnosticSeverity::Note:
    break;
  }
  return llvm::SourceMgr::DK_Note;
}

void DiagnosticPrinter::print(mlir::Diagnostic &d) {
  if (d.getSeverity() == mlir::DiagnosticSeverity::Error &&
      ++errorCount > maxErrors)
    return;  // counted, reported by the destructor
  printOne(d.getLocation(), kindOf(d.getSeverity()), d.str(), /*quote=*/true);
  for (mlir::Diagnostic &note : d.getNotes()) {
    std::string text = note.str();
    llvm::StringRef prefix = "see current operation: ";
    if (llvm::StringRef(text).startswith(prefix))
      text = prefix.str() + oneLineOp(llvm::StringRef(text).drop_front(
                                prefix.size()));
    // A note where its error is does not quote the same line again.
    printOne(note.getLocation(), llvm::SourceMgr::DK_Note, text,
             /*quote=*/note.getLocation() != d.getLocation());
  }
  os.flush();
}

} // namespace kiln
