//===- KerasFileTest.cpp - Keras weights files: round trips and errors ----===//
//
// What writeKerasWeights/writeKerasArchive write, readKerasWeights reads
// back to the same values; names follow the class (not the layer name);
// counts, shapes and missing groups are errors naming the layer. The lit
// tests (tests/lit/tools/keras-files*.test) check the layouts against
// files written with h5py as Keras writes them.
//
//===----------------------------------------------------------------------===//
#include "frontend/keras/Hdf5.h"
#include "frontend/keras/KerasFile.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace kiln;
using namespace kiln::keras;
using namespace kiln::runtime;

namespace {

std::string tempPath(const std::string &name) {
  return (std::filesystem::temp_directory_path() /
          ("kiln-keras-test-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

Tensor filled(Shape shape, float start) {
  auto t = Tensor::create(DType::F32, shape);
  EXPECT_TRUE(t.ok());
  for (int64_t i = 0; i < t->numElements(); ++i)
    t->data<float>()[i] = start + 0.25f * static_cast<float>(i);
  return std::move(*t);
}

/// Input, Dense "first" (3 -> 2), Dense "second" (2 -> 1).
std::vector<ModelLayer> mlp() {
  return {{"inp", "InputLayer", {}},
          {"first", "Dense",
           {{"kernel", {3, 2}, true, "first/kernel"},
            {"bias", {2}, true, "first/bias"}}},
          {"second", "Dense",
           {{"kernel", {2, 1}, true, "second/kernel"},
            {"bias", {1}, true, "second/bias"}}}};
}

std::map<std::string, Tensor> values() {
  std::map<std::string, Tensor> v;
  v.emplace("first/kernel", filled({3, 2}, 1));
  v.emplace("first/bias", filled({2}, -1));
  v.emplace("second/kernel", filled({2, 1}, 5));
  v.emplace("second/bias", filled({1}, 7));
  return v;
}

TEST(KerasFile, WeightsRoundTripUnderClassNames) {
  std::string path = tempPath("rt.weights.h5");
  ASSERT_TRUE(writeKerasWeights(path, mlp(), true, values()).ok());
  auto h5 = H5File::open(path);
  ASSERT_TRUE(h5.ok()) << h5.status().message();
  // Keras names list members by class: dense, dense_1; never "first".
  EXPECT_TRUE((*h5)->isDataset("layers/dense/vars/0"));
  EXPECT_TRUE((*h5)->isDataset("layers/dense_1/vars/1"));
  EXPECT_FALSE((*h5)->isGroup("layers/first"));
  EXPECT_FALSE((*h5)->isGroup("layers/input_layer"));  // Sequential hides it
  auto name = (*h5)->stringAttribute("layers/dense_1/vars", "name");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, "second");

  auto file = openKerasFile(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  auto w = readKerasWeights(*file, mlp(), true);
  ASSERT_TRUE(w.ok()) << w.status().message();
  auto want = values();
  ASSERT_EQ(w->weights.size(), want.size());
  for (auto &[k, t] : want)
    EXPECT_TRUE(w->weights.at(k).identical(t)) << k;
  std::filesystem::remove(path);
}

TEST(KerasFile, ArchiveRoundTripWithAdamState) {
  std::string path = tempPath("rt.keras");
  auto v = values();
  v.emplace("adam/iteration", filled({}, 12));
  for (const char *w : {"first_kernel", "first_bias", "second_kernel", "second_bias"})
    for (const char *slot : {"_momentum", "_velocity"}) {
      std::string key = std::string(w);
      std::string model = key.substr(0, key.find('_')) + "/" + key.substr(key.find('_') + 1);
      v.emplace("adam/" + key + slot, filled(v.at(model).shape(), slot[1] == 'm' ? 0.5f : 2));
    }
  OptimizerLayout adam{"adam", {"_momentum", "_velocity"}};
  ASSERT_TRUE(writeKerasArchive(path, "{\"class_name\": \"Sequential\"}", mlp(),
                                true, v, adam, 0.001).ok());
  auto file = openKerasFile(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->kerasVersion, kWrittenKerasVersion);
  EXPECT_EQ(file->configJson, "{\"class_name\": \"Sequential\"}");
  auto w = readKerasWeights(*file, mlp(), true, adam);
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->optimizerState.size(), 9u);
  EXPECT_EQ(w->optimizerState.at("adam/iteration").data<float>()[0], 12.0f);
  EXPECT_TRUE(w->optimizerState.at("adam/second_bias_velocity")
                  .identical(v.at("adam/second_bias_velocity")));
  std::filesystem::remove(path);
}

TEST(KerasFile, ShapeCountAndMissingAreNamed) {
  std::string path = tempPath("bad.weights.h5");
  ASSERT_TRUE(writeKerasWeights(path, mlp(), true, values()).ok());
  auto file = openKerasFile(path);
  ASSERT_TRUE(file.ok());

  auto layers = mlp();
  layers[2].variables[0].shape = {4, 1};
  auto w = readKerasWeights(*file, layers, true);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find(
                "layer 'second' (Dense): variable 'kernel' (/layers/dense_1/vars/0) "
                "has shape [2, 1] in the file but the model needs [4, 1]"),
            std::string::npos)
      << w.status().message();

  layers = mlp();
  layers[2].variables.pop_back();
  w = readKerasWeights(*file, layers, true);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("has 1 variables but '/layers/dense_1/vars' holds 2"),
            std::string::npos);

  layers = mlp();
  layers.push_back({"third", "Conv2D", {{"kernel", {1, 1, 1, 1}, true, "third/kernel"}}});
  w = readKerasWeights(*file, layers, true);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("layer 'third' (Conv2D): its weights are missing"),
            std::string::npos);
  std::filesystem::remove(path);
}

TEST(KerasFile, NotAKerasFile) {
  std::string path = tempPath("junk.keras");
  std::ofstream(path) << "PK\x03\x04 not really a zip";
  auto f = openKerasFile(path);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("is not a valid zip archive"), std::string::npos)
      << f.status().message();
  std::string h5 = tempPath("junk.h5");
  std::ofstream(h5) << "\x89HDF\r\n\x1a\n and then nothing";
  f = openKerasFile(h5);
  ASSERT_FALSE(f.ok());
  std::filesystem::remove(path);
  std::filesystem::remove(h5);
}

TEST(KerasFile, VariableOrderIsKeras) {
  EXPECT_LT(kerasVariableRank("kernel"), kerasVariableRank("bias"));
  EXPECT_LT(kerasVariableRank("gamma"), kerasVariableRank("beta"));
  EXPECT_LT(kerasVariableRank("beta"), kerasVariableRank("moving_mean"));
  EXPECT_LT(kerasVariableRank("moving_mean"), kerasVariableRank("moving_variance"));
}

} // namespace
