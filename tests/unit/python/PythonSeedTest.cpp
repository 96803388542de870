//===- PythonSeedTest.cpp - The seed notebook through the Python reader ---===//
//
// Reads examples/mnist_convnet.py, the seed script verbatim, and checks the
// whole ModelSpec: layers, names, arguments as written, connections, the
// data set and compile/fit, and that locations point into the script.
//
//===----------------------------------------------------------------------===//
#include "PythonTestUtil.h"

#include <gtest/gtest.h>

using namespace kiln::frontend;
using namespace kiln::frontend::test;

namespace {

/// "L:C" of a location in the seed, computed from the text itself.
std::string lineCol(const std::string &text, llvm::SMLoc loc,
                    const char *base) {
  size_t off = size_t(loc.getPointer() - base);
  int line = 1, col = 1;
  for (size_t k = 0; k < off && k < text.size(); ++k) {
    if (text[k] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

TEST(PythonSeed, ReadsTheSeedExactly) {
  std::string text = sourceFile("examples/mnist_convnet.py");
  ASSERT_FALSE(text.empty());
  llvm::SourceMgr sm;
  unsigned id = sm.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "mnist_convnet.py"),
      llvm::SMLoc());
  std::string errs;
  llvm::raw_string_ostream os(errs);
  std::optional<ModelSpec> spec = parsePythonModel(sm, id, os);
  ASSERT_TRUE(spec.has_value()) << os.str();
  const char *base = sm.getMemoryBuffer(id)->getBufferStart();

  EXPECT_EQ(spec->kind, ModelSpec::Kind::Sequential);
  EXPECT_EQ(spec->name, "sequential");
  EXPECT_EQ(spec->dataset, "mnist");
  EXPECT_EQ(lineCol(text, spec->datasetLoc, base), "8:40");
  EXPECT_EQ(lineCol(text, spec->loc, base), "24:9");

  struct Want {
    const char *cls, *name, *args, *kwargs, *loc;
  };
  const Want want[] = {
      {"InputLayer", "input_layer", "", "shape=(28, 28, 1)", "26:9"},
      {"Conv2D", "conv2d", "32", "kernel_size=(3, 3) activation=\"relu\"",
       "27:9"},
      {"MaxPooling2D", "max_pooling2d", "", "pool_size=(2, 2)", "28:9"},
      {"Conv2D", "conv2d_1", "64", "kernel_size=(3, 3) activation=\"relu\"",
       "29:9"},
      {"MaxPooling2D", "max_pooling2d_1", "", "pool_size=(2, 2)", "30:9"},
      {"Flatten", "flatten", "", "", "31:9"},
      {"Dropout", "dropout", "0.5", "", "32:9"},
      {"Dense", "dense", "10", "activation=\"softmax\"", "33:9"},
  };
  // The seed lists keras.Input and 7 layers: 8 LayerSpecs in all.
  ASSERT_EQ(spec->layers.size(), 8u);
  for (size_t k = 0; k < spec->layers.size(); ++k) {
    const LayerSpec &l = spec->layers[k];
    SCOPED_TRACE(l.name);
    EXPECT_EQ(l.className, want[k].cls);
    EXPECT_EQ(l.name, want[k].name);
    EXPECT_FALSE(l.nameGiven);
    std::string args, kwargs;
    for (const KValue &a : l.args)
      args += (args.empty() ? "" : " ") + a.str();
    for (const auto &kw : l.kwargs)
      kwargs += (kwargs.empty() ? "" : " ") + kw.first + "=" + kw.second.str();
    EXPECT_EQ(args, want[k].args);
    EXPECT_EQ(kwargs, want[k].kwargs);
    EXPECT_EQ(lineCol(text, l.loc, base), want[k].loc);
    if (k == 0) {
      EXPECT_TRUE(l.inputs.empty());
    } else {
      ASSERT_EQ(l.inputs.size(), 1u);
      EXPECT_EQ(l.inputs[0].layer, int(k - 1));
      EXPECT_EQ(l.inputs[0].index, 0);
    }
  }
  // Values keep where they were written: a literal at its argument, and a
  // name (num_classes) at the use.
  EXPECT_EQ(lineCol(text, spec->layers[1].args[0].loc, base), "27:23");
  EXPECT_EQ(lineCol(text, spec->layers[7].args[0].loc, base), "33:22");
  EXPECT_EQ(spec->layers[6].args[0].kind, KValue::Kind::Float);
  EXPECT_EQ(spec->layers[1].args[0].kind, KValue::Kind::Int);
  EXPECT_EQ(spec->layers[1].kwargs[0].second.kind, KValue::Kind::Tuple);

  ASSERT_EQ(spec->inputs.size(), 1u);
  EXPECT_EQ(spec->inputs[0].layer, 0);
  ASSERT_EQ(spec->outputs.size(), 1u);
  EXPECT_EQ(spec->outputs[0].layer, 7);

  ASSERT_TRUE(spec->compile.has_value());
  EXPECT_TRUE(spec->compile->args.empty());
  ASSERT_EQ(spec->compile->kwargs.size(), 3u);
  EXPECT_EQ(spec->compile->kwarg("loss")->str(), "\"categorical_crossentropy\"");
  EXPECT_EQ(spec->compile->kwarg("optimizer")->str(), "\"adam\"");
  EXPECT_EQ(spec->compile->kwarg("metrics")->str(), "[\"accuracy\"]");
  EXPECT_EQ(lineCol(text, spec->compile->loc, base), "39:1");

  ASSERT_TRUE(spec->fit.has_value());
  ASSERT_EQ(spec->fit->args.size(), 2u);
  EXPECT_EQ(spec->fit->args[0].kind, KValue::Kind::String);
  EXPECT_EQ(spec->fit->args[0].s, "x_train");
  EXPECT_EQ(spec->fit->args[1].s, "y_train");
  ASSERT_EQ(spec->fit->kwargs.size(), 3u);
  EXPECT_EQ(spec->fit->kwarg("batch_size")->kind, KValue::Kind::Int);
  EXPECT_EQ(spec->fit->kwarg("batch_size")->i, 128);
  EXPECT_EQ(spec->fit->kwarg("epochs")->i, 15);
  EXPECT_EQ(spec->fit->kwarg("validation_split")->kind, KValue::Kind::Float);
  EXPECT_DOUBLE_EQ(spec->fit->kwarg("validation_split")->f, 0.1);
  EXPECT_TRUE(errs.empty());
}

TEST(PythonSeed, KerasInputWithoutSequentialListIsStillTheInput) {
  // The seed's layers with the model written the add() way.
  PyResult r = readPython("import keras\n"
                          "from keras import layers\n"
                          "model = keras.Sequential()\n"
                          "model.add(keras.Input(shape=(28, 28, 1)))\n"
                          "model.add(layers.Flatten())\n"
                          "model.add(layers.Dense(10))\n");
  ASSERT_TRUE(r.spec) << r.errors;
  ASSERT_EQ(r.spec->layers.size(), 3u);
  EXPECT_EQ(r.spec->layers[0].className, "InputLayer");
  EXPECT_EQ(r.spec->layers[0].name, "input_layer");
  EXPECT_EQ(r.spec->layers[2].inputs[0].layer, 1);
  EXPECT_FALSE(r.spec->compile.has_value());
  EXPECT_TRUE(r.spec->dataset.empty());
}

} // namespace
