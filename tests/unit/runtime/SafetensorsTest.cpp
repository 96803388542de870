//===- SafetensorsTest.cpp - Tests of the safetensors reader and writer ---===//
//
// Round trips of every dtype, the exact bytes of a small file, atomic
// replacement, and a corpus of hostile files, each with the message it must
// produce (which must also name the file).
//
//===----------------------------------------------------------------------===//
#include "runtime/Safetensors.h"
#include "tests/unit/runtime/TestUtil.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace kiln::runtime;
using namespace kiln::runtime::testing;

namespace {

Tensor makeF32(Shape shape, std::initializer_list<float> values) {
  Tensor t = Tensor::create(DType::F32, std::move(shape)).take();
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

/// A safetensors file with `header` (unpadded) and `data`.
std::string makeFile(const std::string &header, const std::string &data) {
  std::string bytes(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return bytes + header + data;
}

} // namespace

TEST(Safetensors, ExactBytesOfSmallFile) {
  SafetensorsData data;
  data.metadata["format"] = "kiln";
  data.tensors.emplace("conv2d/kernel", makeF32({2}, {1.0f, 2.0f}));
  Tensor x = Tensor::create(DType::U8, {}).take();
  x.bytes()[0] = 7;
  data.tensors.emplace("x", std::move(x));
  Expected<std::vector<uint8_t>> bytes = serializeSafetensors(data);
  ASSERT_OK(bytes);
  std::string header = "{\"__metadata__\":{\"format\":\"kiln\"},"
                       "\"conv2d/kernel\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                       "\"x\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[8,9]}}  ";
  std::string expected = std::string("\x98\0\0\0\0\0\0\0", 8) + header +
                         std::string("\x00\x00\x80\x3f\x00\x00\x00\x40\x07", 9);
  EXPECT_EQ(toString(*bytes), expected);

  TempDir dir;
  std::string path = dir.file("w.safetensors");
  ASSERT_OK(writeSafetensors(path, data));
  EXPECT_EQ(readBytes(path), expected);
}

TEST(Safetensors, RoundTripAllDTypes) {
  SafetensorsData data;
  data.metadata["epoch"] = "3";
  data.metadata["note"] = "caf\xc3\xa9";
  DType dtypes[] = {DType::F32, DType::F64, DType::F16, DType::BF16,
                    DType::U8,  DType::I8,  DType::I32, DType::I64};
  int i = 0;
  for (DType dt : dtypes) {
    Tensor t = Tensor::create(dt, {2, 3, i % 3 + 1}).take();
    for (size_t b = 0; b < t.byteSize(); ++b)
      t.bytes()[b] = static_cast<uint8_t>(b * 31 + i);
    data.tensors.emplace(std::string("layer") + std::to_string(i++) + "/w", std::move(t));
  }
  data.tensors.emplace("empty", Tensor::create(DType::F32, {0, 4}).take());
  TempDir dir;
  std::string path = dir.file("all.safetensors");
  ASSERT_OK(writeSafetensors(path, data));
  Expected<SafetensorsData> back = readSafetensors(path);
  ASSERT_OK(back);
  EXPECT_EQ(back->metadata, data.metadata);
  ASSERT_EQ(back->tensors.size(), data.tensors.size());
  for (const auto &[name, tensor] : data.tensors) {
    auto it = back->tensors.find(name);
    ASSERT_NE(it, back->tensors.end()) << name;
    EXPECT_TRUE(it->second.identical(tensor)) << name;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(it->second.bytes()) % kTensorAlignment, 0u);
  }
  // The header is padded so that the data starts at a multiple of 8.
  std::string bytes = readBytes(path);
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
}

TEST(Safetensors, ReadsFilesWithoutMetadataOrTensors) {
  TempDir dir;
  writeBytes(dir.file("e.safetensors"), makeFile("{}", ""));
  Expected<SafetensorsData> e = readSafetensors(dir.file("e.safetensors"));
  ASSERT_OK(e);
  EXPECT_TRUE(e->tensors.empty());
  // Whitespace in the header, fields in any order, as other writers emit.
  writeBytes(dir.file("w.safetensors"),
             makeFile("{ \"b\" : {\"data_offsets\": [0, 4], \"shape\": [1], \"dtype\": \"I32\"} }   ",
                      std::string("\x05\0\0\0", 4)));
  Expected<SafetensorsData> w = readSafetensors(dir.file("w.safetensors"));
  ASSERT_OK(w);
  EXPECT_EQ(w->tensors.at("b").data<int32_t>()[0], 5);
}

TEST(Safetensors, WriterRejectsBadNames) {
  SafetensorsData data;
  data.tensors.emplace("__metadata__", makeF32({1}, {1}));
  EXPECT_ERROR_CONTAINS(serializeSafetensors(data), "named '__metadata__'");
  SafetensorsData empty;
  empty.tensors.emplace("", makeF32({1}, {1}));
  EXPECT_ERROR_CONTAINS(serializeSafetensors(empty), "empty name");
  SafetensorsData bad;
  bad.tensors.emplace("\xff\xfe", makeF32({1}, {1}));
  EXPECT_ERROR_CONTAINS(serializeSafetensors(bad), "UTF-8");
  TempDir dir;
  EXPECT_ERROR_CONTAINS(writeSafetensors(dir.file("no/such/dir.safetensors"), SafetensorsData()),
                        "no/such/dir.safetensors");
}

struct HostileCase {
  const char *name;
  std::string bytes;
  const char *message;
};

TEST(Safetensors, HostileCorpus) {
  const std::string f32x2 = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":";
  std::string eight(8, '\x01');
  std::string hugeLength = std::string("\0\0\0\0\0\x01\0\0", 8) + "{}";
  std::string pastEnd = std::string("\x64\0\0\0\0\0\0\0", 8) + "{}          ";
  std::vector<HostileCase> cases = {
      {"tiny", "abcd", "fewer than the 8-byte header length"},
      {"huge-header", hugeLength, "is absurdly large"},
      {"header-past-end", pastEnd, "runs past the end of the 20-byte file"},
      {"not-object", makeFile("[1]", ""), "does not start with a JSON object"},
      {"bad-json", makeFile("{\"a\":", ""), "the header is not valid JSON"},
      {"bad-utf8", makeFile("{\"\xff\":1}", ""), "not valid JSON"},
      {"unknown-dtype", makeFile("{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight),
       "tensor 'a': unsupported dtype 'F33'"},
      {"negative-dim", makeFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,8]}}", eight),
       "not a non-negative 64-bit integer"},
      {"float-dim", makeFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", eight),
       "not a non-negative 64-bit integer"},
      {"overflow", makeFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],"
                            "\"data_offsets\":[0,8]}}", eight),
       "overflows"},
      {"byte-overflow", makeFile("{\"a\":{\"dtype\":\"I64\",\"shape\":[4611686018427387904],"
                                 "\"data_offsets\":[0,8]}}", eight),
       "overflows"},
      {"size-mismatch", makeFile("{\"a\":" + f32x2 + "[0,12]}}", std::string(12, 'x')),
       "data_offsets [0,12] hold 12 bytes but shape [2] of F32 needs 8"},
      {"out-of-range", makeFile("{\"a\":" + f32x2 + "[0,8]}}", "xxxx"),
       "reach beyond the data area of 4 bytes"},
      {"offsets-reversed", makeFile("{\"a\":" + f32x2 + "[8,0]}}", eight), "end before they begin"},
      {"offsets-three", makeFile("{\"a\":" + f32x2 + "[0,8,9]}}", eight), "must be an array [begin, end]"},
      {"offsets-negative", makeFile("{\"a\":" + f32x2 + "[-8,0]}}", eight), "not non-negative"},
      {"overlap", makeFile("{\"a\":" + f32x2 + "[0,8]},\"b\":" + f32x2 + "[4,12]}}", std::string(12, 'x')),
       "tensor 'b' data [4, 12) overlaps tensor 'a' data [0, 8)"},
      {"gap", makeFile("{\"a\":" + f32x2 + "[4,12]}}", std::string(12, 'x')),
       "4 bytes of the data area at offset 0 belong to no tensor"},
      {"trailing", makeFile("{\"a\":" + f32x2 + "[0,8]}}", std::string(12, 'x')),
       "4 bytes after the last tensor's data belong to no tensor"},
      {"duplicate", makeFile("{\"a\":" + f32x2 + "[0,8]},\"a\":" + f32x2 + "[0,8]}}", eight),
       "duplicate key 'a'"},
      {"metadata-not-string", makeFile("{\"__metadata__\":{\"x\":1}}", ""),
       "__metadata__ value for 'x' is not a string"},
      {"metadata-not-object", makeFile("{\"__metadata__\":[]}", ""), "__metadata__ is not a JSON object"},
      {"nested", makeFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[[2]],\"data_offsets\":[0,8]}}", eight),
       "nests JSON deeper"},
      {"deep", makeFile(std::string(10000, '[') + std::string(10000, ']'), ""),
       "does not start with a JSON object"},
      {"deep-inside", makeFile("{\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}", ""),
       "nests JSON deeper"},
      {"unexpected-field", makeFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],"
                                    "\"foo\":1}}", eight),
       "tensor 'a': unexpected field 'foo'"},
      {"entry-not-object", makeFile("{\"a\":5}", ""), "tensor 'a': entry is not a JSON object"},
      {"missing-dtype", makeFile("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", eight),
       "missing or non-string 'dtype'"},
      {"empty-name", makeFile("{\"\":" + f32x2 + "[0,8]}}", eight), "a tensor has an empty name"},
  };
  TempDir dir;
  for (const HostileCase &c : cases) {
    std::string path = dir.file(std::string(c.name) + ".safetensors");
    writeBytes(path, c.bytes);
    Expected<SafetensorsData> result = readSafetensors(path);
    SCOPED_TRACE(c.name);
    EXPECT_ERROR_CONTAINS(result, c.message);
    if (!result.ok()) {
      EXPECT_EQ(result.message().rfind(path + ": ", 0), 0u) << result.message();
    }
  }
  EXPECT_ERROR_CONTAINS(readSafetensors(dir.file("missing.safetensors")),
                        "missing.safetensors: cannot open");
}
