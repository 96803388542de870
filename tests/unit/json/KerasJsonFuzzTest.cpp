//===- KerasJsonFuzzTest.cpp - parseKerasJson on hostile input ------------===//
//
// Tests that parseKerasJson neither crashes, hangs, nor reads out of bounds
// on thousands of inputs derived from the five real files: truncations,
// byte-level mutations, random bytes, and structure-aware mutations (a real
// model's JSON tree with nodes replaced, dropped or swapped, then written
// back out), which get past the syntax checks into the Keras layer walk.
// Every run must either produce a well-formed ModelSpec or print exactly one
// located error. Run under ASan/UBSan to make the bounds claim strong.
//
//===----------------------------------------------------------------------===//
#include "JsonTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

using namespace kiln::frontend;
using namespace kiln::frontend::testing;
using Kind = KValue::Kind;

namespace {

const char *const kFiles[] = {
    "keras2_seq_cnn_bn_mnist.json", "keras2_func_resnet_malaria.json",
    "keras2_func_squeezenet.json", "keras3_seq_cnn_mnist.json",
    "keras3_seq_cnn_bn_cifar10.json"};

/// Parses `text` and checks the outcome's invariants; returns whether it
/// parsed.
bool checkOne(const std::string &text) {
  auto p = parseModelExact(text, "fuzz.json");
  if (!p.value) {
    EXPECT_EQ(p.firstLine().rfind("fuzz.json:", 0), 0u) << p.errors;
    EXPECT_NE(p.firstLine().find(": error: "), std::string::npos) << p.errors;
    return false;
  }
  EXPECT_EQ(p.errors, "");
  const ModelSpec &m = *p.value;
  EXPECT_FALSE(m.layers.empty());
  for (size_t k = 0; k < m.layers.size(); ++k) {
    const LayerSpec &l = m.layers[k];
    EXPECT_FALSE(l.className.empty());
    EXPECT_TRUE(l.loc.isValid());
    for (const TensorRef &r : l.inputs) {
      EXPECT_GE(r.layer, 0);
      EXPECT_LT(r.layer, (int)k);
      EXPECT_GE(r.index, 0);
    }
  }
  EXPECT_FALSE(m.inputs.empty());
  EXPECT_FALSE(m.outputs.empty());
  for (const auto *refs : {&m.inputs, &m.outputs})
    for (const TensorRef &r : *refs) {
      EXPECT_GE(r.layer, 0);
      EXPECT_LT(r.layer, (int)m.layers.size());
    }
  return true;
}

//===----------------------------------------------------------------------===//
// Byte-level inputs
//===----------------------------------------------------------------------===//

TEST(KerasJsonFuzz, Truncations) {
  int count = 0;
  for (const char *file : kFiles) {
    std::string text = readInput(file);
    ASSERT_FALSE(text.empty()) << file;
    std::vector<size_t> cuts;
    for (size_t k = 0; k < 64 && k < text.size(); ++k) {
      cuts.push_back(k);
      cuts.push_back(text.size() - 1 - k);
    }
    for (size_t k = 0; k < 400; ++k)
      cuts.push_back(text.size() * k / 400);
    for (size_t cut : cuts) {
      EXPECT_FALSE(checkOne(text.substr(0, cut))) << file << " cut " << cut;
      ++count;
    }
    EXPECT_TRUE(checkOne(text)) << file;
  }
  EXPECT_GT(count, 2500);
}

TEST(KerasJsonFuzz, ByteMutations) {
  std::mt19937 rng(1234);
  const std::string structural = "{}[]\",:-+.0123456789eEtfnul\\ \n\x01\xff";
  int parsed = 0, total = 0;
  for (const char *file : kFiles) {
    const std::string original = readInput(file);
    ASSERT_FALSE(original.empty()) << file;
    for (int n = 0; n < 800; ++n) {
      std::string text = original;
      int edits = 1 + rng() % 4;
      for (int e = 0; e < edits && !text.empty(); ++e) {
        size_t at = rng() % text.size();
        switch (rng() % 5) {
        case 0: // Replace a byte with a structural character.
          text[at] = structural[rng() % structural.size()];
          break;
        case 1: // Replace a byte with any byte.
          text[at] = static_cast<char>(rng() % 256);
          break;
        case 2: // Delete a short range.
          text.erase(at, 1 + rng() % 16);
          break;
        case 3: { // Duplicate a range elsewhere.
          size_t len = 1 + rng() % 64;
          std::string piece = text.substr(at, len);
          text.insert(rng() % text.size(), piece);
          break;
        }
        default: // Insert structural characters.
          text.insert(at, 1 + rng() % 3,
                      structural[rng() % structural.size()]);
          break;
        }
      }
      parsed += checkOne(text);
      ++total;
    }
  }
  EXPECT_EQ(total, 4000);
  // Some mutations land in numbers or names and still give a model.
  EXPECT_GT(parsed, 0);
}

TEST(KerasJsonFuzz, RandomBytes) {
  std::mt19937 rng(99);
  const char *tokens[] = {"{",     "}",       "[",     "]",    ",",  ":",
                          "\"a\"", "\"name\"", "null", "true", "1",  "-2.5e3",
                          "\"",    "\\u",      "NaN",  " ",    "\"class_name\"",
                          "\"config\"", "\"layers\"", "\"Sequential\""};
  for (int n = 0; n < 1000; ++n) {
    std::string text;
    size_t len = rng() % 200;
    for (size_t k = 0; k < len; ++k)
      text += static_cast<char>(rng() % 256);
    checkOne(text);
    text.clear();
    for (size_t k = 0; k < len; ++k)
      text += tokens[rng() % (sizeof tokens / sizeof *tokens)];
    checkOne(text);
  }
}

TEST(KerasJsonFuzz, HostileShapes) {
  EXPECT_FALSE(checkOne(std::string(2000000, '[')));
  EXPECT_FALSE(checkOne(std::string(200000, '{') + "\"a\":"));
  EXPECT_FALSE(checkOne("[" + std::string(100000, '9') + "]"));
  EXPECT_FALSE(checkOne("1e999999999999999999999"));
  EXPECT_FALSE(checkOne("\"" + std::string(1000000, 'x')));
  EXPECT_FALSE(checkOne(std::string(100000, '-')));
  std::string manyKeys = "{";
  for (int k = 0; k < 50000; ++k)
    manyKeys += (k ? ",\"" : "\"") + std::to_string(k % 100) + "\":1";
  EXPECT_FALSE(checkOne(manyKeys + "}"));
  // Nesting just inside the limit, inside a layer's config.
  std::string deep = std::string(250, '[') + std::string(250, ']');
  EXPECT_TRUE(checkOne("{\"class_name\": \"Sequential\", \"config\": "
                       "[{\"class_name\": \"InputLayer\", \"config\": "
                       "{\"batch_shape\": " + deep + "}}]}"));
}

//===----------------------------------------------------------------------===//
// Structure-aware mutations
//===----------------------------------------------------------------------===//

void writeJson(const KValue &v, std::string &out) {
  switch (v.kind) {
  case Kind::None:
    out += "null";
    return;
  case Kind::Bool:
    out += v.b ? "true" : "false";
    return;
  case Kind::Int:
    out += std::to_string(v.i);
    return;
  case Kind::Float: {
    if (std::isnan(v.f)) {
      out += "NaN";
    } else if (std::isinf(v.f)) {
      out += v.f < 0 ? "-Infinity" : "Infinity";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v.f);
      out += buf;
    }
    return;
  }
  case Kind::String:
    out += '"';
    for (char c : v.s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += c;
      }
    }
    out += '"';
    return;
  case Kind::List:
  case Kind::Tuple:
    out += '[';
    for (size_t k = 0; k < v.items.size(); ++k) {
      if (k)
        out += ", ";
      writeJson(v.items[k], out);
    }
    out += ']';
    return;
  case Kind::Dict:
    out += '{';
    for (size_t k = 0; k < v.fields.size(); ++k) {
      if (k)
        out += ", ";
      writeJson(KValue::string(v.fields[k].first), out);
      out += ": ";
      writeJson(v.fields[k].second, out);
    }
    out += '}';
    return;
  }
}

void collect(KValue &v, std::vector<KValue *> &nodes) {
  nodes.push_back(&v);
  for (KValue &item : v.items)
    collect(item, nodes);
  for (auto &field : v.fields)
    collect(field.second, nodes);
}

KValue randomScalar(std::mt19937 &rng, const std::vector<std::string> &words) {
  switch (rng() % 8) {
  case 0:
    return KValue::none();
  case 1:
    return KValue::boolean(rng() % 2);
  case 2:
    return KValue::integer(static_cast<int64_t>(rng() % 5) - 2);
  case 3:
    return KValue::integer(INT64_MAX - static_cast<int64_t>(rng() % 2));
  case 4:
    return KValue::real(0.5);
  case 5:
    return KValue::list({});
  case 6:
    return KValue::dict({});
  default:
    return KValue::string(words[rng() % words.size()]);
  }
}

void mutate(KValue &root, std::mt19937 &rng,
            const std::vector<std::string> &words) {
  std::vector<KValue *> nodes;
  collect(root, nodes);
  KValue &v = *nodes[rng() % nodes.size()];
  switch (rng() % 6) {
  case 0:
    v = randomScalar(rng, words);
    return;
  case 1: // Graft a copy of another subtree here.
    v = KValue(*nodes[rng() % nodes.size()]);
    return;
  case 2: // Drop an element or a field.
    if (!v.items.empty())
      v.items.erase(v.items.begin() + rng() % v.items.size());
    else if (!v.fields.empty())
      v.fields.erase(v.fields.begin() + rng() % v.fields.size());
    return;
  case 3: // Duplicate an element or a field.
    if (!v.items.empty())
      v.items.push_back(KValue(v.items[rng() % v.items.size()]));
    else if (!v.fields.empty())
      v.fields.push_back(v.fields[rng() % v.fields.size()]);
    return;
  case 4: // Rename a field to another key Keras uses.
    if (!v.fields.empty())
      v.fields[rng() % v.fields.size()].first = words[rng() % words.size()];
    return;
  default: // Swap two elements.
    if (v.items.size() >= 2)
      std::swap(v.items[rng() % v.items.size()],
                v.items[rng() % v.items.size()]);
    return;
  }
}

TEST(KerasJsonFuzz, StructureMutations) {
  std::mt19937 rng(42);
  const std::vector<std::string> words = {
      "name",          "class_name",   "config",        "layers",
      "inbound_nodes", "input_layers", "output_layers", "batch_input_shape",
      "batch_shape",   "build_config", "input_shape",   "keras_history",
      "args",          "kwargs",       "__keras_tensor__", "InputLayer",
      "Sequential",    "Functional",   "Model",         "input_1",
      "conv2d",        "add_1",        "compile_config", "function"};
  int parsed = 0, total = 0;
  for (const char *file : kFiles) {
    auto base = parseJson(readInput(file));
    ASSERT_TRUE(base.value) << file << base.errors;
    int rounds = std::string(file).find("func") != std::string::npos ? 600
                                                                     : 300;
    for (int n = 0; n < rounds; ++n) {
      KValue tree = *base.value;
      int edits = 1 + rng() % 3;
      for (int e = 0; e < edits; ++e)
        mutate(tree, rng, words);
      std::string text;
      writeJson(tree, text);
      parsed += checkOne(text);
      ++total;
    }
  }
  EXPECT_EQ(total, 2100);
  // Most single edits touch arguments, which the reader copies unchecked.
  EXPECT_GT(parsed, total / 4);
}

} // namespace
