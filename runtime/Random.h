//===- Random.h - Counter-based random numbers ------------------*- C++ -*-===//
//
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC'11): a counter-based generator. The output for (key, counter) is a
// pure function of both, so element i of a tensor can be drawn independently
// of every other element, in any order or in parallel, and always gives the
// same value on every platform. Uniform and normal variates are derived here
// with explicit arithmetic (never the standard library's distributions, whose
// algorithms differ between implementations). deriveSeed() turns a global
// seed and a name (a weight's) into an independent 64-bit key.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_RANDOM_H
#define KILN_RUNTIME_RANDOM_H

#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace kiln::runtime {

/// The four 32-bit words of Philox4x32-10 for a 64-bit key and a 128-bit
/// counter (given as two 64-bit halves).
inline std::array<uint32_t, 4> philox4x32(uint64_t key, uint64_t counterLo,
                                          uint64_t counterHi) {
  uint32_t c0 = uint32_t(counterLo), c1 = uint32_t(counterLo >> 32);
  uint32_t c2 = uint32_t(counterHi), c3 = uint32_t(counterHi >> 32);
  uint32_t k0 = uint32_t(key), k1 = uint32_t(key >> 32);
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = uint64_t(0xD2511F53u) * c0;
    uint64_t p1 = uint64_t(0xCD9E8D57u) * c2;
    uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0;
    uint32_t n1 = uint32_t(p1);
    uint32_t n2 = uint32_t(p0 >> 32) ^ c3 ^ k1;
    uint32_t n3 = uint32_t(p0);
    c0 = n0, c1 = n1, c2 = n2, c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {c0, c1, c2, c3};
}

/// SplitMix64's finaliser: a bijective 64-bit mix.
inline uint64_t splitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// An independent key for `name` under `seed` (FNV-1a of the name, mixed
/// with the seed through SplitMix64).
inline uint64_t deriveSeed(uint64_t seed, std::string_view name) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : name)
    h = (h ^ c) * 0x100000001B3ull;
  return splitMix64(seed ^ splitMix64(h));
}

/// Two doubles uniform in [0, 1), 53 bits each, for (key, index, draw).
inline std::array<double, 2> uniformPair(uint64_t key, uint64_t index, uint64_t draw) {
  std::array<uint32_t, 4> w = philox4x32(key, index, draw);
  const double scale = 1.0 / 9007199254740992.0; // 2^-53
  uint64_t a = (uint64_t(w[0]) << 21) ^ (w[1] >> 11);
  uint64_t b = (uint64_t(w[2]) << 21) ^ (w[3] >> 11);
  return {double(a & ((1ull << 53) - 1)) * scale, double(b & ((1ull << 53) - 1)) * scale};
}

/// A double uniform in [0, 1) for element `index`, draw `draw`.
inline double uniform01(uint64_t key, uint64_t index, uint64_t draw = 0) {
  return uniformPair(key, index, draw)[0];
}

/// A standard normal variate for element `index`, draw `draw`, by the
/// Box-Muller transform (the first of its pair; 1 - u keeps log's argument
/// in (0, 1]).
inline double standardNormal(uint64_t key, uint64_t index, uint64_t draw = 0) {
  std::array<double, 2> u = uniformPair(key, index, draw);
  const double twoPi = 6.283185307179586476925286766559;
  return std::sqrt(-2.0 * std::log(1.0 - u[0])) * std::cos(twoPi * u[1]);
}

} // namespace kiln::runtime

#endif // KILN_RUNTIME_RANDOM_H
