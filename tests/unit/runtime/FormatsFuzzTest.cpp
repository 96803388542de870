//===- FormatsFuzzTest.cpp - Mutation tests of the file-format readers ----===//
//
// Thousands of truncated, bit-flipped, byte-set and spliced variants of valid
// safetensors, .npy and IDX (plain and gzip) files, read from memory. Every
// read must return an error or a valid tensor whose size agrees with its
// shape; none may crash, hang or read out of bounds. The mutations come from
// a fixed SplitMix64 sequence, so a failure reproduces. Run the binary under
// -fsanitize=address to check the "out of bounds" part (docs/RUNTIME_FORMATS.md).
//
//===----------------------------------------------------------------------===//
#include "runtime/Idx.h"
#include "runtime/Npy.h"
#include "runtime/Random.h"
#include "runtime/Safetensors.h"
#include "tests/unit/runtime/NpyVectors.h"
#include "tests/unit/runtime/TestUtil.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <functional>

using namespace kiln::runtime;
using namespace kiln::runtime::testing;

namespace {

/// A deterministic stream of 64-bit values.
struct Rng {
  uint64_t state;
  uint64_t next() { return splitMix64(state++); }
  size_t below(size_t n) { return n ? static_cast<size_t>(next() % n) : 0; }
};

/// Bytes that a mutation writes: boundary values that hit size checks.
constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '{', '}', '"', '[', ']',
                                    ',',  ':',  '-',  '9',  '(', ')', '\'', 'e', 0x1f, 0x8b};

std::string mutate(const std::string &in, Rng &rng) {
  std::string s = in;
  int edits = 1 + static_cast<int>(rng.below(4));
  for (int e = 0; e < edits; ++e) {
    switch (rng.below(6)) {
    case 0: // Truncate.
      s.resize(rng.below(s.size() + 1));
      break;
    case 1: // Flip a bit.
      if (!s.empty())
        s[rng.below(s.size())] ^= static_cast<char>(1u << rng.below(8));
      break;
    case 2: // Set a byte to an interesting value.
      if (!s.empty())
        s[rng.below(s.size())] = static_cast<char>(kInteresting[rng.below(sizeof(kInteresting))]);
      break;
    case 3: { // Insert a few bytes.
      size_t at = rng.below(s.size() + 1);
      s.insert(at, std::string(1 + rng.below(3), static_cast<char>(kInteresting[rng.below(
                                                      sizeof(kInteresting))])));
      break;
    }
    case 4: { // Delete a range.
      if (s.empty())
        break;
      size_t at = rng.below(s.size());
      s.erase(at, 1 + rng.below(8));
      break;
    }
    default: { // Overwrite 8 bytes with a little-endian boundary integer.
      if (s.size() < 8)
        break;
      uint64_t values[] = {0, 1, 0x7fffffffffffffffull, 0xffffffffffffffffull,
                           uint64_t(s.size()), uint64_t(s.size()) - 8, 1ull << 32};
      uint64_t v = values[rng.below(7)];
      size_t at = rng.below(s.size() - 7);
      for (int i = 0; i < 8; ++i)
        s[at + i] = static_cast<char>(v >> (8 * i));
      break;
    }
    }
  }
  return s;
}

/// A returned tensor must be self-consistent.
void checkTensor(const Tensor &t) {
  Expected<uint64_t> bytes = checkedByteSize(t.dtype(), t.shape());
  ASSERT_TRUE(bytes.ok());
  ASSERT_EQ(*bytes, t.byteSize());
  // Touch every byte so that ASan sees any bad buffer.
  unsigned sum = 0;
  for (size_t i = 0; i < t.byteSize(); ++i)
    sum += t.bytes()[i];
  (void)sum;
}

/// KILN_FUZZ_SCALE=N runs N times as many mutants (for a long run by hand).
int fuzzScale() {
  const char *scale = std::getenv("KILN_FUZZ_SCALE");
  int n = scale ? std::atoi(scale) : 1;
  return n > 0 ? n : 1;
}

/// Runs `iterations` mutants of each seed file through `read`.
void fuzz(const std::vector<std::string> &seeds, int iterations, uint64_t seed,
          const std::function<void(const ByteSource &)> &read) {
  Rng rng{seed};
  iterations *= fuzzScale();
  for (const std::string &base : seeds) {
    for (int i = 0; i < iterations; ++i) {
      std::string input = mutate(base, rng);
      // Copy into an exactly-sized heap buffer so ASan catches overreads.
      std::unique_ptr<char[]> buffer(new char[input.size() + 1]);
      std::copy(input.begin(), input.end(), buffer.get());
      auto source = makeMemorySource(buffer.get(), input.size(), "fuzz");
      read(*source);
    }
  }
}

Tensor filled(DType dt, Shape shape) {
  Tensor t = Tensor::create(dt, std::move(shape)).take();
  for (size_t b = 0; b < t.byteSize(); ++b)
    t.bytes()[b] = static_cast<uint8_t>(b * 3 + 1);
  return t;
}

} // namespace

TEST(FormatsFuzz, Safetensors) {
  SafetensorsData a;
  a.metadata["format"] = "kiln";
  a.tensors.emplace("conv2d/kernel", filled(DType::F32, {3, 3, 1, 2}));
  a.tensors.emplace("conv2d/bias", filled(DType::F32, {2}));
  a.tensors.emplace("labels", filled(DType::U8, {5}));
  a.tensors.emplace("scalar", filled(DType::I64, {}));
  SafetensorsData b;
  b.tensors.emplace("w", filled(DType::BF16, {4, 2}));
  std::vector<std::string> seeds = {toString(serializeSafetensors(a).take()),
                                    toString(serializeSafetensors(b).take())};
  int ok = 0, failed = 0;
  fuzz(seeds, 2500, 1, [&](const ByteSource &source) {
    Expected<SafetensorsData> r = readSafetensors(source);
    if (!r.ok()) {
      ++failed;
      EXPECT_FALSE(r.message().empty());
      return;
    }
    ++ok;
    for (const auto &entry : r->tensors)
      checkTensor(entry.second);
  });
  EXPECT_GT(failed, 0);
  EXPECT_EQ(ok + failed, 5000 * fuzzScale());
  std::printf("%d mutants read, %d rejected\n", ok + failed, failed);
}

TEST(FormatsFuzz, Npy) {
  std::vector<std::string> seeds = {kNpyF32_2x3, kNpyU8_5, kNpyF32_v2, kNpyI64_labels,
                                    kNpyF32_scalar};
  int ok = 0, failed = 0;
  fuzz(seeds, 1000, 2, [&](const ByteSource &source) {
    Expected<Tensor> r = readNpy(source);
    if (!r.ok()) {
      ++failed;
      EXPECT_FALSE(r.message().empty());
      return;
    }
    ++ok;
    checkTensor(*r);
  });
  EXPECT_GT(failed, 0);
  EXPECT_EQ(ok + failed, 5000 * fuzzScale());
  std::printf("%d mutants read, %d rejected\n", ok + failed, failed);
}

TEST(FormatsFuzz, Idx) {
  std::vector<std::string> seeds = {
      toString(serializeIdx(filled(DType::U8, {4, 5, 5}), false).take()),
      toString(serializeIdx(filled(DType::U8, {4, 5, 5}), true).take()),
      toString(serializeIdx(filled(DType::F32, {7}), false).take()),
      toString(serializeIdx(filled(DType::I32, {2, 3}), true).take()),
  };
  int ok = 0, failed = 0;
  fuzz(seeds, 1250, 3, [&](const ByteSource &source) {
    Expected<Tensor> r = readIdx(source);
    if (!r.ok()) {
      ++failed;
      EXPECT_FALSE(r.message().empty());
      return;
    }
    ++ok;
    checkTensor(*r);
  });
  EXPECT_GT(failed, 0);
  EXPECT_EQ(ok + failed, 5000 * fuzzScale());
  std::printf("%d mutants read, %d rejected\n", ok + failed, failed);
}
