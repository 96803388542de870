//===- SummaryTest.cpp - Keras 3's summary, character for character -------===//
#include "frontend/Summary.h"
#include "TestModel.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace kiln;

namespace {

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Joins lines with single spaces and collapses runs of spaces, as the seed
/// notebook's text export flattened the table.
std::string flatten(const std::string &s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty())
      out += ' ';
    space = false;
    out += c;
  }
  return out;
}

TEST(Summary, SeedMatchesKerasOutput) {
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto l = test::loadFile(ctx, sm, test::inputPath("examples/mnist_convnet.py"));
  ASSERT_TRUE(l.model) << l.errors;
  std::string table = frontend::renderSummary(l.model->built, 80);
  std::string seed = readFile(
      test::inputPath("tests/inputs/summary/seed_summary_flattened.txt"));
  EXPECT_EQ(flatten(table), flatten(seed));
  // The seed's rule lines give the column widths exactly: 33, 24 and 15.
  EXPECT_NE(table.find("┏" + std::string() +
                       [] {
                         std::string s;
                         for (int i = 0; i < 33; ++i)
                           s += "━";
                         return s;
                       }() +
                       "┳"),
            std::string::npos);
  EXPECT_NE(table.find("│ conv2d (Conv2D)                 │ (None, 26, 26, 32)"
                       "     │           320 │"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("┃ Layer (type)                    ┃ Output Shape    "
                       "       ┃       Param # ┃"),
            std::string::npos)
      << table;
}

TEST(Summary, ColumnsFollowTerminalWidth) {
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto l = test::loadFile(ctx, sm, test::inputPath("examples/mnist_convnet.py"));
  ASSERT_TRUE(l.model) << l.errors;
  // Wide terminal: Keras uses 88 columns; Rich then trims 10 cells evenly.
  std::string wide = frontend::renderSummary(l.model->built, 200);
  std::string firstLine = wide.substr(wide.find('\n') + 1);
  firstLine = firstLine.substr(0, firstLine.find('\n'));
  // 38 + 29 + 17 cells plus 4 borders, each border/rule char one cell.
  size_t cells = 0;
  for (unsigned char c : firstLine)
    cells += (c & 0xC0) != 0x80;
  EXPECT_EQ(cells, 88u);
}

TEST(Summary, FunctionalModelsShowInputsAndConnections) {
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto l = test::loadText(ctx, sm, R"(import keras
from keras import layers
inputs = keras.Input(shape=(8, 8, 3))
a = layers.Conv2D(4, 3, padding="same")(inputs)
b = layers.Conv2D(4, 1)(inputs)
out = layers.Add()([a, b])
model = keras.Model(inputs, out)
)", ".py");
  ASSERT_TRUE(l.model) << l.errors;
  std::string table = frontend::renderSummary(l.model->built, 80);
  EXPECT_NE(table.find("Connected to"), std::string::npos) << table;
  EXPECT_NE(table.find("input_layer"), std::string::npos) << table;
  EXPECT_NE(table.find("conv2d[0][0],"), std::string::npos) << table;
  EXPECT_NE(table.find(" Total params: 128 (512.00 B)"), std::string::npos)
      << table;
}

TEST(Summary, Formatting) {
  EXPECT_EQ(frontend::withCommas(0), "0");
  EXPECT_EQ(frontend::withCommas(999), "999");
  EXPECT_EQ(frontend::withCommas(34826), "34,826");
  EXPECT_EQ(frontend::withCommas(1235496), "1,235,496");
  EXPECT_EQ(frontend::readableSize(0), "0.00 B");
  EXPECT_EQ(frontend::readableSize(139304), "136.04 KB");
  EXPECT_EQ(frontend::readableSize(4 * 4374018.0), "16.69 MB");
}

} // namespace
