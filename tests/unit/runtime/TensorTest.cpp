//===- TensorTest.cpp - Tests of Tensor, Status and ByteIO ----------------===//
//
// Tensor creation, alignment and overflow checks; dtype conversion with its
// range checks; bounds-checked ByteSource reads; atomic writes.
//
//===----------------------------------------------------------------------===//
#include "runtime/ByteIO.h"
#include "runtime/Tensor.h"
#include "tests/unit/runtime/TestUtil.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <limits>

using namespace kiln::runtime;
using namespace kiln::runtime::testing;

TEST(Tensor, CreateIsZeroedAndAligned) {
  Expected<Tensor> t = Tensor::create(DType::F32, {2, 3});
  ASSERT_OK(t);
  EXPECT_EQ(t->numElements(), 6);
  EXPECT_EQ(t->byteSize(), 24u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t->bytes()) % kTensorAlignment, 0u);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(t->data<float>()[i], 0.0f);
  EXPECT_EQ(t->describe(), "float32[2, 3]");
  Expected<Tensor> empty = Tensor::create(DType::U8, {0, 28});
  ASSERT_OK(empty);
  EXPECT_EQ(empty->numElements(), 0);
  EXPECT_NE(empty->bytes(), nullptr);
  Expected<Tensor> scalar = Tensor::create(DType::F64, {});
  ASSERT_OK(scalar);
  EXPECT_EQ(scalar->numElements(), 1);
}

TEST(Tensor, RejectsBadShapes) {
  EXPECT_ERROR_CONTAINS(Tensor::create(DType::F32, {2, -1}), "negative dimension");
  int64_t big = std::numeric_limits<int64_t>::max() / 2;
  EXPECT_ERROR_CONTAINS(Tensor::create(DType::F32, {big, 3}), "overflows");
  EXPECT_ERROR_CONTAINS(Tensor::create(DType::F32, {big}), "overflows");
  // Zero anywhere makes the product zero, even after a huge dimension.
  ASSERT_OK(Tensor::create(DType::F32, {big, big, 0}));
}

TEST(Tensor, CloneReshapeIdentical) {
  Expected<Tensor> t = Tensor::create(DType::I32, {4});
  ASSERT_OK(t);
  for (int i = 0; i < 4; ++i)
    t->data<int32_t>()[i] = i * 10;
  Expected<Tensor> c = t->clone();
  ASSERT_OK(c);
  EXPECT_TRUE(c->identical(*t));
  ASSERT_OK(c->reshape({2, 2}));
  EXPECT_FALSE(c->identical(*t));
  EXPECT_ERROR_CONTAINS(c->reshape({3}), "element counts differ");
}

TEST(Tensor, ConvertChecksRanges) {
  Expected<Tensor> labels = Tensor::create(DType::I64, {3});
  ASSERT_OK(labels);
  labels->data<int64_t>()[0] = 3;
  labels->data<int64_t>()[1] = 0;
  labels->data<int64_t>()[2] = 255;
  Expected<Tensor> u8 = convertTensor(*labels, DType::U8);
  ASSERT_OK(u8);
  EXPECT_EQ(u8->data<uint8_t>()[2], 255);
  labels->data<int64_t>()[2] = 256;
  EXPECT_ERROR_CONTAINS(convertTensor(*labels, DType::U8), "element 2 is 256, out of range");
  Expected<Tensor> f = convertTensor(*labels, DType::F32);
  ASSERT_OK(f);
  EXPECT_EQ(f->data<float>()[2], 256.0f);
  f->data<float>()[1] = 0.5f;
  EXPECT_ERROR_CONTAINS(convertTensor(*f, DType::I32), "not an integer");
  Expected<Tensor> d = convertTensor(*f, DType::F64);
  ASSERT_OK(d);
  EXPECT_EQ(d->data<double>()[1], 0.5);
  Expected<Tensor> bf = Tensor::create(DType::BF16, {2});
  ASSERT_OK(bf);
  EXPECT_ERROR_CONTAINS(convertTensor(*bf, DType::F32), "16-bit float");
}

TEST(ByteIO, MemorySourceIsBoundsChecked) {
  const char data[] = "abcdef";
  auto source = makeMemorySource(data, 6, "mem");
  char out[8];
  ASSERT_OK(source->read(2, out, 4, "x"));
  EXPECT_EQ(std::string(out, 4), "cdef");
  EXPECT_ERROR_CONTAINS(source->read(3, out, 4, "the thing"),
                        "mem: truncated: the thing needs bytes [3, 7)");
  EXPECT_ERROR_CONTAINS(source->read(~uint64_t(0), out, 2, "x"), "truncated");
}

TEST(ByteIO, AtomicWriteReplacesAndLeavesNoTemporary) {
  TempDir dir;
  std::string path = dir.file("out.bin");
  ASSERT_OK(writeFileAtomic(path, "first", 5));
  ASSERT_OK(writeFileAtomic(path, "second!", 7));
  EXPECT_EQ(readBytes(path), "second!");
  int files = 0;
  for (auto &entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
  {
    // An uncommitted writer leaves the target untouched and no temporary.
    Expected<std::unique_ptr<AtomicFileWriter>> w = AtomicFileWriter::open(path);
    ASSERT_OK(w);
    ASSERT_OK((*w)->write("junk", 4));
  }
  EXPECT_EQ(readBytes(path), "second!");
  files = 0;
  for (auto &entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
  EXPECT_ERROR_CONTAINS(writeFileAtomic(dir.file("missing/x.bin"), "a", 1),
                        "cannot create a temporary file");
  EXPECT_ERROR_CONTAINS(openFileSource(dir.file("nope")), "nope: cannot open");
  EXPECT_ERROR_CONTAINS(openFileSource(dir.path()), "not a regular file");
}
