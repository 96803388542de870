//===- CheckpointTest.cpp - Checkpoints: round trip, refusals -------------===//
//
// A checkpoint keeps every tensor bit for bit and the training state; a
// checkpoint that does not match the model is refused naming the first
// mismatch; a resume under other settings is refused naming the setting.
//
//===----------------------------------------------------------------------===//
#include "runtime/Safetensors.h"
#include "runtime/exec/Checkpoint.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <unistd.h>

using namespace kiln::runtime;

namespace {

std::string tempPath(const std::string &name) {
  return (std::filesystem::temp_directory_path() /
          ("kiln-ckpt-" + std::to_string(getpid()) + "-" + name))
      .string();
}

Tensor filled(Shape shape, float start) {
  Expected<Tensor> t = Tensor::create(DType::F32, std::move(shape));
  EXPECT_TRUE(t.ok());
  for (int64_t i = 0; i < t->numElements(); ++i)
    t->data<float>()[i] = start + 0.1f * float(i);
  return std::move(*t);
}

std::map<std::string, Tensor> someWeights() {
  std::map<std::string, Tensor> w;
  w.emplace("dense/kernel", filled({3, 2}, 1.0f));
  w.emplace("dense/bias", filled({2}, -1.0f));
  w.emplace("adam/iteration", filled({}, 7.0f));
  return w;
}

std::map<std::string, Shape> someShapes() {
  return {{"dense/kernel", {3, 2}}, {"dense/bias", {2}}, {"adam/iteration", {}}};
}

TEST(Checkpoint, RoundTripKeepsTensorsAndState) {
  std::string path = tempPath("roundtrip.ckpt");
  TrainingState state;
  state.epochsDone = 2;
  state.stepsDone = 844;
  state.settings = {{"seed", "3"}, {"batch_size", "128"}};
  state.historyJson = "{\"epochs\": 2}";
  state.model = "sequential";
  auto weights = someWeights();
  ASSERT_TRUE(writeCheckpoint(path, weights, state).ok());
  Expected<Checkpoint> ckpt = readCheckpoint(path, someShapes());
  ASSERT_TRUE(ckpt.ok()) << ckpt.status().message();
  EXPECT_EQ(ckpt->state.epochsDone, 2);
  EXPECT_EQ(ckpt->state.stepsDone, 844);
  EXPECT_EQ(ckpt->state.settings, state.settings);
  EXPECT_EQ(ckpt->state.historyJson, state.historyJson);
  EXPECT_EQ(ckpt->state.model, "sequential");
  for (const auto &[name, t] : weights)
    EXPECT_TRUE(ckpt->weights.at(name).identical(t)) << name;
  std::remove(path.c_str());
}

TEST(Checkpoint, RefusesAMismatchNamingIt) {
  std::string path = tempPath("mismatch.ckpt");
  ASSERT_TRUE(writeCheckpoint(path, someWeights(), TrainingState()).ok());
  auto wrongShape = someShapes();
  wrongShape["dense/kernel"] = {3, 4};
  Expected<Checkpoint> a = readCheckpoint(path, wrongShape);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().message(),
            path + ": tensor 'dense/kernel' is F32 [3, 2] but the model needs F32 [3, 4]");
  auto missing = someShapes();
  missing["conv2d/bias"] = {32};
  Expected<Checkpoint> b = readCheckpoint(path, missing);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(),
            path + ": has no tensor 'conv2d/bias', which the model needs");
  auto fewer = someShapes();
  fewer.erase("dense/bias");
  Expected<Checkpoint> c = readCheckpoint(path, fewer);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            path + ": tensor 'dense/bias' is not a weight of this model");
  std::remove(path.c_str());
}

TEST(Checkpoint, RefusesAWeightsFile) {
  std::string path = tempPath("weights.safetensors");
  SafetensorsData data;
  data.tensors = someWeights();
  data.metadata["format"] = "kiln weights";
  ASSERT_TRUE(writeSafetensors(path, data).ok());
  Expected<Checkpoint> ckpt = readCheckpoint(path, someShapes());
  ASSERT_FALSE(ckpt.ok());
  EXPECT_NE(ckpt.status().message().find("not a kiln checkpoint"), std::string::npos);
  std::remove(path.c_str());
}

TEST(Checkpoint, ResumeSettingsMustMatch) {
  RunSettings saved = {{"batch_size", "128"}, {"seed", "0"}};
  EXPECT_TRUE(checkResumeSettings("c", saved, saved).ok());
  RunSettings other = {{"batch_size", "64"}, {"seed", "0"}};
  Status s = checkResumeSettings("c", saved, other);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "c: the checkpoint was written with batch_size 128 but "
                         "this run has batch_size 64; resuming needs the same settings");
  RunSettings added = {{"batch_size", "128"}, {"seed", "0"}, {"dropout_seed", "0"}};
  EXPECT_FALSE(checkResumeSettings("c", saved, added).ok());
}

TEST(Checkpoint, OptimizerStateNames) {
  EXPECT_TRUE(isOptimizerState("adam/iteration"));
  EXPECT_TRUE(isOptimizerState("sgd/dense_kernel_momentum"));
  EXPECT_TRUE(isOptimizerState("rmsprop/x"));
  EXPECT_FALSE(isOptimizerState("dense/kernel"));
  EXPECT_FALSE(isOptimizerState("adamw_layer/kernel"));
}

} // namespace
