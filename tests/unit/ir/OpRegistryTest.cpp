//===- OpRegistryTest.cpp - Every nn op is complete -----------------------===//
//
// Walks every registered nn op and fails if one lacks a piece that passes
// rely on: shape inference, and a lit test that exercises it. (Kernels,
// references and gradients join this list as they arrive.)
//
//===----------------------------------------------------------------------===//
#include "ir/NNDialect.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

std::string allLitTests() {
  std::string all;
  for (auto &e : std::filesystem::recursive_directory_iterator(
           std::string(KILN_SOURCE_DIR) + "/tests/lit")) {
    if (!e.is_regular_file())
      continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

TEST(OpRegistry, EveryOpInfersShapesAndHasALitTest) {
  mlir::MLIRContext ctx;
  ctx.loadDialect<kiln::nn::NNDialect>();
  std::string lit = allLitTests();
  int count = 0;
  for (mlir::RegisteredOperationName name : ctx.getRegisteredOperations()) {
    if (name.getDialectNamespace() != "nn")
      continue;
    ++count;
    // Ops without results (nn.assign, nn.yield) have no shapes to infer.
    if (!name.hasTrait<mlir::OpTrait::ZeroResult>())
      EXPECT_TRUE(name.hasInterface<kiln::nn::ShapeInferenceOpInterface>())
          << name.getStringRef().str() << " has no shape inference";
    std::string use = name.getStringRef().str() + " ";
    std::string quoted = name.getStringRef().str() + " \"";
    EXPECT_TRUE(lit.find(use) != std::string::npos ||
                lit.find(quoted) != std::string::npos)
        << name.getStringRef().str() << " appears in no lit test";
  }
  EXPECT_GE(count, 40);
}

} // namespace
