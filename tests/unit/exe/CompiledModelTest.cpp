//===- CompiledModelTest.cpp - The embedded model's runtime view ----------===//
//
// The manifest makes the same initial weights as the runtime's initializers
// for the same seed (what `kiln init` writes); weights files are checked
// against the model's weights, optimizer state left out; a malformed
// embedding is an error, not a crash.
//
//===----------------------------------------------------------------------===//
#include "runtime/Initializers.h"
#include "runtime/exe/CompiledModel.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

using namespace kiln;
using namespace kiln::runtime;

namespace {

const char *kManifest = R"([
  {"name": "dense/kernel", "shape": [4, 3],
   "initializer": {"class_name": "glorot_uniform"}, "trainable": true,
   "optimizer_state": false},
  {"name": "dense/bias", "shape": [3], "initializer": {"class_name": "zeros"}},
  {"name": "adam/iteration", "shape": [], "initializer": {"class_name": "zeros"},
   "trainable": false, "optimizer_state": true}
])";

struct Embedding {
  // (Plan().toJson() of an empty plan has no "tensors" key, which fromJson
  // requires: spelled out here.)
  std::string plan = R"({"arena_bytes_per_sample": 0, "inputs": [], "outputs": [],
                         "tensors": [], "calls": []})";
  struct kiln_embedded_model model{};
  Embedding(const char *manifest = kManifest, const char *defaults =
                "{\"model\": \"tiny\", \"batch_size\": 16, \"seed\": 5}") {
    model.abi = KILN_EMBEDDED_ABI;
    model.train_plan = model.eval_plan = model.forward_plan = plan.c_str();
    model.weights_manifest = manifest;
    model.summary = "summary text";
    model.defaults = defaults;
  }
};

TEST(CompiledModel, InitialWeightsMatchTheInitializers) {
  Embedding e;
  auto m = exe::CompiledModel::load(e.model);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ((*m)->defaults().model, "tiny");
  EXPECT_EQ((*m)->defaults().batchSize, 16);
  EXPECT_EQ((*m)->defaults().seed, 5u);
  EXPECT_EQ((*m)->summary(), "summary text");
  auto w = (*m)->initialWeights(11);
  ASSERT_TRUE(w.ok()) << w.status().message();
  ASSERT_EQ(w->tensors.size(), 3u);
  auto init = initializerFromName("glorot_uniform");
  ASSERT_TRUE(init.ok());
  auto expected = makeInitializedTensor(*init, DType::F32, {4, 3},
                                        initializerKey(*init, 11, "dense/kernel"));
  ASSERT_TRUE(expected.ok());
  EXPECT_TRUE(w->tensors.at("dense/kernel").identical(*expected));
  EXPECT_EQ(w->metadata.at("seed"), "11");
  EXPECT_EQ((*m)->modelWeightShapes().size(), 2u);  // no optimizer state
}

TEST(CompiledModel, WeightsFilesAreChecked) {
  Embedding e;
  auto m = exe::CompiledModel::load(e.model);
  ASSERT_TRUE(m.ok());
  auto w = (*m)->initialWeights(0);
  ASSERT_TRUE(w.ok());
  std::string path = (std::filesystem::temp_directory_path() /
                      ("kiln-cm-" + std::to_string(getpid()) + ".safetensors"))
                         .string();
  auto saveable = (*m)->saveableWeights(w->tensors);
  ASSERT_TRUE(saveable.ok());
  EXPECT_EQ(saveable->tensors.count("adam/iteration"), 0u);
  ASSERT_TRUE(writeSafetensors(path, *saveable).ok());
  EXPECT_TRUE((*m)->loadWeights(path).ok());
  saveable->tensors.erase("dense/bias");
  ASSERT_TRUE(writeSafetensors(path, *saveable).ok());
  auto bad = (*m)->loadWeights(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            path + ": has no tensor 'dense/bias', which the model needs");
  std::remove(path.c_str());
}

TEST(CompiledModel, MalformedEmbeddingsAreErrors) {
  Embedding badManifest("[{\"name\": 3}]");
  EXPECT_FALSE(exe::CompiledModel::load(badManifest.model).ok());
  Embedding badAbi;
  badAbi.model.abi = KILN_EMBEDDED_ABI + 1;
  auto m = exe::CompiledModel::load(badAbi.model);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("layout"), std::string::npos);
  Embedding badPlan;
  badPlan.model.eval_plan = "{";
  auto p = exe::CompiledModel::load(badPlan.model);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("evaluation plan"), std::string::npos);
}

} // namespace
