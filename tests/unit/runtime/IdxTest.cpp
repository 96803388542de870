//===- IdxTest.cpp - Tests of the IDX reader and the MNIST-style loader ---===//
//
// The IDX reader on small files generated here (plain and gzip, every
// element type), exact bytes of a small file, a corpus of hostile files, and
// the data set loader on generated folders and, when installed, on the real
// Fashion-MNIST files of Debian's dataset-fashion-mnist package and on MNIST
// as scripts/fetch-mnist caches it (skipped when absent).
//
//===----------------------------------------------------------------------===//
#include "runtime/Dataset.h"
#include "runtime/Idx.h"
#include "tests/unit/runtime/TestUtil.h"

#include <gtest/gtest.h>

#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

using namespace kiln::runtime;
using namespace kiln::runtime::testing;

namespace {

Tensor makeImages(int64_t n, int64_t h, int64_t w, int seed) {
  Tensor t = Tensor::create(DType::U8, {n, h, w}).take();
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.bytes()[i] = static_cast<uint8_t>(i * 13 + seed);
  return t;
}

Tensor makeLabels(int64_t n, int classes) {
  Tensor t = Tensor::create(DType::U8, {n}).take();
  for (int64_t i = 0; i < n; ++i)
    t.bytes()[i] = static_cast<uint8_t>(i % classes);
  return t;
}

std::string gz(const Tensor &t) { return toString(serializeIdx(t, true).take()); }
std::string plain(const Tensor &t) { return toString(serializeIdx(t, false).take()); }

/// The gzip compression of arbitrary bytes.
std::string gzipRaw(const std::string &raw) {
  z_stream z;
  std::memset(&z, 0, sizeof(z));
  deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, raw.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef *>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

} // namespace

TEST(Idx, ExactBytesOfSmallFile) {
  Tensor t = Tensor::create(DType::I32, {2}).take();
  t.data<int32_t>()[0] = 1;
  t.data<int32_t>()[1] = -2;
  EXPECT_EQ(plain(t), std::string("\0\0\x0c\x01\0\0\0\x02\0\0\0\x01\xff\xff\xff\xfe", 16));
  Tensor u = makeImages(1, 2, 3, 0);
  EXPECT_EQ(plain(u), std::string("\0\0\x08\x03\0\0\0\x01\0\0\0\x02\0\0\0\x03", 16) +
                          std::string("\x00\x0d\x1a\x27\x34\x41", 6));
}

TEST(Idx, RoundTripPlainAndGzip) {
  TempDir dir;
  DType dtypes[] = {DType::U8, DType::I8, DType::I32, DType::F32, DType::F64};
  for (DType dt : dtypes)
    for (bool compress : {false, true}) {
      Tensor t = Tensor::create(dt, {4, 3, 2}).take();
      for (size_t b = 0; b < t.byteSize(); ++b)
        t.bytes()[b] = static_cast<uint8_t>(b * 5 + 3);
      std::string path = dir.file(std::string(dtypeName(dt)) + (compress ? ".gz" : ""));
      ASSERT_OK(writeIdx(path, t, compress));
      Expected<Tensor> back = readIdx(path);
      ASSERT_OK(back);
      EXPECT_TRUE(back->identical(t)) << path;
    }
  // Two concatenated gzip members decompress as one stream, as gzip(1) has it.
  std::string raw = plain(makeImages(2, 3, 3, 1));
  std::string twoMembers = gzipRaw(raw.substr(0, 10)) + gzipRaw(raw.substr(10));
  auto source = makeMemorySource(twoMembers.data(), twoMembers.size(), "two.gz");
  Expected<Tensor> joined = readIdx(*source);
  ASSERT_OK(joined);
  EXPECT_TRUE(joined->identical(makeImages(2, 3, 3, 1)));
  // A large image set crosses the reader's 64 KiB input chunks.
  Tensor big = makeImages(300, 28, 28, 9);
  ASSERT_OK(writeIdx(dir.file("big.gz"), big, true));
  Expected<Tensor> bigBack = readIdx(dir.file("big.gz"));
  ASSERT_OK(bigBack);
  EXPECT_TRUE(bigBack->identical(big));
}

TEST(Idx, HostileCorpus) {
  std::string good = plain(makeImages(3, 4, 4, 0));
  std::string goodGz = gz(makeImages(3, 4, 4, 0));
  std::string corruptGz = goodGz;
  corruptGz[corruptGz.size() / 2] ^= 0x55;
  corruptGz[corruptGz.size() / 2 + 1] ^= 0x55;
  std::string extra = plain(makeLabels(17, 5));
  extra[7] = 16; // Claims 16 labels; 17 follow.
  struct Case {
    const char *name;
    std::string bytes;
    const char *message;
  };
  std::vector<Case> cases = {
      {"empty", "", "truncated: the data ends after 0 bytes, in the magic number"},
      {"magic", std::string("\x01\0\x08\x01\0\0\0\x01x", 9), "not an IDX file"},
      {"type", std::string("\0\0\x0b\x01\0\0\0\x01xx", 10), "unsupported IDX element type 0xb"},
      {"rank0", std::string("\0\0\x08\x00", 4), "dimension count 0 is out of range"},
      {"rank17", std::string("\0\0\x08\x11", 4) + std::string(68, '\0'),
       "dimension count 17 is out of range"},
      {"short-dims", std::string("\0\0\x08\x03\0\0\0\x01", 8), "in the dimensions"},
      {"truncated", good.substr(0, good.size() - 5),
       "truncated: dimensions [3, 4, 4] need 48 bytes of data but the file has 43"},
      {"trailing", good + "xyz", "dimensions [3, 4, 4] need 48 bytes of data but the file has 51"},
      {"overflow",
       std::string("\0\0\x0e\x04\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
                   20),
       "overflows"},
      {"gz-truncated", goodGz.substr(0, goodGz.size() - 6), "truncated"},
      {"gz-truncated-data", gzipRaw(good.substr(0, 30)),
       "truncated: the decompressed data ends after 30 bytes, in the data"},
      {"gz-corrupt", corruptGz, "corrupt gzip data"},
      {"gz-garbage-after", goodGz + "garbage!", "corrupt gzip data"},
      {"gz-only-magic", "\x1f\x8b", "truncated"},
      {"gz-trailing", gzipRaw(extra), "unexpected bytes after the 16 bytes of data"},
      {"gz-bomb-claim", gzipRaw(std::string("\0\0\x08\x02\x7f\xff\xff\xff\x7f\xff\xff\xff", 12)),
       "more than the"},
  };
  TempDir dir;
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = dir.file(std::string(c.name) + ".idx");
    writeBytes(path, c.bytes);
    Expected<Tensor> result = readIdx(path);
    EXPECT_ERROR_CONTAINS(result, c.message);
    if (!result.ok()) {
      EXPECT_EQ(result.message().rfind(path + ": ", 0), 0u) << result.message();
    }
  }
}

namespace {

/// Writes an MNIST-style folder; `gzip` picks which files are compressed.
void writeDataset(const TempDir &dir, int64_t trainCount, int64_t trainLabels, int64_t testCount,
                  bool gzip) {
  ASSERT_OK(writeIdx(dir.file(std::string("train-images-idx3-ubyte") + (gzip ? ".gz" : "")),
                     makeImages(trainCount, 28, 28, 1), gzip));
  ASSERT_OK(writeIdx(dir.file("train-labels-idx1-ubyte"), makeLabels(trainLabels, 10), false));
  ASSERT_OK(writeIdx(dir.file("t10k-images-idx3-ubyte"), makeImages(testCount, 28, 28, 2), false));
  ASSERT_OK(writeIdx(dir.file(std::string("t10k-labels-idx1-ubyte") + (gzip ? ".gz" : "")),
                     makeLabels(testCount, 3), gzip));
}

} // namespace

TEST(Dataset, LoadsGeneratedFolder) {
  for (bool gzip : {false, true}) {
    TempDir dir;
    writeDataset(dir, 12, 12, 4, gzip);
    Expected<ImageDataset> ds = loadMnistStyleDataset(dir.path());
    ASSERT_OK(ds);
    EXPECT_EQ(ds->train.images.describe(), "uint8[12, 28, 28, 1]");
    EXPECT_EQ(ds->train.labels.describe(), "uint8[12]");
    EXPECT_EQ(ds->test.images.describe(), "uint8[4, 28, 28, 1]");
    EXPECT_EQ(ds->train.numClasses, 10);
    EXPECT_EQ(ds->test.numClasses, 3);
    EXPECT_TRUE(ds->test.labels.identical(makeLabels(4, 3)));
  }
}

TEST(Dataset, ReportsProblems) {
  TempDir dir;
  writeDataset(dir, 12, 11, 4, false);
  EXPECT_ERROR_CONTAINS(loadMnistStyleDataset(dir.path()), "holds 12 images but");
  EXPECT_ERROR_CONTAINS(loadMnistStyleDataset(dir.file("nothing")),
                        "no train-images-idx3-ubyte or train-images-idx3-ubyte.gz");
  ASSERT_OK(writeIdx(dir.file("train-labels-idx1-ubyte"), makeImages(12, 1, 1, 0), false));
  EXPECT_ERROR_CONTAINS(loadMnistStyleDataset(dir.path()), "expected 1-D ubyte labels");
  ASSERT_OK(writeIdx(dir.file("train-labels-idx1-ubyte"), makeLabels(12, 10), false));
  ASSERT_OK(writeIdx(dir.file("t10k-images-idx3-ubyte"), makeImages(4, 32, 32, 0), false));
  EXPECT_ERROR_CONTAINS(loadMnistStyleDataset(dir.path()),
                        "training images are 28x28 but test images are 32x32");
  ASSERT_OK(writeIdx(dir.file("t10k-images-idx3-ubyte"), makeLabels(4, 3), false));
  EXPECT_ERROR_CONTAINS(loadMnistStyleDataset(dir.path()), "expected 3-D ubyte images");
}

TEST(Dataset, RealFashionMnist) {
  const std::string folder = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(folder + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "SKIPPED (needs Fashion-MNIST): not installed (apt-get install dataset-fashion-mnist)";
  Expected<ImageDataset> ds = loadMnistStyleDataset(folder);
  ASSERT_OK(ds);
  EXPECT_EQ(ds->train.images.describe(), "uint8[60000, 28, 28, 1]");
  EXPECT_EQ(ds->test.images.describe(), "uint8[10000, 28, 28, 1]");
  EXPECT_EQ(ds->train.numClasses, 10);
  EXPECT_EQ(ds->test.numClasses, 10);
  // The first training and test images are both ankle boots (class 9).
  EXPECT_EQ(ds->train.labels.data<uint8_t>()[0], 9);
  EXPECT_EQ(ds->test.labels.data<uint8_t>()[0], 9);
  // Classes are balanced: 6000 training images each.
  int counts[10] = {};
  for (int64_t i = 0; i < 60000; ++i)
    ++counts[ds->train.labels.data<uint8_t>()[i]];
  for (int c : counts)
    EXPECT_EQ(c, 6000);
}

TEST(Dataset, FetchedMnist) {
  const char *dataDir = std::getenv("KILN_DATA_DIR");
  const char *home = std::getenv("HOME");
  std::string folder = dataDir ? std::string(dataDir) + "/mnist"
                               : std::string(home ? home : "/nonexistent") + "/.cache/kiln/data/mnist";
  if (!std::filesystem::exists(folder + "/t10k-labels-idx1-ubyte"))
    GTEST_SKIP() << "SKIPPED (needs MNIST): MNIST is not in " << folder << " (run scripts/fetch-mnist)";
  Expected<ImageDataset> ds = loadMnistStyleDataset(folder);
  ASSERT_OK(ds);
  EXPECT_EQ(ds->train.images.describe(), "uint8[60000, 28, 28, 1]");
  EXPECT_EQ(ds->test.images.describe(), "uint8[10000, 28, 28, 1]");
  EXPECT_EQ(ds->train.labels.data<uint8_t>()[0], 5);
  EXPECT_EQ(ds->test.labels.data<uint8_t>()[0], 7);
}
