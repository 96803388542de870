//===- Diagnostics.cpp - Short located error messages ---------------------===//
#include "frontend/Diagnostics.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

namespace kiln {

static bool isContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

std::string sourceExcerpt(llvm::StringRef line, size_t at, size_t &caret) {
  constexpr size_t kContext = kMaxExcerptColumns / 2;
  at = std::min(at, line.size());
  // 1. The window: kContext bytes either side of `at`, widened to whole
  //    UTF-8 sequences (never started or ended inside one).
  size_t from = at > kContext ? at - kContext : 0;
  while (from < at && isContinuation(line[from]))
    ++from;
  size_t to = std::min(line.size(), at + kContext);
  while (to < line.size() && isContinuation(line[to]))
    ++to;
  if (line.size() <= kMaxExcerptColumns)
    from = 0, to = line.size();
  std::string out = from > 0 ? "..." : "";
  caret = out.size();
  for (size_t i = from; i < to; ++i) {
    char c = line[i];
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    // 2. The caret counts characters, not bytes, up to `at`.
    if (i < at && !isContinuation(c))
      ++caret;
  }
  if (to < line.size())
    out += "...";
  return out;
}

void printSourceMessage(llvm::SourceMgr &sm, llvm::raw_ostream &os,
                        llvm::SMLoc loc, llvm::SourceMgr::DiagKind kind,
                        const llvm::Twine &msg) {
  std::string text = shortenMessage(msg.str());
  unsigned id = loc.isValid() ? sm.FindBufferContainingLoc(loc) : 0;
  if (!id) {
    sm.PrintMessage(os, llvm::SMDiagnostic("", kind, text));
    return;
  }
  const llvm::MemoryBuffer *buf = sm.getMemoryBuffer(id);
  const char *start = buf->getBufferStart(), *end = buf->getBufferEnd();
  const char *at = loc.getPointer();
  auto isEol = [](char c) { return c == '\n' || c == '\r'; };
  const char *lineStart = at, *lineEnd = at;
  while (lineStart > start && !isEol(lineStart[-1]))
    --lineStart;
  while (lineEnd < end && !isEol(*lineEnd))
    ++lineEnd;
  if (sm.getDiagHandler() || lineEnd - lineStart <= kMaxExcerptColumns) {
    sm.PrintMessage(os, loc, kind, text);
    return;
  }
  size_t caret = 0;
  std::string excerpt =
      sourceExcerpt(llvm::StringRef(lineStart, lineEnd - lineStart),
                    at - lineStart, caret);
  // PrintMessage prints "<file>: error: <msg>" for a diagnostic without a
  // line number; the file name carries the real line and column, the
  // message the excerpt and caret.
  std::pair<unsigned, unsigned> lineCol = sm.getLineAndColumn(loc, id);
  std::string where = (buf->getBufferIdentifier() + ":" +
                       llvm::Twine(lineCol.first) + ":" +
                       llvm::Twine(lineCol.second))
                          .str();
  text += "\n" + excerpt + "\n" + std::string(caret, ' ') + "^";
  sm.PrintMessage(os, llvm::SMDiagnostic(sm, loc, where, -1, -1, kind, text,
                                         "", {}));
}

} // namespace kiln
