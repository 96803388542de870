//===- KerasJsonFilesTest.cpp - The five real model.to_json() files -------===//
//
// Tests that parseKerasJson reads the five Keras files in tests/inputs/json
// (copies of public repositories' files, see SOURCES.md there): model kind
// and name, layer count, classes, names, connections and some arguments.
//
//===----------------------------------------------------------------------===//
#include "JsonTestUtil.h"

#include <gtest/gtest.h>

using namespace kiln::frontend;
using namespace kiln::frontend::testing;
using Kind = KValue::Kind;

namespace {

Parsed<ModelSpec> parseFile(const std::string &name) {
  std::string text = readInput(name);
  EXPECT_FALSE(text.empty()) << "cannot read tests/inputs/json/" << name;
  return parseModel(text, name);
}

const KValue *kwarg(const LayerSpec &l, const std::string &key) {
  for (const auto &kw : l.kwargs)
    if (kw.first == key)
      return &kw.second;
  return nullptr;
}

std::string kwargStr(const LayerSpec &l, const std::string &key) {
  const KValue *v = kwarg(l, key);
  return v ? v->str() : "<missing>";
}

std::vector<std::string> classNames(const ModelSpec &m) {
  std::vector<std::string> out;
  for (const auto &l : m.layers)
    out.push_back(l.className);
  return out;
}

std::vector<std::string> names(const ModelSpec &m) {
  std::vector<std::string> out;
  for (const auto &l : m.layers)
    out.push_back(l.name);
  return out;
}

int indexOf(const ModelSpec &m, const std::string &name) {
  for (size_t k = 0; k < m.layers.size(); ++k)
    if (m.layers[k].name == name)
      return (int)k;
  return -1;
}

/// Names of the producers of layer `name`'s inputs, as "producer:index".
std::vector<std::string> inputsOf(const ModelSpec &m, const std::string &name) {
  std::vector<std::string> out;
  int k = indexOf(m, name);
  if (k < 0)
    return {"<no layer " + name + ">"};
  for (const TensorRef &r : m.layers[k].inputs)
    out.push_back(m.layers.at(r.layer).name + ":" + std::to_string(r.index));
  return out;
}

/// A Sequential model is a chain from its InputLayer.
void expectChain(const ModelSpec &m) {
  ASSERT_FALSE(m.layers.empty());
  EXPECT_EQ(m.layers[0].className, "InputLayer");
  EXPECT_TRUE(m.layers[0].inputs.empty());
  for (size_t k = 1; k < m.layers.size(); ++k) {
    ASSERT_EQ(m.layers[k].inputs.size(), 1u) << m.layers[k].name;
    EXPECT_EQ(m.layers[k].inputs[0].layer, (int)k - 1);
    EXPECT_EQ(m.layers[k].inputs[0].index, 0);
  }
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].layer, 0);
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(m.outputs[0].layer, (int)m.layers.size() - 1);
}

TEST(KerasJsonFiles, Keras2SequentialMnist) {
  auto p = parseFile("keras2_seq_cnn_bn_mnist.json");
  ASSERT_TRUE(p.value) << p.errors;
  const ModelSpec &m = *p.value;
  EXPECT_EQ(m.kind, ModelSpec::Kind::Sequential);
  EXPECT_EQ(m.name, "sequential");
  EXPECT_EQ(p.lineCol(m.loc), "1:1");
  EXPECT_EQ(classNames(m),
            (std::vector<std::string>{
                "InputLayer", "Conv2D", "BatchNormalization", "Conv2D",
                "BatchNormalization", "MaxPooling2D", "Dropout", "Conv2D",
                "BatchNormalization", "Conv2D", "BatchNormalization",
                "MaxPooling2D", "Dropout", "Flatten", "Dense",
                "BatchNormalization", "Dropout", "Dense", "BatchNormalization",
                "Dropout", "Dense"}));
  EXPECT_EQ(names(m),
            (std::vector<std::string>{
                "conv2d_input", "conv2d", "batch_normalization", "conv2d_1",
                "batch_normalization_1", "max_pooling2d", "dropout",
                "conv2d_2", "batch_normalization_2", "conv2d_3",
                "batch_normalization_3", "max_pooling2d_1", "dropout_1",
                "flatten", "dense", "batch_normalization_4", "dropout_2",
                "dense_1", "batch_normalization_5", "dropout_3", "dense_2"}));
  expectChain(m);
  for (const auto &l : m.layers) {
    EXPECT_TRUE(l.nameGiven) << l.name;
    EXPECT_TRUE(l.args.empty());
    EXPECT_FALSE(kwarg(l, "name")) << l.name;
  }
  const LayerSpec &input = m.layers[0];
  EXPECT_EQ(kwargStr(input, "batch_input_shape"), "[None, 28, 28, 1]");
  EXPECT_EQ(kwargStr(input, "dtype"), "\"float32\"");
  EXPECT_EQ(p.lineCol(input.loc), "1:74");
  const LayerSpec &conv = m.layers[1];
  ASSERT_GE(conv.kwargs.size(), 3u);
  EXPECT_EQ(conv.kwargs[0].first, "trainable");
  EXPECT_EQ(conv.kwargs[1].first, "batch_input_shape");
  EXPECT_EQ(kwargStr(conv, "filters"), "32");
  EXPECT_EQ(kwargStr(conv, "kernel_size"), "[5, 5]");
  EXPECT_EQ(kwargStr(conv, "padding"), "\"same\"");
  EXPECT_EQ(kwargStr(conv, "activation"), "\"relu\"");
  EXPECT_EQ(kwargStr(conv, "kernel_initializer"),
            "{\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": "
            "None}}");
  EXPECT_EQ(kwargStr(m.layers[2], "axis"), "[3]");
  EXPECT_EQ(kwargStr(m.layers[15], "axis"), "[1]");
  EXPECT_EQ(kwargStr(m.layers[6], "rate"), "0.25");
  EXPECT_EQ(kwargStr(m.layers[20], "units"), "10");
  EXPECT_EQ(kwargStr(m.layers[20], "activation"), "\"softmax\"");
  EXPECT_FALSE(m.compile);
}

TEST(KerasJsonFiles, Keras2FunctionalResNet) {
  auto p = parseFile("keras2_func_resnet_malaria.json");
  ASSERT_TRUE(p.value) << p.errors;
  const ModelSpec &m = *p.value;
  EXPECT_EQ(m.kind, ModelSpec::Kind::Functional);
  EXPECT_EQ(m.name, "model_1");
  ASSERT_EQ(m.layers.size(), 98u);
  std::map<std::string, int> count;
  for (const auto &l : m.layers)
    ++count[l.className];
  EXPECT_EQ(count, (std::map<std::string, int>{{"InputLayer", 1},
                                                {"Conv2D", 28},
                                                {"BatchNormalization", 25},
                                                {"Activation", 25},
                                                {"Add", 12},
                                                {"MaxPooling2D", 3},
                                                {"Dropout", 1},
                                                {"AveragePooling2D", 1},
                                                {"Flatten", 1},
                                                {"Dense", 1}}));
  EXPECT_EQ(m.layers[0].name, "input_1");
  EXPECT_EQ(m.layers[0].className, "InputLayer");
  EXPECT_TRUE(m.layers[0].inputs.empty());
  EXPECT_EQ(kwargStr(m.layers[0], "batch_input_shape"), "[None, 64, 64, 3]");
  EXPECT_EQ(inputsOf(m, "conv2d_1"), (std::vector<std::string>{"input_1:0"}));
  EXPECT_EQ(inputsOf(m, "add_1"),
            (std::vector<std::string>{"conv2d_1:0", "conv2d_3:0"}));
  EXPECT_EQ(inputsOf(m, "add_2"),
            (std::vector<std::string>{"add_1:0", "conv2d_5:0"}));
  // The 1x1 stride-2 shortcut, listed after the main branch's first conv.
  EXPECT_EQ(inputsOf(m, "conv2d_8"), (std::vector<std::string>{"add_3:0"}));
  EXPECT_EQ(inputsOf(m, "add_4"),
            (std::vector<std::string>{"conv2d_8:0", "conv2d_10:0"}));
  EXPECT_EQ(inputsOf(m, "dense_1"), (std::vector<std::string>{"flatten_1:0"}));
  for (size_t k = 0; k < m.layers.size(); ++k) {
    const LayerSpec &l = m.layers[k];
    EXPECT_EQ(l.inputs.size(), l.className == "Add"          ? 2u
                               : l.className == "InputLayer" ? 0u
                                                             : 1u)
        << l.name;
    for (const TensorRef &r : l.inputs)
      EXPECT_LT(r.layer, (int)k) << l.name;
  }
  const LayerSpec &conv = m.layers[indexOf(m, "conv2d_1")];
  EXPECT_EQ(kwargStr(conv, "activation"), "\"linear\"");
  EXPECT_EQ(kwargStr(conv, "kernel_regularizer"),
            "{\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.0, \"l2\": "
            "0.0005000000237487257}}");
  const LayerSpec &shortcut = m.layers[indexOf(m, "conv2d_8")];
  EXPECT_EQ(kwargStr(shortcut, "kernel_size"), "[1, 1]");
  EXPECT_EQ(kwargStr(shortcut, "strides"), "[2, 2]");
  const LayerSpec &bn = m.layers[indexOf(m, "batch_normalization_1")];
  EXPECT_EQ(kwargStr(bn, "momentum"), "0.9");
  EXPECT_EQ(kwargStr(bn, "epsilon"), "2e-05");
  EXPECT_EQ(kwargStr(bn, "axis"), "-1");
  EXPECT_EQ(kwargStr(m.layers[indexOf(m, "average_pooling2d_1")], "pool_size"),
            "[4, 4]");
  EXPECT_EQ(kwargStr(m.layers.back(), "units"), "2");
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].layer, 0);
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(m.outputs[0].layer, 97);
  EXPECT_EQ(m.outputs[0].index, 0);
}

TEST(KerasJsonFiles, Keras2FunctionalSqueezeNet) {
  auto p = parseFile("keras2_func_squeezenet.json");
  ASSERT_TRUE(p.value) << p.errors;
  const ModelSpec &m = *p.value;
  EXPECT_EQ(m.kind, ModelSpec::Kind::Functional);
  EXPECT_EQ(m.name, "squeezenet");
  ASSERT_EQ(m.layers.size(), 67u);
  EXPECT_EQ(names(m).front(), "input_1");
  EXPECT_EQ(names(m).back(), "loss");
  EXPECT_EQ(m.layers.back().className, "Activation");
  EXPECT_EQ(kwargStr(m.layers.back(), "activation"), "\"softmax\"");
  int concats = 0;
  for (const auto &l : m.layers)
    if (l.className == "Concatenate") {
      ++concats;
      EXPECT_EQ(l.inputs.size(), 2u) << l.name;
      EXPECT_EQ(kwargStr(l, "axis"), "3");
    }
  EXPECT_EQ(concats, 8);
  EXPECT_EQ(inputsOf(m, "fire2_concat"),
            (std::vector<std::string>{"fire2_relu_expand1x1:0",
                                      "fire2_relu_expand3x3:0"}));
  EXPECT_EQ(inputsOf(m, "fire2_expand3x3"),
            (std::vector<std::string>{"fire2_relu_squeeze1x1:0"}));
  EXPECT_EQ(inputsOf(m, "global_average_pooling2d_1"),
            (std::vector<std::string>{"relu_conv10:0"}));
  const LayerSpec &conv1 = m.layers[1];
  EXPECT_EQ(conv1.name, "conv1");
  EXPECT_EQ(kwargStr(conv1, "strides"), "[2, 2]");
  EXPECT_EQ(kwargStr(conv1, "padding"), "\"valid\"");
  EXPECT_EQ(kwargStr(m.layers[indexOf(m, "pool1")], "pool_size"), "[3, 3]");
  EXPECT_EQ(kwargStr(m.layers[indexOf(m, "conv10")], "filters"), "1000");
  EXPECT_EQ(kwargStr(m.layers[indexOf(m, "drop9")], "rate"), "0.5");
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(m.outputs[0].layer, 66);
}

TEST(KerasJsonFiles, Keras3SequentialMnist) {
  auto p = parseFile("keras3_seq_cnn_mnist.json");
  ASSERT_TRUE(p.value) << p.errors;
  const ModelSpec &m = *p.value;
  EXPECT_EQ(m.kind, ModelSpec::Kind::Sequential);
  EXPECT_EQ(m.name, "sequential");
  EXPECT_EQ(classNames(m),
            (std::vector<std::string>{"InputLayer", "Conv2D", "MaxPooling2D",
                                      "Conv2D", "MaxPooling2D", "Flatten",
                                      "Dense", "Dense"}));
  EXPECT_EQ(names(m),
            (std::vector<std::string>{"input_layer", "conv2d",
                                      "max_pooling2d", "conv2d_1",
                                      "max_pooling2d_1", "flatten", "dense",
                                      "dense_1"}));
  expectChain(m);
  EXPECT_EQ(kwargStr(m.layers[0], "batch_shape"), "[None, 28, 28, 1]");
  const LayerSpec &conv = m.layers[1];
  // Keras 3's dtype policy is kept as written, for the layer table.
  EXPECT_EQ(kwargStr(conv, "dtype"),
            "{\"module\": \"keras\", \"class_name\": \"DTypePolicy\", "
            "\"config\": {\"name\": \"float32\"}, \"registered_name\": None}");
  EXPECT_EQ(kwargStr(conv, "kernel_size"), "[3, 3]");
  EXPECT_EQ(kwargStr(conv, "padding"), "\"valid\"");
  EXPECT_EQ(kwargStr(m.layers[6], "units"), "100");
  EXPECT_EQ(kwargStr(m.layers[7], "units"), "10");
  ASSERT_TRUE(m.compile);
  EXPECT_EQ(p.lineCol(m.compile->loc), "1:4734");
  ASSERT_TRUE(m.compile->kwarg("optimizer"));
  const KValue &opt = *m.compile->kwarg("optimizer");
  ASSERT_EQ(opt.kind, Kind::Dict);
  EXPECT_EQ(opt.get("class_name")->s, "Adam");
  EXPECT_EQ(opt.get("config")->get("learning_rate")->f, 0.0010000000474974513);
  EXPECT_EQ(m.compile->kwarg("loss")->str(), "\"categorical_crossentropy\"");
  EXPECT_EQ(m.compile->kwarg("metrics")->str(), "[\"accuracy\"]");
}

TEST(KerasJsonFiles, Keras3SequentialCifar10) {
  auto p = parseFile("keras3_seq_cnn_bn_cifar10.json");
  ASSERT_TRUE(p.value) << p.errors;
  const ModelSpec &m = *p.value;
  EXPECT_EQ(m.kind, ModelSpec::Kind::Sequential);
  EXPECT_EQ(m.name, "sequential");
  EXPECT_EQ(classNames(m),
            (std::vector<std::string>{
                "InputLayer", "Conv2D", "BatchNormalization", "Conv2D",
                "MaxPooling2D", "Dropout", "Conv2D", "BatchNormalization",
                "Conv2D", "MaxPooling2D", "Dropout", "Conv2D",
                "BatchNormalization", "Dropout", "Flatten", "Dense",
                "BatchNormalization", "Dropout", "Dense"}));
  EXPECT_EQ(names(m).back(), "dense_1");
  EXPECT_EQ(m.layers[16].name, "batch_normalization_3");
  expectChain(m);
  EXPECT_EQ(kwargStr(m.layers[0], "batch_shape"), "[None, 32, 32, 3]");
  EXPECT_EQ(kwargStr(m.layers[2], "synchronized"), "False");
  EXPECT_EQ(kwargStr(m.layers[2], "axis"), "-1");
  EXPECT_EQ(kwargStr(m.layers[15], "units"), "512");
  ASSERT_TRUE(m.compile);
  EXPECT_FALSE(m.compile->kwarg("optimizer"));
  EXPECT_EQ(m.compile->kwarg("loss")->str(), "\"categorical_crossentropy\"");
  EXPECT_EQ(m.compile->kwarg("metrics")->str(),
            "[\"accuracy\", \"precision\", \"recall\"]");
}

} // namespace
