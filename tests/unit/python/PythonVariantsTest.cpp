//===- PythonVariantsTest.cpp - Other ways of writing a Keras model -------===//
//
// The Sequential add() form with Keras 2's input_shape=, the functional API,
// import spellings, Keras objects as config dicts, and def/for blocks, read
// from tests/inputs/python/ and from inline scripts.
//
//===----------------------------------------------------------------------===//
#include "PythonTestUtil.h"

#include <gtest/gtest.h>

using namespace kiln::frontend;
using namespace kiln::frontend::test;

namespace {

PyResult readInput(const std::string &name) {
  std::string text = sourceFile("tests/inputs/python/" + name);
  EXPECT_FALSE(text.empty()) << name;
  return readPython(text, name);
}

std::string names(const ModelSpec &spec) {
  std::string out;
  for (const LayerSpec &l : spec.layers)
    out += (out.empty() ? "" : " ") + l.name;
  return out;
}

TEST(PythonVariants, SequentialAddWithInputShape) {
  PyResult r = readInput("sequential_add.py");
  ASSERT_TRUE(r.spec) << r.errors;
  const ModelSpec &s = *r.spec;
  EXPECT_EQ(s.name, "fashion");
  EXPECT_EQ(s.dataset, "fashion_mnist");
  EXPECT_EQ(names(s), "input_layer conv2d max_pooling2d flatten dense "
                      "dropout logits");
  // The synthesized InputLayer sits at the first layer and has its shape.
  const LayerSpec &in = s.layers[0];
  EXPECT_EQ(in.className, "InputLayer");
  EXPECT_EQ(in.loc.getPointer(), s.layers[1].loc.getPointer());
  ASSERT_EQ(in.kwargs.size(), 1u);
  EXPECT_EQ(in.kwargs[0].first, "shape");
  EXPECT_EQ(in.kwargs[0].second.str(), "(28, 28, 1)");
  // input_shape= stays on the layer, args as written.
  EXPECT_EQ(kwarg(s.layers[1], "input_shape")->str(), "(28, 28, 1)");
  EXPECT_EQ(s.layers[1].args.size(), 2u);
  EXPECT_EQ(s.layers[1].args[1].str(), "(3, 3)");
  EXPECT_EQ(kwarg(s.layers[4], "activation")->str(), "\"relu\"");
  EXPECT_EQ(kwarg(s.layers[4], "kernel_regularizer")->str(),
            "{\"class_name\": \"L2\", \"config\": {\"l2\": 0.01}}");
  EXPECT_DOUBLE_EQ(s.layers[5].args[0].f, 0.5);
  EXPECT_TRUE(s.layers[6].nameGiven);
  EXPECT_EQ(kwarg(s.layers[6], "name"), nullptr);
  for (size_t k = 1; k < s.layers.size(); ++k)
    EXPECT_EQ(s.layers[k].inputs[0].layer, int(k - 1));
  ASSERT_TRUE(s.compile);
  EXPECT_EQ(s.compile->kwarg("optimizer")->str(),
            "{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": "
            "0.001}}");
  EXPECT_EQ(s.compile->kwarg("loss")->str(),
            "{\"class_name\": \"SparseCategoricalCrossentropy\", \"config\": "
            "{}}");
  ASSERT_TRUE(s.fit);
  EXPECT_EQ(s.fit->kwarg("epochs")->i, 6);
  EXPECT_EQ(s.fit->kwarg("batch_size")->i, 64);
  EXPECT_EQ(s.fit->kwarg("validation_data")->str(),
            "(\"x_test\", \"y_test\")");
}

TEST(PythonVariants, FunctionalResidual) {
  PyResult r = readInput("functional.py");
  ASSERT_TRUE(r.spec) << r.errors;
  const ModelSpec &s = *r.spec;
  EXPECT_EQ(s.kind, ModelSpec::Kind::Functional);
  EXPECT_EQ(s.name, "resnet_tiny");
  // conv was created before the first Conv2D call's layer? No: after it, so
  // it is conv2d_1; order is the order of the calls.
  EXPECT_EQ(names(s), "image conv2d conv2d_1 batch_normalization add "
                      "global_average_pooling2d global_max_pooling2d "
                      "concatenate dense");
  EXPECT_TRUE(s.layers[0].nameGiven);
  EXPECT_EQ(s.layers[0].kwargs[0].second.str(), "(32, 32, 3)");
  const LayerSpec &add = s.layers[4];
  ASSERT_EQ(add.inputs.size(), 2u);
  EXPECT_EQ(add.inputs[0].layer, 1);
  EXPECT_EQ(add.inputs[1].layer, 3);
  const LayerSpec &cat = s.layers[7];
  EXPECT_EQ(kwarg(cat, "axis")->i, -1);
  ASSERT_EQ(cat.inputs.size(), 2u);
  EXPECT_EQ(cat.inputs[0].layer, 5);
  EXPECT_EQ(cat.inputs[1].layer, 6);
  EXPECT_EQ(kwarg(s.layers[8], "kernel_initializer")->str(),
            "{\"class_name\": \"HeNormal\", \"config\": {\"seed\": 1}}");
  ASSERT_EQ(s.inputs.size(), 1u);
  EXPECT_EQ(s.inputs[0].layer, 0);
  ASSERT_EQ(s.outputs.size(), 1u);
  EXPECT_EQ(s.outputs[0].layer, 8);
  EXPECT_EQ(s.compile->kwarg("optimizer")->str(),
            "{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": 0.01, "
            "\"momentum\": 0.9}}");
  EXPECT_FALSE(s.fit);
}

TEST(PythonVariants, DefAndForBlocks) {
  PyResult r = readInput("def_for.py");
  ASSERT_TRUE(r.spec) << r.errors;
  EXPECT_EQ(names(*r.spec),
            "input_layer hidden_0 dropout hidden_1 dropout_1 dense");
  EXPECT_EQ(r.spec->layers[1].args[0].i, 128);
  EXPECT_EQ(r.spec->layers[3].args[0].i, 64);
  EXPECT_DOUBLE_EQ(r.spec->layers[2].args[0].f, 0.25);
  EXPECT_EQ(r.spec->layers[5].args[0].i, 10);
  EXPECT_TRUE(r.spec->compile);
}

TEST(PythonVariants, ImportSpellings) {
  PyResult r = readInput("imports.py");
  ASSERT_TRUE(r.spec) << r.errors;
  EXPECT_EQ(names(*r.spec), "input_layer flatten dense dense_1 dense_2");
  EXPECT_EQ(r.spec->layers[0].kwargs[0].second.str(), "[28, 28]");
  EXPECT_EQ(kwarg(r.spec->layers[2], "activation")->str(), "\"relu\"");
  EXPECT_EQ(kwarg(r.spec->layers[3], "activation")->str(), "None");
  EXPECT_EQ(kwarg(r.spec->layers[3], "use_bias")->str(), "True");
}

TEST(PythonVariants, MoreImportForms) {
  const char *scripts[] = {
      "import tensorflow as tf\nm = tf.keras.Sequential([tf.keras.Input("
      "shape=(2,)), tf.keras.layers.Dense(1)])\n",
      "from tensorflow.keras import layers, models\nm = models.Sequential(["
      "layers.Input(shape=(2,)), layers.Dense(1)])\n",
      "from keras.models import Sequential, Model\nfrom keras.layers import "
      "Dense, Input\nm = Sequential([Input(shape=(2,)), Dense(1)])\n",
      "import keras\nm = keras.models.Sequential([keras.layers.Input((2,)), "
      "keras.layers.Dense(1)])\n",
      "import keras.layers as kl\nimport keras\nm = keras.Sequential(["
      "kl.InputLayer(shape=(2,)), kl.Dense(1)])\n",
  };
  for (const char *src : scripts) {
    SCOPED_TRACE(src);
    PyResult r = readPython(src);
    ASSERT_TRUE(r.spec) << r.errors;
    ASSERT_EQ(r.spec->layers.size(), 2u);
    EXPECT_EQ(r.spec->layers[0].className, "InputLayer");
    EXPECT_EQ(r.spec->layers[0].kwargs[0].first, "shape");
    EXPECT_EQ(r.spec->layers[0].kwargs[0].second.str(), "(2,)");
    EXPECT_EQ(r.spec->layers[1].className, "Dense");
    EXPECT_EQ(r.spec->layers[1].inputs[0].layer, 0);
  }
}

TEST(PythonVariants, KerasTwoInputForms) {
  PyResult r = readPython(
      "import keras\nm = keras.Sequential([keras.layers.Dense(4, "
      "input_dim=3), keras.layers.Dense(1)])\n"
      "n = keras.Sequential([keras.layers.LSTM(4, batch_input_shape=(8, 5, "
      "3))])\n");
  ASSERT_TRUE(r.spec) << r.errors;
  // The last model built is the one read; names run on across models.
  EXPECT_EQ(r.spec->name, "sequential_1");
  EXPECT_EQ(names(*r.spec), "input_layer_1 lstm");
  EXPECT_EQ(r.spec->layers[0].kwargs[0].first, "batch_shape");
  EXPECT_EQ(r.spec->layers[0].kwargs[0].second.str(), "(8, 5, 3)");

  r = readPython("import keras\nm = keras.Sequential([keras.layers.Dense(4, "
                 "input_dim=3)])\n");
  ASSERT_TRUE(r.spec) << r.errors;
  EXPECT_EQ(r.spec->layers[0].kwargs[0].second.str(), "(3,)");
}

TEST(PythonVariants, FunctionalForms) {
  PyResult r = readPython(
      "import keras\nfrom keras import layers\n"
      "a = keras.Input(shape=(4,), batch_size=2)\nb = layers.Input((4,))\n"
      "d = layers.Dense(3)\n"              // created before it is called
      "x = layers.concatenate([a, b], axis=1)\ny = d(x)\n"
      "m = keras.models.Model([a, b], (y, x))\n");
  ASSERT_TRUE(r.spec) << r.errors;
  const ModelSpec &s = *r.spec;
  EXPECT_EQ(s.name, "functional");
  EXPECT_EQ(names(s), "input_layer input_layer_1 concatenate dense");
  EXPECT_EQ(s.layers[0].kwargs[1].first, "batch_size");
  EXPECT_EQ(s.layers[1].kwargs[0].first, "shape"); // positional, by name
  EXPECT_EQ(kwarg(s.layers[2], "axis")->i, 1);
  ASSERT_EQ(s.inputs.size(), 2u);
  EXPECT_EQ(s.inputs[1].layer, 1);
  ASSERT_EQ(s.outputs.size(), 2u);
  EXPECT_EQ(s.outputs[0].layer, 3);
  EXPECT_EQ(s.outputs[1].layer, 2);
  EXPECT_EQ(s.layers[3].inputs[0].layer, 2);
}

TEST(PythonVariants, ConstantFoldingAndData) {
  PyResult r = readPython(
      "import numpy as np\nimport keras\n"
      "(x_train, y_train), (x_test, y_test) = "
      "keras.datasets.cifar10.load_data()\n"
      "x_train = x_train.astype('float32') / 255.0\nx_train -= 0.5\n"
      "y_train = keras.utils.to_categorical(y_train, 10)\n"
      "n = len(x_train)\nshape = x_train.shape[1:]\nprint(f'{n} samples')\n"
      "a = 7 // 2 + 7 % 3 - -2 ** 2 + 2 ** -1\nb = (-7) // 2, -7 % 3, 1e-3 * "
      "10, .5 + 5.\nc = (1, 2) + (3,) * 2\nd = [1, 2, 3, 4][::-2]\n"
      "m = keras.Sequential([keras.Input(shape=(32, 32, 3)), "
      "keras.layers.Dense(a, name='d' + str(c[-1])), "
      "keras.layers.Dense(b[0], kernel_regularizer=keras.regularizers.l1_l2("
      "l1=0.1, l2=0.2)), keras.layers.Reshape(d), keras.layers.Dense(1, "
      "activation=keras.activations.sigmoid)])\n"
      "m.fit(x_train[:100], y_train[:100], validation_data=(x_test, y_test), "
      "callbacks=[keras.callbacks.EarlyStopping(patience=2)])\n"
      "score = m.evaluate(x_test, y_test)\nprint(score[0])\nm.save('m.keras')"
      "\n");
  ASSERT_TRUE(r.spec) << r.errors;
  const ModelSpec &s = *r.spec;
  EXPECT_EQ(s.dataset, "cifar10");
  // 3 + 1 + 4 + 0.5: -2 ** 2 is -(2 ** 2).
  EXPECT_EQ(s.layers[1].args[0].kind, KValue::Kind::Float);
  EXPECT_DOUBLE_EQ(s.layers[1].args[0].f, 8.5);
  EXPECT_EQ(s.layers[1].name, "d3");
  EXPECT_EQ(s.layers[2].args[0].i, -4);
  EXPECT_EQ(kwarg(s.layers[2], "kernel_regularizer")->str(),
            "{\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.1, \"l2\": "
            "0.2}}");
  EXPECT_EQ(s.layers[3].args[0].str(), "[4, 2]");
  EXPECT_EQ(kwarg(s.layers[4], "activation")->str(), "\"sigmoid\"");
  ASSERT_TRUE(s.fit);
  EXPECT_EQ(s.fit->args[0].s, "x_train[:100]");
  EXPECT_EQ(s.fit->kwarg("callbacks")->str(),
            "[{\"class_name\": \"EarlyStopping\", \"config\": {\"patience\": "
            "2}}]");
}

TEST(PythonVariants, LexerCorners) {
  PyResult r;
  r = readPython("import keras\n"
                 "s = 'it\\'s' \"\\x41\\u00e9\" r'\\d'\n"
                 "u = 0x1F + 0o17 + 0b11 + 1_000\n"
                 "m = keras.Sequential([keras.Input(shape=(2,)),\n"
                 "    keras.layers.Dense(u, name=s)]) ; x = 1 + \\\n  2\n");
  ASSERT_TRUE(r.spec) << r.errors;
  EXPECT_EQ(r.spec->layers[1].args[0].i, 31 + 15 + 3 + 1000);
  EXPECT_EQ(r.spec->layers[1].name, "it'sA\xc3\xa9\\d");
  r = readPython("# comment\r\nimport keras  # trailing\r\n\r\n"
                 "t = '''multi\nline'''\n"
                 "m = keras.Sequential([keras.Input(shape=(2,)),\r\n"
                 "    keras.layers.Dense(1, name=t)])");
  ASSERT_TRUE(r.spec) << r.errors;
  EXPECT_EQ(r.spec->layers[1].name, "multi\nline");
}

} // namespace
