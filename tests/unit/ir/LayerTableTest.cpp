//===- LayerTableTest.cpp - Every Keras layer class in the table builds ---===//
//
// One small model per layer class: a class added to the table without a
// case here fails the test.
//
//===----------------------------------------------------------------------===//
#include "TestModel.h"
#include "frontend/LayerEmitter.h"

#include <gtest/gtest.h>

#include <map>

using namespace kiln;

namespace {

/// A layer call on a (?, 6, 6, 4) input `x` for every class; merge layers
/// take [x, x].
const std::map<std::string, std::string> kCases = {
    {"Conv2D", "layers.Conv2D(3, 3, activation=\"relu\")(x)"},
    {"Convolution2D", "layers.Convolution2D(3, 3)(x)"},
    {"Dense", "layers.Dense(5, activation=\"softmax\")(x)"},
    {"MaxPooling2D", "layers.MaxPooling2D()(x)"},
    {"MaxPool2D", "layers.MaxPool2D(padding=\"same\")(x)"},
    {"AveragePooling2D", "layers.AveragePooling2D(3, strides=1)(x)"},
    {"AvgPool2D", "layers.AvgPool2D()(x)"},
    {"GlobalAveragePooling2D", "layers.GlobalAveragePooling2D()(x)"},
    {"GlobalAvgPool2D", "layers.GlobalAvgPool2D(keepdims=True)(x)"},
    {"GlobalMaxPooling2D", "layers.GlobalMaxPooling2D()(x)"},
    {"GlobalMaxPool2D", "layers.GlobalMaxPool2D()(x)"},
    {"Flatten", "layers.Flatten()(x)"},
    {"Reshape", "layers.Reshape((36, -1))(x)"},
    {"ZeroPadding2D", "layers.ZeroPadding2D(((1, 2), (3, 4)))(x)"},
    {"Dropout", "layers.Dropout(0.25, seed=3)(x)"},
    {"BatchNormalization", "layers.BatchNormalization(momentum=0.9)(x)"},
    {"Activation", "layers.Activation(\"tanh\")(x)"},
    {"ReLU", "layers.ReLU(max_value=6)(x)"},
    {"LeakyReLU", "layers.LeakyReLU(negative_slope=0.1)(x)"},
    {"Softmax", "layers.Softmax()(x)"},
    {"Add", "layers.Add()([x, x])"},
    {"Subtract", "layers.Subtract()([x, x])"},
    {"Multiply", "layers.Multiply()([x, x])"},
    {"Maximum", "layers.Maximum()([x, x])"},
    {"Minimum", "layers.Minimum()([x, x])"},
    {"Concatenate", "layers.Concatenate()([x, x])"},
};

TEST(LayerTable, EveryClassHasACaseThatBuilds) {
  for (const std::string &cls : frontend::layerClassNames()) {
    auto it = kCases.find(cls);
    ASSERT_NE(it, kCases.end()) << cls << " has no case in LayerTableTest";
    std::string src = "import keras\nfrom keras import layers\n"
                      "x = keras.Input(shape=(6, 6, 4))\n"
                      "y = " + it->second + "\nmodel = keras.Model(x, y)\n";
    mlir::MLIRContext ctx;
    llvm::SourceMgr sm;
    auto l = test::loadText(ctx, sm, src, ".py");
    EXPECT_TRUE(l.model) << cls << ": " << l.errors;
  }
}

} // namespace
