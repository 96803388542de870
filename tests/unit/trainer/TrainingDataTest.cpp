//===- TrainingDataTest.cpp - Tests of data loading and batch staging -----===//
//
// LabeledData's label decoding and checks, the exact uint8 scaling, one-hot
// and sparse staging, --limit, and every data-set spec form, on small files
// written by the runtime's own IDX and .npy writers.
//
//===----------------------------------------------------------------------===//
#include "FakeModels.h"

#include "runtime/Idx.h"
#include "runtime/Npy.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using namespace kiln::runtime;
using namespace kiln::runtime::testing;
namespace fs = std::filesystem;

namespace {

/// A fresh empty folder under the build tree for one test.
std::string scratchDir(const std::string &name) {
  fs::path dir = fs::path(KILN_BINARY_DIR) / "tests" / "trainer-scratch" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

Tensor u8Images(int64_t n, int64_t h, int64_t w) {
  Tensor t = Tensor::create(DType::U8, {n, h, w}).take();
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.data<uint8_t>()[i] = uint8_t(i * 37);
  return t;
}

Tensor u8Labels(std::vector<uint8_t> v) {
  Tensor t = Tensor::create(DType::U8, {int64_t(v.size())}).take();
  std::copy(v.begin(), v.end(), t.data<uint8_t>());
  return t;
}

TEST(TrainingData, ScalingIsNumpysDivision) {
  const float *table = uint8ToUnitTable();
  for (int b = 0; b < 256; ++b)
    ASSERT_EQ(table[b], float(b) / 255.0f);
  EXPECT_EQ(table[0], 0.0f);
  EXPECT_EQ(table[255], 1.0f);
}

TEST(TrainingData, CreateAddsChannelAndCountsClasses) {
  Expected<LabeledData> d = LabeledData::create(u8Images(3, 2, 2), u8Labels({0, 4, 2}), 0, "x");
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->sampleShape(), (Shape{2, 2, 1}));
  EXPECT_EQ(d->sampleElements(), 4);
  EXPECT_EQ(d->numClasses(), 5);
  EXPECT_EQ(d->size(), 3);
  d->keepFirst(2);
  EXPECT_EQ(d->size(), 2);
  EXPECT_EQ(d->images().dim(0), 2);
  d->keepFirst(10);
  EXPECT_EQ(d->size(), 2);
}

TEST(TrainingData, OneHotLabelsDecodeAndSoftLabelsFail) {
  Tensor oneHot = Tensor::create(DType::F32, {2, 3}).take();
  oneHot.data<float>()[2] = 1; // row 0 -> class 2
  oneHot.data<float>()[3] = 1; // row 1 -> class 0
  Expected<LabeledData> d = LabeledData::create(u8Images(2, 2, 2), oneHot, 0, "y.npy");
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->labels(), (std::vector<int32_t>{2, 0}));
  EXPECT_EQ(d->numClasses(), 3);
  oneHot.data<float>()[4] = 0.5f;
  d = LabeledData::create(u8Images(2, 2, 2), oneHot, 0, "y.npy");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.message().find("y.npy: label row 1 is not one-hot"), std::string::npos);
}

TEST(TrainingData, BadInputsAreNamed) {
  Expected<LabeledData> d = LabeledData::create(u8Images(3, 2, 2), u8Labels({0, 1}), 0, "x");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.message(), "x: 3 images but 2 labels");
  d = LabeledData::create(u8Images(2, 2, 2), u8Labels({0, 7}), 5, "x");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.message(), "x: label 7 is out of range for 5 classes");
  Tensor i32 = Tensor::create(DType::I32, {2, 2, 2}).take();
  d = LabeledData::create(std::move(i32), u8Labels({0, 1}), 0, "x");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.message().find("uint8 or float32"), std::string::npos);
  Tensor negative = Tensor::create(DType::I64, {2}).take();
  negative.data<int64_t>()[1] = -1;
  d = LabeledData::create(u8Images(2, 2, 2), negative, 0, "x");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.message(), "x: label 1 is -1; labels must be class ids >= 0");
}

TEST(TrainingData, StagerLayouts) {
  LabeledData d = LabeledData::create(u8Images(4, 1, 2), u8Labels({1, 0, 2, 1}), 3, "x").take();
  int64_t idx[] = {2, 0};
  BatchStager oneHot(TargetKind::OneHot, 3, 2, 4);
  Batch b = oneHot.gather(d, idx, 2);
  EXPECT_EQ(b.n, 2);
  const uint8_t *px = d.images().data<uint8_t>();
  EXPECT_EQ(b.x[0], float(px[4]) / 255.0f);
  EXPECT_EQ(b.x[1], float(px[5]) / 255.0f);
  EXPECT_EQ(b.x[2], float(px[0]) / 255.0f);
  EXPECT_EQ(std::vector<float>(b.y, b.y + 6), (std::vector<float>{0, 0, 1, 0, 1, 0}));
  const float *firstBuffer = b.x;
  b = oneHot.gatherRange(d, 1, 3);
  EXPECT_EQ(b.x, firstBuffer); // reused, not reallocated
  EXPECT_EQ(std::vector<float>(b.y, b.y + 9), (std::vector<float>{1, 0, 0, 0, 0, 1, 0, 1, 0}));
  BatchStager sparse(TargetKind::Sparse, 3, 2, 4);
  b = sparse.gather(d, idx, 2);
  EXPECT_EQ(std::vector<float>(b.y, b.y + 2), (std::vector<float>{2, 1}));
}

TEST(TrainingData, FloatImagesAreUsedAsTheyAre) {
  Tensor x = Tensor::create(DType::F32, {2, 2, 2, 1}).take();
  for (int i = 0; i < 8; ++i)
    x.data<float>()[i] = 0.125f * float(i);
  LabeledData d = LabeledData::create(std::move(x), u8Labels({0, 1}), 2, "x").take();
  BatchStager s(TargetKind::Sparse, 2, 4, 2);
  Batch b = s.gatherRange(d, 1, 1);
  EXPECT_EQ(b.x[3], 0.875f);
}

TEST(TrainingDataSpec, IdxFolderWithLimit) {
  std::string dir = scratchDir("idx");
  Tensor images = u8Images(6, 4, 4);
  ASSERT_TRUE(writeIdx(dir + "/train-images-idx3-ubyte.gz", images, true).ok());
  ASSERT_TRUE(writeIdx(dir + "/train-labels-idx1-ubyte.gz", u8Labels({0, 1, 2, 0, 1, 2}), true).ok());
  ASSERT_TRUE(writeIdx(dir + "/t10k-images-idx3-ubyte", u8Images(3, 4, 4), false).ok());
  ASSERT_TRUE(writeIdx(dir + "/t10k-labels-idx1-ubyte", u8Labels({1, 0, 1}), false).ok());
  Expected<TrainTestData> all = loadDataSpec(dir);
  ASSERT_TRUE(all.ok()) << all.message();
  EXPECT_EQ(all->train.size(), 6);
  ASSERT_TRUE(all->test.has_value());
  EXPECT_EQ(all->test->size(), 3);
  EXPECT_EQ(all->test->numClasses(), 3); // the train split's count
  EXPECT_EQ(all->train.sampleShape(), (Shape{4, 4, 1}));
  DataSpecOptions limited;
  limited.limit = 2;
  Expected<TrainTestData> some = loadDataSpec(dir, limited);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->train.size(), 2);
  EXPECT_EQ(some->test->size(), 2);
  EXPECT_EQ(some->train.labels(), (std::vector<int32_t>{0, 1}));
}

TEST(TrainingDataSpec, NpyPair) {
  std::string dir = scratchDir("npy");
  Tensor x = u8Images(5, 3, 3);
  Tensor y = Tensor::create(DType::I64, {5}).take();
  for (int i = 0; i < 5; ++i)
    y.data<int64_t>()[i] = i % 2;
  ASSERT_TRUE(writeNpy(dir + "/x.npy", x).ok());
  ASSERT_TRUE(writeNpy(dir + "/y.npy", y).ok());
  DataSpecOptions o;
  o.limit = 4;
  Expected<TrainTestData> d = loadDataSpec(dir + "/x.npy," + dir + "/y.npy", o);
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->train.size(), 4);
  EXPECT_FALSE(d->test.has_value());
  EXPECT_EQ(d->train.sampleShape(), (Shape{3, 3, 1}));
  EXPECT_EQ(d->train.numClasses(), 2);
  Expected<TrainTestData> bad = loadDataSpec(dir + "/x.npy,");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("X.npy,Y.npy"), std::string::npos);
}

TEST(TrainingDataSpec, MissingMnistSaysHowToFetchIt) {
  DataSpecOptions o;
  o.mnistDir = scratchDir("no-mnist") + "/absent";
  Expected<TrainTestData> d = loadDataSpec("mnist", o);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.message().find("run scripts/fetch-mnist"), std::string::npos);
  EXPECT_NE(d.message().find(o.mnistDir), std::string::npos);
  Expected<TrainTestData> unknown = loadDataSpec("cifar10");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.message(),
            "data set 'cifar10' is neither mnist, fashion_mnist, an IDX folder nor X.npy,Y.npy");
}

TEST(TrainingDataSpec, DefaultMnistDirFollowsKilnDataDir) {
  const char *old = std::getenv("KILN_DATA_DIR");
  std::string saved = old ? old : "";
  ::setenv("KILN_DATA_DIR", "/data/sets", 1);
  EXPECT_EQ(defaultMnistDir(), "/data/sets/mnist");
  ::unsetenv("KILN_DATA_DIR");
  const char *home = std::getenv("HOME");
  if (home) {
    EXPECT_EQ(defaultMnistDir(), std::string(home) + "/.cache/kiln/data/mnist");
  }
  if (old)
    ::setenv("KILN_DATA_DIR", saved.c_str(), 1);
}

TEST(TrainingDataSpec, DebianFashionMnist) {
  DataSpecOptions o;
  if (!fs::is_directory(o.fashionMnistDir))
    GTEST_SKIP() << "SKIPPED (needs Fashion-MNIST): dataset-fashion-mnist is not installed";
  o.limit = 100;
  Expected<TrainTestData> d = loadDataSpec("fashion_mnist", o);
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->train.size(), 100);
  EXPECT_EQ(d->train.sampleShape(), (Shape{28, 28, 1}));
  EXPECT_EQ(d->train.numClasses(), 10);
}

} // namespace
