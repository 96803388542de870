//===- KerasJsonModelTest.cpp - Keras layouts beyond the five files -------===//
//
// Tests that parseKerasJson handles the layouts the five real files do not
// show: Keras 2 Sequential models without an InputLayer (and the old form
// whose config is the layer list), Keras 3 build_config input shapes, Keras
// 3 functional nodes, several inputs and outputs, and training_config.
//
//===----------------------------------------------------------------------===//
#include "JsonTestUtil.h"

#include <gtest/gtest.h>

using namespace kiln::frontend;
using namespace kiln::frontend::testing;
using Kind = KValue::Kind;

namespace {

std::string kwargStr(const LayerSpec &l, const std::string &key) {
  for (const auto &kw : l.kwargs)
    if (kw.first == key)
      return kw.second.str();
  return "<missing>";
}

std::string refStr(const ModelSpec &m, const std::vector<TensorRef> &refs) {
  std::string out;
  for (const TensorRef &r : refs)
    out += (out.empty() ? "" : " ") + m.layers.at(r.layer).name + ":" +
           std::to_string(r.index);
  return out;
}

TEST(KerasJsonModel, Keras2SequentialWithoutInputLayer) {
  auto p = parseModel(R"({"class_name": "Sequential", "config": {"name": "seq", "layers": [
  {"class_name": "Dense", "config": {"name": "dense_1", "batch_input_shape": [null, 4], "units": 3}},
  {"class_name": "Dense", "config": {"name": "dense_2", "units": 2}}]}})");
  ASSERT_TRUE(p.value) << p.errors;
  const ModelSpec &m = *p.value;
  EXPECT_EQ(m.name, "seq");
  ASSERT_EQ(m.layers.size(), 3u);
  const LayerSpec &input = m.layers[0];
  EXPECT_EQ(input.className, "InputLayer");
  EXPECT_EQ(input.name, "dense_1_input");
  EXPECT_FALSE(input.nameGiven);
  ASSERT_EQ(input.kwargs.size(), 1u);
  EXPECT_EQ(input.kwargs[0].first, "batch_shape");
  EXPECT_EQ(input.kwargs[0].second.str(), "[None, 4]");
  EXPECT_EQ(p.lineCol(input.loc), "2:3");
  EXPECT_EQ(p.lineCol(m.layers[1].loc), "2:3");
  EXPECT_EQ(m.layers[1].name, "dense_1");
  EXPECT_EQ(refStr(m, m.layers[1].inputs), "dense_1_input:0");
  EXPECT_EQ(refStr(m, m.layers[2].inputs), "dense_1:0");
  EXPECT_EQ(kwargStr(m.layers[1], "batch_input_shape"), "[None, 4]");
  EXPECT_EQ(refStr(m, m.inputs), "dense_1_input:0");
  EXPECT_EQ(refStr(m, m.outputs), "dense_2:0");
}

TEST(KerasJsonModel, OldSequentialConfigIsTheLayerList) {
  auto p = parseModel(R"({"class_name": "Sequential", "config": [
    {"class_name": "Flatten", "config": {"name": "flatten_1", "batch_input_shape": [null, 28, 28]}},
    {"class_name": "Dense", "config": {"name": "dense_1", "units": 10}}],
    "keras_version": "2.0.8"})");
  ASSERT_TRUE(p.value) << p.errors;
  EXPECT_EQ(p.value->name, "sequential");
  ASSERT_EQ(p.value->layers.size(), 3u);
  EXPECT_EQ(p.value->layers[0].name, "flatten_1_input");
  EXPECT_EQ(kwargStr(p.value->layers[0], "batch_shape"), "[None, 28, 28]");
}

TEST(KerasJsonModel, Keras3BuildConfigGivesTheInputShape) {
  // On the first layer.
  auto p = parseModel(R"({"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
    {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 2}, "build_config": {"input_shape": [null, 5]}}]}})");
  ASSERT_TRUE(p.value) << p.errors;
  ASSERT_EQ(p.value->layers.size(), 2u);
  EXPECT_EQ(p.value->layers[0].name, "d_input");
  EXPECT_EQ(kwargStr(p.value->layers[0], "batch_shape"), "[None, 5]");
  // On the model.
  auto q = parseModel(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}, "build_config": {"input_shape": [null, 6]}})");
  ASSERT_TRUE(q.value) << q.errors;
  EXPECT_EQ(kwargStr(q.value->layers[0], "batch_shape"), "[None, 6]");
  // In the model's config.
  auto r = parseModel(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Dense", "config": {"name": "d", "units": 2}}], "build_input_shape": [null, 7]}})");
  ASSERT_TRUE(r.value) << r.errors;
  EXPECT_EQ(kwargStr(r.value->layers[0], "batch_shape"), "[None, 7]");
}

TEST(KerasJsonModel, UnnamedLayersGetKerasNames) {
  auto p = parseModel(R"({"class_name": "Sequential", "config": {"layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [null, 3]}},
    {"class_name": "Dense", "config": {"units": 2}},
    {"class_name": "Dense", "config": {"units": 2}}]}})");
  ASSERT_TRUE(p.value) << p.errors;
  const ModelSpec &m = *p.value;
  EXPECT_EQ(m.name, "sequential");
  EXPECT_EQ(m.layers[0].name, "input_layer");
  EXPECT_EQ(m.layers[1].name, "dense");
  EXPECT_EQ(m.layers[2].name, "dense_1");
  EXPECT_FALSE(m.layers[2].nameGiven);
}

const char *kKeras3Functional = R"({"module": "keras", "class_name": "Functional", "config": {"name": "residual", "trainable": true, "layers": [
 {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 8], "dtype": "float32", "sparse": false, "name": "input_layer"}, "registered_name": null, "name": "input_layer", "inbound_nodes": []},
 {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "trainable": true, "units": 8}, "registered_name": null, "build_config": {"input_shape": [null, 8]}, "name": "dense", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 8], "dtype": "float32", "keras_history": ["input_layer", 0, 0]}}], "kwargs": {}}]},
 {"module": "keras.layers", "class_name": "Add", "config": {"name": "add"}, "name": "add", "inbound_nodes": [{"args": [[{"class_name": "__keras_tensor__", "config": {"shape": [null, 8], "dtype": "float32", "keras_history": ["input_layer", 0, 0]}}, {"class_name": "__keras_tensor__", "config": {"shape": [null, 8], "dtype": "float32", "keras_history": ["dense", 0, 0]}}]], "kwargs": {}}]},
 {"module": "keras.layers", "class_name": "Dropout", "config": {"name": "dropout", "rate": 0.5}, "name": "dropout", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 8], "dtype": "float32", "keras_history": ["add", 0, 0]}}], "kwargs": {"training": false}}]}
 ], "input_layers": INPUTS, "output_layers": ["dropout", 0, 0]}, "registered_name": "Functional"})";

std::string keras3Functional(const std::string &inputs) {
  std::string s = kKeras3Functional;
  s.replace(s.find("INPUTS"), 6, inputs);
  return s;
}

TEST(KerasJsonModel, Keras3Functional) {
  for (const char *inputs : {R"([["input_layer", 0, 0]])",
                             R"(["input_layer", 0, 0])"}) {
    auto p = parseModel(keras3Functional(inputs));
    ASSERT_TRUE(p.value) << p.errors;
    const ModelSpec &m = *p.value;
    EXPECT_EQ(m.kind, ModelSpec::Kind::Functional);
    EXPECT_EQ(m.name, "residual");
    ASSERT_EQ(m.layers.size(), 4u);
    EXPECT_EQ(refStr(m, m.layers[0].inputs), "");
    EXPECT_EQ(refStr(m, m.layers[1].inputs), "input_layer:0");
    EXPECT_EQ(refStr(m, m.layers[2].inputs), "input_layer:0 dense:0");
    EXPECT_EQ(refStr(m, m.layers[3].inputs), "add:0");
    EXPECT_EQ(refStr(m, m.inputs), "input_layer:0");
    EXPECT_EQ(refStr(m, m.outputs), "dropout:0");
    EXPECT_EQ(kwargStr(m.layers[1], "units"), "8");
    EXPECT_EQ(p.lineCol(m.layers[2].loc), "4:2");
  }
}

TEST(KerasJsonModel, Keras2FunctionalWithTwoInputsAndOutputs) {
  auto p = parseModel(R"({"class_name": "Functional", "config": {"name": "two", "layers": [
  {"name": "a", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "name": "a"}, "inbound_nodes": []},
  {"name": "b", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "name": "b"}, "inbound_nodes": []},
  {"name": "cat", "class_name": "Concatenate", "config": {"name": "cat", "axis": -1}, "inbound_nodes": [[["b", 0, 0, {}], ["a", 0, 0, {}]]]},
  {"name": "d", "class_name": "Dense", "config": {"name": "d", "units": 1}, "inbound_nodes": [[["cat", 0, 0, {"training": true}]]]}],
  "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": [["d", 0, 0], ["cat", 0, 0]]}})");
  ASSERT_TRUE(p.value) << p.errors;
  const ModelSpec &m = *p.value;
  EXPECT_EQ(m.name, "two");
  EXPECT_EQ(refStr(m, m.layers[2].inputs), "b:0 a:0");
  EXPECT_EQ(refStr(m, m.layers[3].inputs), "cat:0");
  EXPECT_EQ(refStr(m, m.inputs), "a:0 b:0");
  EXPECT_EQ(refStr(m, m.outputs), "d:0 cat:0");
}

TEST(KerasJsonModel, TensorIndexIsKept) {
  auto p = parseModel(R"({"class_name": "Model", "config": {"layers": [
  {"name": "x", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "name": "x"}, "inbound_nodes": []},
  {"name": "s", "class_name": "Split", "config": {"name": "s"}, "inbound_nodes": [[["x", 0, 0, {}]]]},
  {"name": "d", "class_name": "Dense", "config": {"name": "d"}, "inbound_nodes": [[["s", 0, 1, {}]]]}],
  "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0], ["s", 0, 0]]}})");
  ASSERT_TRUE(p.value) << p.errors;
  EXPECT_EQ(p.value->name, "model");
  EXPECT_EQ(refStr(*p.value, p.value->layers[2].inputs), "s:1");
}

TEST(KerasJsonModel, Keras2TrainingConfigBecomesCompile) {
  auto p = parseModel(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Dense", "config": {"name": "d", "units": 2, "batch_input_shape": [null, 3]}}]},
    "training_config": {"loss": "mse", "metrics": ["mae"], "optimizer_config": {"class_name": "SGD", "config": {"lr": 0.01}}}})");
  ASSERT_TRUE(p.value) << p.errors;
  ASSERT_TRUE(p.value->compile);
  const CallSpec &c = *p.value->compile;
  ASSERT_EQ(c.kwargs.size(), 3u);
  EXPECT_EQ(c.kwargs[2].first, "optimizer");
  EXPECT_EQ(c.kwarg("optimizer")->str(),
            "{\"class_name\": \"SGD\", \"config\": {\"lr\": 0.01}}");
  EXPECT_EQ(c.kwarg("loss")->str(), "\"mse\"");
  EXPECT_EQ(p.lineCol(c.loc), "3:24");
}

TEST(KerasJsonModel, NullCompileConfigMeansNotCompiled) {
  auto p = parseModel(R"({"class_name": "Sequential", "config": {"layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [null, 3]}}]}, "compile_config": null})");
  ASSERT_TRUE(p.value) << p.errors;
  EXPECT_FALSE(p.value->compile);
  EXPECT_EQ(p.value->layers.size(), 1u);
  EXPECT_EQ(p.value->outputs[0].layer, 0);
}

} // namespace
