//===- KerasJsonErrorTest.cpp - parseKerasJson's messages -----------------===//
//
// Tests that each malformed or unsupported Keras model is rejected with its
// message, naming the layer involved, at the line and column of the value at
// fault; and that JSON syntax errors in a real file surface unchanged.
//
//===----------------------------------------------------------------------===//
#include "JsonTestUtil.h"

#include <gtest/gtest.h>

using namespace kiln::frontend;
using namespace kiln::frontend::testing;

namespace {

struct BadModel {
  const char *what;
  const char *text;
  const char *firstLine;
};

void PrintTo(const BadModel &b, std::ostream *os) { *os << b.what; }

class KerasJsonError : public ::testing::TestWithParam<BadModel> {};

TEST_P(KerasJsonError, ReportsFirstErrorWithLocation) {
  auto p = parseModel(GetParam().text);
  EXPECT_FALSE(p.value);
  EXPECT_EQ(p.firstLine(), GetParam().firstLine);
  // The source line and a caret follow the message.
  EXPECT_NE(p.errors.find("^"), std::string::npos) << p.errors;
}

// A functional model in the Keras 2 layout, with LAYERS spliced in after its
// InputLayer "in" (line 2) and the endpoints on the last line.
#define FUNC(LAYERS, INPUTS, OUTPUTS)                                          \
  "{\"class_name\": \"Model\", \"config\": {\"name\": \"m\", \"layers\": [\n"  \
  "{\"name\": \"in\", \"class_name\": \"InputLayer\", \"config\": "            \
  "{\"batch_input_shape\": [null, 4], \"name\": \"in\"}, \"inbound_nodes\": "  \
  "[]}" LAYERS "],\n"                                                          \
  "\"input_layers\": " INPUTS ", \"output_layers\": " OUTPUTS "}}"
#define DENSE(NAME, NODES)                                                     \
  ",\n{\"name\": \"" NAME "\", \"class_name\": \"Dense\", \"config\": "        \
  "{\"name\": \"" NAME "\", \"units\": 2}, \"inbound_nodes\": " NODES "}"

INSTANTIATE_TEST_SUITE_P(
    Structure, KerasJsonError,
    ::testing::Values(
        BadModel{"top level not an object", "[1]",
                 "test.json:1:1: error: expected a Keras model object (what "
                 "model.to_json() writes), found a list"},
        BadModel{"no class_name", "{\"config\": {}}",
                 "test.json:1:1: error: expected the model's \"class_name\" "
                 "to be a string"},
        BadModel{"class_name not a string", "{\"class_name\": 3}",
                 "test.json:1:16: error: expected the model's \"class_name\" "
                 "to be a string"},
        BadModel{"no config", "{\"class_name\": \"Sequential\"}",
                 "test.json:1:1: error: model has no \"config\""},
        BadModel{"unknown model class",
                 "{\"class_name\": \"Graph\", \"config\": {}}",
                 "test.json:1:16: error: model class 'Graph' is not "
                 "supported: expected Sequential, Functional or Model"},
        BadModel{"Sequential config a string",
                 "{\"class_name\": \"Sequential\", \"config\": \"x\"}",
                 "test.json:1:40: error: expected the Sequential config to be "
                 "an object or a list of layers, found the string \"x\""},
        BadModel{"Sequential without layers",
                 "{\"class_name\": \"Sequential\", \"config\": {\"name\": "
                 "\"s\"}}",
                 "test.json:1:40: error: expected the Sequential config's "
                 "\"layers\" to be a list"},
        BadModel{"Sequential with no layers",
                 "{\"class_name\": \"Sequential\", \"config\": {\"name\": "
                 "\"s\", \"layers\": []}}",
                 "test.json:1:64: error: Sequential model 's' has no layers"},
        BadModel{"model name not a string",
                 "{\"class_name\": \"Sequential\", \"config\": {\"name\": 1, "
                 "\"layers\": []}}",
                 "test.json:1:49: error: expected the model's name to be a "
                 "string"},
        BadModel{"layer not an object",
                 "{\"class_name\": \"Sequential\", \"config\": [\n  7]}",
                 "test.json:2:3: error: expected a layer object, found the "
                 "number 7"},
        BadModel{"layer without class_name",
                 "{\"class_name\": \"Sequential\", \"config\": [\n  "
                 "{\"config\": {}}]}",
                 "test.json:2:3: error: expected the layer's \"class_name\" "
                 "to be a string"},
        BadModel{"layer config not an object",
                 "{\"class_name\": \"Sequential\", \"config\": [\n  "
                 "{\"class_name\": \"Dense\", \"config\": [1]}]}",
                 "test.json:2:37: error: layer of class 'Dense': expected its "
                 "\"config\" to be an object"},
        BadModel{"layer name not a string",
                 "{\"class_name\": \"Sequential\", \"config\": [\n  "
                 "{\"class_name\": \"Dense\", \"config\": {\"name\": null}}]}",
                 "test.json:2:46: error: layer of class 'Dense': expected its "
                 "name to be a string"},
        BadModel{"no input shape",
                 "{\"class_name\": \"Sequential\", \"config\": [\n  "
                 "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", "
                 "\"units\": 2}}]}",
                 "test.json:2:3: error: layer 'd': a Sequential model needs "
                 "an input shape: an InputLayer first, or "
                 "\"batch_input_shape\" or \"build_config\" on its first "
                 "layer"},
        BadModel{"InputLayer not first",
                 "{\"class_name\": \"Sequential\", \"config\": [\n"
                 "{\"class_name\": \"InputLayer\", \"config\": {\"name\": "
                 "\"a\", \"batch_shape\": [null, 2]}},\n"
                 "{\"class_name\": \"InputLayer\", \"config\": {\"name\": "
                 "\"b\", \"batch_shape\": [null, 2]}}]}",
                 "test.json:3:1: error: layer 'b': an InputLayer can only be "
                 "the first layer of a Sequential model"},
        BadModel{"duplicate name",
                 "{\"class_name\": \"Sequential\", \"config\": [\n"
                 "{\"class_name\": \"InputLayer\", \"config\": {\"name\": "
                 "\"a\", \"batch_shape\": [null, 2]}},\n"
                 "{\"class_name\": \"Dense\", \"config\": {\"name\": \"a\"}}]}",
                 "test.json:3:44: error: duplicate layer name 'a'"},
        BadModel{"synthesised input name taken",
                 "{\"class_name\": \"Sequential\", \"config\": [\n"
                 "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", "
                 "\"batch_input_shape\": [null, 2]}},\n"
                 "{\"class_name\": \"Dense\", \"config\": {\"name\": "
                 "\"d_input\"}}]}",
                 "test.json:3:44: error: duplicate layer name 'd_input'"},
        BadModel{"nested Sequential model",
                 "{\"class_name\": \"Sequential\", \"config\": [\n"
                 "{\"class_name\": \"InputLayer\", \"config\": {\"name\": "
                 "\"a\", \"batch_shape\": [null, 2]}},\n"
                 "{\"class_name\": \"Sequential\", \"config\": {\"name\": "
                 "\"inner\", \"layers\": []}}]}",
                 "test.json:3:1: error: layer 'inner': nested models (class "
                 "'Sequential') are not supported"},
        BadModel{"nested functional model",
                 FUNC(",\n{\"name\": \"sub\", \"class_name\": \"Functional\", "
                      "\"config\": {\"name\": \"sub\"}, \"inbound_nodes\": "
                      "[[[\"in\", 0, 0, {}]]]}",
                      "[[\"in\", 0, 0]]", "[[\"sub\", 0, 0]]"),
                 "test.json:3:1: error: layer 'sub': nested models (class "
                 "'Functional') are not supported"},
        BadModel{"layer name and config name differ",
                 FUNC(",\n{\"name\": \"x\", \"class_name\": \"Dense\", "
                      "\"config\": {\"name\": \"y\"}, \"inbound_nodes\": "
                      "[[[\"in\", 0, 0, {}]]]}",
                      "[[\"in\", 0, 0]]", "[[\"x\", 0, 0]]"),
                 "test.json:3:10: error: layer 'y': its \"name\" 'x' differs "
                 "from config.name"},
        BadModel{"unknown layer",
                 FUNC(DENSE("d", "[[[\"foo\", 0, 0, {}]]]"),
                      "[[\"in\", 0, 0]]", "[[\"d\", 0, 0]]"),
                 "test.json:3:95: error: layer 'd': inbound node refers to "
                 "unknown layer 'foo'"},
        BadModel{"layer defined later",
                 FUNC(DENSE("d", "[[[\"e\", 0, 0, {}]]]")
                          DENSE("e", "[[[\"in\", 0, 0, {}]]]"),
                      "[[\"in\", 0, 0]]", "[[\"d\", 0, 0]]"),
                 "test.json:3:95: error: layer 'd': inbound node refers to "
                 "layer 'e', which is defined after it"},
        BadModel{"shared layer",
                 FUNC(DENSE("d", "[[[\"in\", 0, 0, {}]], [[\"in\", 0, 0, "
                                 "{}]]]"),
                      "[[\"in\", 0, 0]]", "[[\"d\", 0, 0]]"),
                 "test.json:3:113: error: layer 'd': shared layers are not "
                 "supported (the layer is called 2 times)"},
        BadModel{"second call of a layer",
                 FUNC(DENSE("d", "[[[\"in\", 1, 0, {}]]]"),
                      "[[\"in\", 0, 0]]", "[[\"d\", 0, 0]]"),
                 "test.json:3:101: error: layer 'd': inbound node refers to "
                 "call 1 of layer 'in': shared layers are not supported"},
        BadModel{"negative tensor index",
                 FUNC(DENSE("d", "[[[\"in\", 0, -1, {}]]]"),
                      "[[\"in\", 0, 0]]", "[[\"d\", 0, 0]]"),
                 "test.json:3:104: error: layer 'd': inbound node: expected a "
                 "tensor index >= 0, found the number -1"},
        BadModel{"short inbound entry",
                 FUNC(DENSE("d", "[[[\"in\", 0]]]"), "[[\"in\", 0, 0]]",
                      "[[\"d\", 0, 0]]"),
                 "test.json:3:94: error: layer 'd': inbound node: expected "
                 "[layer_name, node_index, tensor_index, kwargs], found a "
                 "list"},
        BadModel{"layer name in a node not a string",
                 FUNC(DENSE("d", "[[[1, 0, 0, {}]]]"), "[[\"in\", 0, 0]]",
                      "[[\"d\", 0, 0]]"),
                 "test.json:3:95: error: layer 'd': inbound node: expected a "
                 "layer name, found the number 1"},
        BadModel{"node neither list nor object",
                 FUNC(DENSE("d", "[\"in\"]"), "[[\"in\", 0, 0]]",
                      "[[\"d\", 0, 0]]"),
                 "test.json:3:93: error: layer 'd': inbound node: expected a "
                 "list or an object, found the string \"in\""},
        BadModel{"no inbound nodes",
                 FUNC(DENSE("d", "[]"), "[[\"in\", 0, 0]]", "[[\"d\", 0, 0]]"),
                 "test.json:3:92: error: layer 'd' has no inbound nodes: "
                 "only an InputLayer may have none"},
        BadModel{"inbound_nodes not a list",
                 FUNC(DENSE("d", "{}"), "[[\"in\", 0, 0]]", "[[\"d\", 0, 0]]"),
                 "test.json:3:92: error: layer 'd': expected "
                 "\"inbound_nodes\" to be a list, found an object"},
        BadModel{"empty Keras 3 node",
                 FUNC(DENSE("d", "[{\"args\": [], \"kwargs\": {}}]"),
                      "[[\"in\", 0, 0]]", "[[\"d\", 0, 0]]"),
                 "test.json:3:93: error: layer 'd': inbound node passes no "
                 "tensors"},
        BadModel{"Keras 3 tensor without history",
                 FUNC(DENSE("d", "[{\"args\": [{\"class_name\": "
                                 "\"__keras_tensor__\", \"config\": {}}]}]"),
                      "[[\"in\", 0, 0]]", "[[\"d\", 0, 0]]"),
                 "test.json:3:103: error: layer 'd': inbound node: expected "
                 "\"keras_history\" [layer_name, node_index, tensor_index] in "
                 "a Keras tensor"},
        BadModel{"Keras 3 tensor as keyword argument",
                 FUNC(DENSE("d",
                            "[{\"args\": [{\"class_name\": "
                            "\"__keras_tensor__\", \"config\": "
                            "{\"keras_history\": [\"in\", 0, 0]}}], "
                            "\"kwargs\": {\"mask\": {\"class_name\": "
                            "\"__keras_tensor__\", \"config\": "
                            "{\"keras_history\": [\"in\", 0, 0]}}}}]"),
                      "[[\"in\", 0, 0]]", "[[\"d\", 0, 0]]"),
                 "test.json:3:193: error: layer 'd': tensors passed as "
                 "keyword arguments are not supported"},
        BadModel{"InputLayer with a node",
                 "{\"class_name\": \"Model\", \"config\": {\"layers\": [\n"
                 "{\"name\": \"in\", \"class_name\": \"InputLayer\", "
                 "\"config\": {\"name\": \"in\"}, \"inbound_nodes\": [[]]}]}}",
                 "test.json:2:87: error: layer 'in': an InputLayer has no "
                 "inbound nodes"},
        BadModel{"functional config a list",
                 "{\"class_name\": \"Functional\", \"config\": []}",
                 "test.json:1:40: error: expected the functional model's "
                 "config to be an object, found a list"},
        BadModel{"functional without layers",
                 "{\"class_name\": \"Functional\", \"config\": {}}",
                 "test.json:1:40: error: expected the functional model's "
                 "\"layers\" to be a list"},
        BadModel{"no input_layers",
                 "{\"class_name\": \"Model\", \"config\": {\"layers\": []}}",
                 "test.json:1:35: error: expected the functional model's "
                 "\"input_layers\" to be a list"},
        BadModel{"empty output_layers",
                 FUNC("", "[[\"in\", 0, 0]]", "[]"),
                 "test.json:3:50: error: \"output_layers\" is empty"},
        BadModel{"input_layers names a Dense",
                 FUNC(DENSE("d", "[[[\"in\", 0, 0, {}]]]"), "[[\"d\", 0, 0]]",
                      "[[\"d\", 0, 0]]"),
                 "test.json:4:19: error: \"input_layers\": layer 'd' is not "
                 "an InputLayer"},
        BadModel{"output_layers names an unknown layer",
                 FUNC("", "[[\"in\", 0, 0]]", "[\"out\", 0, 0]"),
                 "test.json:3:51: error: \"output_layers\" refers to unknown "
                 "layer 'out'"},
        BadModel{"output_layers entry too short",
                 FUNC("", "[[\"in\", 0, 0]]", "[[\"in\"]]"),
                 "test.json:3:51: error: \"output_layers\": expected "
                 "[layer_name, node_index, tensor_index], found a list"}));

#undef FUNC
#undef DENSE

TEST(KerasJsonError, SyntaxErrorInARealFile) {
  std::string text = readInput("keras2_func_squeezenet.json");
  ASSERT_GT(text.size(), 1000u);
  auto p = parseModel(text.substr(0, 1000), "squeezenet.json");
  EXPECT_FALSE(p.value);
  EXPECT_EQ(p.firstLine(), "squeezenet.json:1:1001: error: expected a string key "
                           "in an object, found end of input");
  // One message only: the first error stops the reader.
  EXPECT_EQ(p.errors.find("error:"), p.errors.rfind("error:"));
}

std::string resnetWithTypo() {
  std::string text = readInput("keras2_func_resnet_malaria.json");
  std::string from = "[[\"conv2d_1\", 0, 0, {}], [\"conv2d_3\", 0, 0, {}]]";
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos)
    text.replace(at, from.size(),
                 "[[\"conv2d_1\", 0, 0, {}], [\"conv2d_33\", 0, 0, {}]]");
  return text;
}

TEST(KerasJsonError, LongLinesAreQuotedAroundTheColumn) {
  // Keras writes the whole model on one 45 KB line.
  auto p = parseModel(resnetWithTypo(), "resnet.json");
  EXPECT_FALSE(p.value);
  std::vector<std::string> lines;
  for (size_t pos = 0, next; pos < p.errors.size(); pos = next + 1) {
    next = p.errors.find('\n', pos);
    if (next == std::string::npos)
      next = p.errors.size();
    lines.push_back(p.errors.substr(pos, next - pos));
  }
  ASSERT_EQ(lines.size(), 3u) << p.errors;
  EXPECT_EQ(lines[0], "resnet.json:1:4165: error: layer 'add_1': inbound node "
                      "refers to unknown layer 'conv2d_33'");
  EXPECT_LE(lines[1].size(), 130u);
  EXPECT_EQ(lines[1].substr(0, 3), "...");
  EXPECT_EQ(lines[1].substr(lines[1].size() - 3), "...");
  size_t caret = lines[2].find('^');
  ASSERT_NE(caret, std::string::npos);
  EXPECT_EQ(lines[2], std::string(caret, ' ') + "^");
  EXPECT_EQ(lines[1].substr(caret, 11), "\"conv2d_33\"");
}

TEST(KerasJsonError, DiagHandlerGetsTheRealLineAndColumn) {
  Parsed<ModelSpec> p;
  unsigned id = addBuffer(*p.sm, resnetWithTypo(), "resnet.json");
  std::vector<std::pair<int, int>> seen;
  p.sm->setDiagHandler(
      [](const llvm::SMDiagnostic &d, void *ctx) {
        static_cast<std::vector<std::pair<int, int>> *>(ctx)->emplace_back(
            d.getLineNo(), d.getColumnNo());
      },
      &seen);
  llvm::raw_string_ostream os(p.errors);
  EXPECT_FALSE(parseKerasJson(*p.sm, id, os));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], (std::pair<int, int>(1, 4164))); // 0-based column
}

} // namespace
