//===- ModelBuilderTest.cpp - Keras models -> nn IR -----------------------===//
#include "TestModel.h"
#include "ir/NNDialect.h"

#include <gtest/gtest.h>

using namespace kiln;

namespace {

struct Expected {
  const char *file;
  const char *name;
  int64_t trainable, nonTrainable;
  size_t rows;
};

/// Parameter counts of the five real Keras JSON files. Conv and batch-norm
/// counts were computed separately from the JSON with a script; SqueezeNet
/// v1.1's 1,235,496 is its published size.
TEST(ModelBuilder, ImportsTheFiveKerasJsonFiles) {
  const Expected files[] = {
      {"keras2_func_resnet_malaria.json", "model_1", 4368194, 5824, 0},
      {"keras2_func_squeezenet.json", "squeezenet", 1235496, 0, 0},
      {"keras2_seq_cnn_bn_mnist.json", nullptr, 2227050, 3456, 0},
      {"keras3_seq_cnn_bn_cifar10.json", nullptr, 736362, 1472, 0},
      {"keras3_seq_cnn_mnist.json", nullptr, 179926, 0, 0},
  };
  for (const Expected &e : files) {
    mlir::MLIRContext ctx;
    llvm::SourceMgr sm;
    auto l = test::loadFile(ctx, sm,
                            test::inputPath(std::string("tests/inputs/json/") +
                                            e.file));
    ASSERT_TRUE(l.model) << e.file << ": " << l.errors;
    EXPECT_EQ(l.model->built.trainableParams, e.trainable) << e.file;
    EXPECT_EQ(l.model->built.nonTrainableParams, e.nonTrainable) << e.file;
    if (e.name)
      EXPECT_EQ(l.model->built.name, e.name) << e.file;
  }
}

TEST(ModelBuilder, SeedIrHasNamedWeightsAndInferredShapes) {
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto l = test::loadFile(ctx, sm, test::inputPath("examples/mnist_convnet.py"));
  ASSERT_TRUE(l.model) << l.errors;
  mlir::ModuleOp module = *l.model->built.module;
  std::vector<std::string> names;
  module.walk([&](nn::WeightOp w) { names.push_back(w.name().str()); });
  EXPECT_EQ(names, (std::vector<std::string>{
                       "conv2d/kernel", "conv2d/bias", "conv2d_1/kernel",
                       "conv2d_1/bias", "dense/kernel", "dense/bias"}));
  auto func = module.lookupSymbol<mlir::FuncOp>("forward");
  ASSERT_TRUE(func);
  std::string type;
  llvm::raw_string_ostream os(type);
  func.getType().print(os);
  EXPECT_EQ(os.str(), "(tensor<?x28x28x1xf32>) -> tensor<?x10xf32>");
  // compile/fit and the data set are kept for the trainer.
  auto fit = module->getAttrOfType<mlir::DictionaryAttr>("nn.fit");
  ASSERT_TRUE(fit);
  EXPECT_EQ(fit.getAs<mlir::IntegerAttr>("batch_size").getInt(), 128);
  EXPECT_EQ(fit.getAs<mlir::IntegerAttr>("epochs").getInt(), 15);
  EXPECT_DOUBLE_EQ(
      fit.getAs<mlir::FloatAttr>("validation_split").getValueAsDouble(), 0.1);
  auto compile = module->getAttrOfType<mlir::DictionaryAttr>("nn.compile");
  ASSERT_TRUE(compile);
  EXPECT_EQ(compile.getAs<mlir::StringAttr>("loss").getValue(),
            "categorical_crossentropy");
  EXPECT_EQ(module->getAttrOfType<mlir::StringAttr>("nn.dataset").getValue(),
            "mnist");
  // Every op carries the layer's name and the script's line.
  bool sawConv1 = false;
  module.walk([&](nn::Conv2DOp conv) {
    auto loc = conv.getLoc().dyn_cast<mlir::NameLoc>();
    ASSERT_TRUE(loc);
    if (loc.getName() == "conv2d_1") {
      sawConv1 = true;
      auto fl = loc.getChildLoc().dyn_cast<mlir::FileLineColLoc>();
      ASSERT_TRUE(fl);
      EXPECT_EQ(fl.getLine(), 29u);
    }
  });
  EXPECT_TRUE(sawConv1);
}

TEST(ModelBuilder, KerasDefaultsAndSemantics) {
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto l = test::loadText(ctx, sm, R"(import keras
from keras import layers
model = keras.Sequential([
    layers.Conv2D(6, 5, strides=2, padding="same", use_bias=False, input_shape=(9, 9, 2)),
    layers.MaxPooling2D(3),
    layers.Dense(7),
])
)", ".py");
  ASSERT_TRUE(l.model) << l.errors;
  const auto &rows = l.model->built.rows;
  // Keras 2 style input_shape; the hidden input row is kept for functional
  // summaries only.
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].shape, (std::vector<int64_t>{-1, 5, 5, 6}));  // ceil(9/2)
  EXPECT_EQ(rows[1].params, 5 * 5 * 2 * 6);                        // no bias
  // MaxPooling2D's strides default to the pool size: floor((5-3)/3)+1 = 1.
  EXPECT_EQ(rows[2].shape, (std::vector<int64_t>{-1, 1, 1, 6}));
  // Dense on a 4-D input applies to the last axis.
  EXPECT_EQ(rows[3].shape, (std::vector<int64_t>{-1, 1, 1, 7}));
  EXPECT_EQ(rows[3].params, 6 * 7 + 7);
}

TEST(ModelBuilder, BatchNormMovingStatisticsAreNotTrainable) {
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto l = test::loadText(ctx, sm, R"(import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(4, 4, 3)), layers.BatchNormalization(), layers.BatchNormalization(center=False, scale=False)])
)", ".py");
  ASSERT_TRUE(l.model) << l.errors;
  EXPECT_EQ(l.model->built.trainableParams, 6);
  EXPECT_EQ(l.model->built.nonTrainableParams, 12);
  int frozen = 0;
  l.model->built.module->walk([&](nn::WeightOp w) {
    frozen += !w.isTrainable();
  });
  EXPECT_EQ(frozen, 4);
}

TEST(ModelBuilder, RegularizersAreKeptOnWeights) {
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto l = test::loadFile(
      ctx, sm, test::inputPath("tests/inputs/json/keras2_func_resnet_malaria.json"));
  ASSERT_TRUE(l.model) << l.errors;
  int regularised = 0;
  l.model->built.module->walk([&](nn::WeightOp w) {
    if (auto reg = w.regularizer()) {
      ++regularised;
      EXPECT_EQ(reg->getAs<mlir::StringAttr>("name").getValue(), "l1l2");
    }
  });
  EXPECT_GT(regularised, 0);
}

struct BadCase {
  const char *source;
  const char *message;  // expected substring, including line:col
};

TEST(ModelBuilder, BadModelsGetLocatedMessages) {
  const BadCase cases[] = {
      {"import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(4, 4, 1)),\n    layers.Conv2D(8, 5)])\n",
       ":4:5: error: layer 'conv2d' (Conv2D): kernel (5, 5) is larger than its input (4, 4) with padding \"valid\""},
      {"import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation=\"relux\")])\n",
       ":3:79: error: layer 'dense' (Dense): unknown activation 'relux'"},
      {"import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, units=4)])\n",
       "error: layer 'dense' (Dense): got multiple values for argument 'units'"},
      {"import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(4,)), layers.Dense()])\n",
       ":3:52: error: layer 'dense' (Dense): missing required argument 'units'"},
      {"import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(6, 6, 1)), layers.Conv2D(2, 3, padding=\"full\")])\n",
       "error: layer 'conv2d' (Conv2D): padding must be one of \"valid\", \"same\", got \"full\""},
      {"import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(6, 6, 1)), layers.Conv2D(2, (3, 3, 3))])\n",
       "error: layer 'conv2d' (Conv2D): kernel_size must be an integer or a pair of integers, got (3, 3, 3)"},
      {"import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(6, 6, 1)), layers.Conv2D(2, 3, data_format=\"channels_first\")])\n",
       "error: layer 'conv2d' (Conv2D): only data_format \"channels_last\" (NHWC) is supported"},
      {"import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(6, 6, 1)), layers.Dropout(1.5)])\n",
       "error: layer 'dropout' (Dropout): rate must be in [0, 1), got 1.5"},
      {"import keras\nfrom keras import layers\ni = keras.Input(shape=(4, 4, 2))\nc = layers.Concatenate(axis=1)([i, layers.Conv2D(3, 1)(i)])\nmodel = keras.Model(i, c)\n",
       ":4:5: error: layer 'concatenate' (Concatenate): input 1 has shape (?, 4, 4, 3), which does not match (?, 4, 4, 2) outside axis 1"},
      {"import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, kernel_initializer=\"glorious\")])\n",
       "error: layer 'dense' (Dense): unknown initializer 'glorious'"},
      {"import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(10,)), layers.Reshape((3, 4))])\n",
       "error: layer 'reshape' (Reshape): cannot reshape (?, 10) (10 elements per sample) to (3, 4) (12)"},
  };
  for (const BadCase &c : cases) {
    mlir::MLIRContext ctx;
    llvm::SourceMgr sm;
    auto l = test::loadText(ctx, sm, c.source, ".py");
    EXPECT_FALSE(l.model) << c.source;
    EXPECT_NE(l.errors.find(c.message), std::string::npos)
        << "expected: " << c.message << "\ngot: " << l.errors;
    // One error, with the source line and a caret under it.
    EXPECT_NE(l.errors.find("^"), std::string::npos) << l.errors;
  }
}

} // namespace
