//===- DiagnosticsTest.cpp - Errors that fit on a screen ------------------===//
//
// The source excerpt under a caret (a window of ~120 characters around the
// column, UTF-8 kept whole), shortened messages, and the MLIR diagnostic
// printer's limit of kMaxErrorsShown errors then "N more errors".
//
//===----------------------------------------------------------------------===//
#include "frontend/Diagnostics.h"
#include "tools/DiagnosticPrinter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

using namespace kiln;

namespace {

std::vector<std::string> linesOf(const std::string &s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t next = s.find('\n', pos);
    if (next == std::string::npos)
      next = s.size();
    out.push_back(s.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

TEST(SourceExcerpt, ShortLinesAreWhole) {
  size_t caret = 0;
  EXPECT_EQ(sourceExcerpt("x = foo(1)", 4, caret), "x = foo(1)");
  EXPECT_EQ(caret, 4u);
}

TEST(SourceExcerpt, LongLinesAreAWindowAroundTheColumn) {
  std::string line = std::string(100000, 'a') + "B" + std::string(100000, 'c');
  size_t caret = 0;
  std::string e = sourceExcerpt(line, 100000, caret);
  EXPECT_LE(e.size(), kMaxExcerptColumns + 6);
  EXPECT_EQ(e.substr(0, 3), "...");
  EXPECT_EQ(e.substr(e.size() - 3), "...");
  ASSERT_LT(caret, e.size());
  EXPECT_EQ(e[caret], 'B');
}

TEST(SourceExcerpt, NeverCutsAUtf8Sequence) {
  // "é" is two bytes: the window starts and ends on whole characters and
  // the caret counts characters.
  std::string line;
  for (int i = 0; i < 200; ++i)
    line += "\xc3\xa9";
  line += "X";
  for (int i = 0; i < 200; ++i)
    line += "\xc3\xa9";
  size_t caret = 0;
  std::string e = sourceExcerpt(line, 400, caret);
  std::string body = e.substr(3, e.size() - 6);
  ASSERT_FALSE(body.empty());
  EXPECT_NE(static_cast<unsigned char>(body.front()) & 0xC0, 0x80u);
  EXPECT_TRUE(llvm::StringRef(body).endswith("\xc3\xa9"));
  size_t x = e.find('X');
  ASSERT_NE(x, std::string::npos);
  // Characters before the X: "..." then whole "é"s of two bytes each.
  EXPECT_EQ(caret, 3 + (x - 3) / 2);
}

TEST(ShortenMessage, KeepsBeginningAndEnd) {
  std::string msg = "unknown layer class '" + std::string(1 << 20, 'Z') + "'";
  std::string s = shortenMessage(msg);
  EXPECT_LE(s.size(), kMaxMessageChars);
  EXPECT_EQ(s.substr(0, 21), "unknown layer class '");
  EXPECT_EQ(s.back(), '\'');
  EXPECT_NE(s.find("..."), std::string::npos);
  EXPECT_EQ(shortenMessage("short"), "short");
}

TEST(ShortenMessage, KeepsTheFirstLines) {
  std::string msg;
  for (int i = 0; i < 1000; ++i)
    msg += "line " + std::to_string(i) + "\n";
  auto lines = linesOf(shortenMessage(msg));
  EXPECT_LE(lines.size(), kMaxMessageLines + 1);
  EXPECT_EQ(lines[0], "line 0");
  EXPECT_NE(lines.back().find("more lines"), std::string::npos);
}

TEST(PrintSourceMessage, OneMegabyteLine) {
  llvm::SourceMgr sm;
  std::string text = "x = " + std::string(1 << 20, '(') + "\n";
  sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "big.py"),
                        llvm::SMLoc());
  const char *at = sm.getMemoryBuffer(1)->getBufferStart() + 500000;
  std::string out;
  llvm::raw_string_ostream os(out);
  printSourceMessage(sm, os, llvm::SMLoc::getFromPointer(at),
                     llvm::SourceMgr::DK_Error, "too many nested parentheses");
  auto lines = linesOf(os.str());
  ASSERT_EQ(lines.size(), 3u) << out.substr(0, 500);
  EXPECT_EQ(lines[0], "big.py:1:500001: error: too many nested parentheses");
  EXPECT_LE(lines[1].size(), kMaxExcerptColumns + 6);
  EXPECT_EQ(lines[2], std::string(kMaxExcerptColumns / 2 + 3, ' ') + "^");
}

TEST(DiagnosticPrinter, FirstErrorsThenACount) {
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  std::string out;
  llvm::raw_string_ostream os(out);
  {
    DiagnosticPrinter printer(sm, &ctx, os);
    for (int i = 0; i < 12; ++i)
      mlir::emitError(mlir::FileLineColLoc::get(&ctx, "m.mlir", i + 1, 1))
          << "problem " << i;
    EXPECT_EQ(printer.errors(), 12u);
  }
  auto lines = linesOf(os.str());
  ASSERT_EQ(lines.size(), kMaxErrorsShown + 1) << out;
  EXPECT_EQ(lines[0], "m.mlir:1:1: error: problem 0");
  EXPECT_EQ(lines[kMaxErrorsShown - 1], "m.mlir:5:1: error: problem 4");
  EXPECT_EQ(lines.back(), "7 more errors");
}

TEST(DiagnosticPrinter, OpNotesAreOneLine) {
  std::string printed = "\"builtin.func\"() ({\n  %0 = \"nn.relu\"(%arg0)\n"
                        "  \"std.return\"(%0)\n}) {sym_name = \"forward\"} : () -> ()";
  EXPECT_EQ(oneLineOp(printed),
            "\"builtin.func\"() ({ ... }) {sym_name = \"forward\"} : () -> ()");
  EXPECT_EQ(oneLineOp("%0 = \"nn.relu\"(%arg0)"), "%0 = \"nn.relu\"(%arg0)");
}

} // namespace
