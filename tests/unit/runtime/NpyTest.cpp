//===- NpyTest.cpp - Tests of the .npy reader and writer ------------------===//
//
// Files written by NumPy itself (NpyVectors.h) must read correctly and the
// writer must reproduce them byte for byte; round trips of every dtype and
// of a header large enough to need version 2.0; and a corpus of hostile
// files with their messages.
//
//===----------------------------------------------------------------------===//
#include "runtime/Npy.h"
#include "tests/unit/runtime/NpyVectors.h"
#include "tests/unit/runtime/TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace kiln::runtime;
using namespace kiln::runtime::testing;

namespace {

Expected<Tensor> readString(const std::string &bytes, const std::string &name = "mem.npy") {
  auto source = makeMemorySource(bytes.data(), bytes.size(), name);
  return readNpy(*source);
}

/// A version 1.0 file with `header` (padded by the caller or not) and `data`.
std::string makeFile(const std::string &header, const std::string &data, int major = 1) {
  std::string bytes = std::string("\x93NUMPY", 6) + char(major) + '\0';
  if (major == 1) {
    bytes += char(header.size() & 0xFF);
    bytes += char(header.size() >> 8);
  } else {
    for (int i = 0; i < 4; ++i)
      bytes += char((header.size() >> (8 * i)) & 0xFF);
  }
  return bytes + header + data;
}

} // namespace

TEST(Npy, ReadsNumPyFiles) {
  Expected<Tensor> a = readString(kNpyF32_2x3);
  ASSERT_OK(a);
  EXPECT_EQ(a->describe(), "float32[2, 3]");
  EXPECT_EQ(a->data<float>()[5], 6.0f);

  Expected<Tensor> u = readString(kNpyU8_5);
  ASSERT_OK(u);
  EXPECT_EQ(u->describe(), "uint8[5]");
  EXPECT_EQ(u->data<uint8_t>()[4], 4);

  Expected<Tensor> s = readString(kNpyF32_scalar);
  ASSERT_OK(s);
  EXPECT_EQ(s->rank(), 0);
  EXPECT_EQ(s->data<float>()[0], 2.5f);

  for (const std::string *v : {&kNpyF32_v2, &kNpyF32_v3}) {
    Expected<Tensor> t = readString(*v);
    ASSERT_OK(t);
    EXPECT_EQ(t->describe(), "float32[2]");
    EXPECT_EQ(t->data<float>()[1], -2.0f);
  }

  Expected<Tensor> l64 = readString(kNpyI64_labels);
  ASSERT_OK(l64);
  EXPECT_EQ(l64->describe(), "int64[3]");
  Expected<Tensor> labels = convertTensor(*l64, DType::U8);
  ASSERT_OK(labels);
  EXPECT_EQ(labels->data<uint8_t>()[2], 9);

  Expected<Tensor> l32 = readString(kNpyI32_labels);
  ASSERT_OK(l32);
  EXPECT_EQ(l32->describe(), "int32[2, 1]");
  EXPECT_EQ(l32->data<int32_t>()[0], 7);

  Expected<Tensor> f64 = readString(kNpyF64_2);
  ASSERT_OK(f64);
  Expected<Tensor> f32 = convertTensor(*f64, DType::F32);
  ASSERT_OK(f32);
  EXPECT_EQ(f32->data<float>()[0], 0.25f);
  EXPECT_TRUE(std::isinf(f32->data<float>()[1]));
}

TEST(Npy, WriterMatchesNumPyByteForByte) {
  for (const std::string *v : {&kNpyF32_2x3, &kNpyU8_5, &kNpyF32_scalar, &kNpyI64_labels,
                               &kNpyI32_labels, &kNpyF64_2}) {
    Expected<Tensor> t = readString(*v);
    ASSERT_OK(t);
    Expected<std::vector<uint8_t>> bytes = serializeNpy(*t);
    ASSERT_OK(bytes);
    EXPECT_EQ(toString(*bytes), *v) << t->describe();
  }
}

TEST(Npy, RoundTripFilesAndVersion2) {
  TempDir dir;
  DType dtypes[] = {DType::F32, DType::F64, DType::F16, DType::U8,
                    DType::I8,  DType::I32, DType::I64};
  for (DType dt : dtypes) {
    Tensor t = Tensor::create(dt, {3, 1, 4}).take();
    for (size_t b = 0; b < t.byteSize(); ++b)
      t.bytes()[b] = static_cast<uint8_t>(b * 7 + 1);
    std::string path = dir.file(std::string(dtypeName(dt)) + ".npy");
    ASSERT_OK(writeNpy(path, t));
    Expected<Tensor> back = readNpy(path);
    ASSERT_OK(back);
    EXPECT_TRUE(back->identical(t)) << dtypeName(dt);
    EXPECT_EQ((readBytes(path).size() - t.byteSize()) % 64, 0u);
  }
  // A version 2.0 header longer than version 1.0's 65535-byte limit (made
  // by hand: no shape of at most 64 dimensions needs one).
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" +
                       std::string(70000, ' ') + "\n";
  Expected<Tensor> v2 = readString(makeFile(header, std::string(4, '\0'), 2));
  ASSERT_OK(v2);
  EXPECT_EQ(v2->describe(), "float32[1]");
  Tensor bf = Tensor::create(DType::BF16, {1}).take();
  EXPECT_ERROR_CONTAINS(serializeNpy(bf), "NumPy has no bfloat16 dtype");
}

TEST(Npy, AcceptsPythonLiteralVariants) {
  const char *headers[] = {
      "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,)}\n",
      "{'shape':(2,),'fortran_order':False,'descr':'<f4'}",
      "{ 'descr' : '<f4' ,\n 'fortran_order' : False , 'shape' : ( 2 , ) , }  \n",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }\n",
  };
  for (const char *h : headers) {
    Expected<Tensor> t = readString(makeFile(h, std::string(8, '\0')));
    ASSERT_OK(t);
    EXPECT_EQ(t->describe(), "float32[2]") << h;
  }
}

TEST(Npy, HostileCorpus) {
  auto hdr = [](const std::string &descr, const std::string &fortran, const std::string &shape) {
    return "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }\n";
  };
  std::string ok = hdr("'<f4'", "False", "(2,)");
  std::string manyDims = "(";
  for (int i = 0; i < 70; ++i)
    manyDims += "1, ";
  manyDims += ")";
  struct Case {
    const char *name;
    std::string bytes;
    const char *message;
  };
  std::vector<Case> cases = {
      {"tiny", "\x93NUM", "not a .npy file: it has only 4 bytes"},
      {"magic", "PK\x03\x04xxxxxxxxxxxx", "the magic \\x93NUMPY is missing"},
      {"version", std::string("\x93NUMPY\x04\x00\x10\x00", 10) + std::string(16, ' '),
       "unsupported .npy version 4.0"},
      {"minor", std::string("\x93NUMPY\x01\x01\x10\x00", 10) + std::string(16, ' '),
       "unsupported .npy version 1.1"},
      {"header-past-end", std::string("\x93NUMPY\x01\x00\xff\x00", 10) + "{}",
       "header length 255 runs past the end of the 12-byte file"},
      {"header-huge", makeFile("", "", 2).substr(0, 8) + std::string("\xff\xff\xff\x7f", 4) + "xx",
       "is absurdly large"},
      {"v2-truncated-length", std::string("\x93NUMPY\x02\x00\x10\x00", 10),
       "truncated: the header length needs bytes [8, 12)"},
      {"fortran", kNpyFortran, "Fortran order"},
      {"big-endian", kNpyBigEndian, "big-endian dtype '>f4' is not supported"},
      {"bool", kNpyBool, "unsupported dtype '|b1'"},
      {"structured", kNpyStructured, "nested lists and dicts are not supported"},
      {"truncated-data", makeFile(ok, "\0\0\0\0", 1), "truncated: shape [2] of '<f4' needs 8 bytes"},
      {"trailing-data", makeFile(ok, std::string(12, '\0')), "4 unexpected bytes after the 8 bytes"},
      {"missing-key", makeFile("{'descr': '<f4', 'shape': (2,), }", std::string(8, '\0')),
       "must have the keys 'descr', 'fortran_order' and 'shape'"},
      {"extra-key", makeFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
                             std::string(8, '\0')),
       "unexpected header key 'x'"},
      {"duplicate-key", makeFile("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
                                 "'shape': (2,)}", std::string(8, '\0')),
       "duplicate key 'descr'"},
      {"shape-not-tuple", makeFile(hdr("'<f4'", "False", "2"), ""), "'shape' is not a tuple"},
      {"shape-int-in-parens", makeFile(hdr("'<f4'", "False", "(2)"), ""), "needs a trailing comma"},
      {"shape-negative", makeFile(hdr("'<f4'", "False", "(-2,)"), ""),
       "expected a non-negative integer"},
      {"shape-overflow", makeFile(hdr("'<f4'", "False", "(4294967296, 4294967296, 4)"), ""),
       "overflows"},
      {"shape-too-long-int", makeFile(hdr("'<f4'", "False", "(99999999999999999999,)"), ""),
       "integer too large"},
      {"fortran-not-bool", makeFile(hdr("'<f4'", "0", "(2,)"), ""),
       "'fortran_order' is not True or False"},
      {"descr-not-string", makeFile(hdr("4", "False", "(2,)"), ""), "'descr' is not a string"},
      {"unterminated", makeFile("{'descr: '<f4'", ""), "malformed header"},
      {"garbage-after", makeFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", ""),
       "unexpected text after the dict"},
      {"non-ascii-v1", makeFile("{'descr': '<f4\xc3\xa9', 'fortran_order': False, 'shape': (2,)}", ""),
       "must be ASCII"},
      {"escape", makeFile("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (2,)}", ""),
       "escape sequences are not supported"},
      {"too-many-dims", makeFile(hdr("'<f4'", "False", manyDims), ""), "more than 64 dimensions"},
  };
  TempDir dir;
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = dir.file(std::string(c.name) + ".npy");
    writeBytes(path, c.bytes);
    Expected<Tensor> result = readNpy(path);
    EXPECT_ERROR_CONTAINS(result, c.message);
    if (!result.ok()) {
      EXPECT_EQ(result.message().rfind(path + ": ", 0), 0u) << result.message();
    }
  }
}
