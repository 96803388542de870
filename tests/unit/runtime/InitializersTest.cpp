//===- InitializersTest.cpp - Tests of the Keras initializers -------------===//
//
// Philox known-answer vectors; Keras's fans; each initializer's statistics
// (mean, variance, bounds) against its formula, within a few standard errors;
// reproducibility (same key, same values; different key, different values);
// orthogonality; and parsing of Keras names and configs.
//
//===----------------------------------------------------------------------===//
#include "runtime/Initializers.h"
#include "runtime/Random.h"
#include "tests/unit/runtime/TestUtil.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

using namespace kiln::runtime;
using namespace kiln::runtime::testing;

namespace {

struct Stats {
  double mean = 0, variance = 0, min = INFINITY, max = -INFINITY;
};

Stats statsOf(const Tensor &t) {
  Stats s;
  const float *v = t.data<float>();
  int64_t n = t.numElements();
  for (int64_t i = 0; i < n; ++i) {
    s.mean += v[i];
    s.min = std::min<double>(s.min, v[i]);
    s.max = std::max<double>(s.max, v[i]);
  }
  s.mean /= n;
  for (int64_t i = 0; i < n; ++i)
    s.variance += (v[i] - s.mean) * (v[i] - s.mean);
  s.variance /= n;
  return s;
}

Tensor init(const std::string &name, Shape shape, uint64_t key = 42) {
  Expected<Initializer> in = initializerFromName(name);
  EXPECT_TRUE(in.ok()) << in.message();
  Expected<Tensor> t = makeInitializedTensor(*in, DType::F32, std::move(shape), key);
  EXPECT_TRUE(t.ok()) << t.message();
  return t.take();
}

/// Checks mean and variance against expectations: the mean within 4
/// standard errors, the variance within `varianceTolerance` (relative).
void expectMoments(const Tensor &t, double mean, double variance,
                   double varianceTolerance = 0.04) {
  Stats s = statsOf(t);
  double stderrMean = std::sqrt(variance / t.numElements());
  EXPECT_NEAR(s.mean, mean, 4 * stderrMean + 1e-12);
  EXPECT_NEAR(s.variance, variance, varianceTolerance * variance);
}

} // namespace

TEST(Random, PhiloxKnownAnswers) {
  // Random123's kat_vectors for philox4x32_10.
  std::array<uint32_t, 4> zero = philox4x32(0, 0, 0);
  EXPECT_EQ(zero[0], 0x6627e8d5u);
  EXPECT_EQ(zero[1], 0xe169c58du);
  EXPECT_EQ(zero[2], 0xbc57ac4cu);
  EXPECT_EQ(zero[3], 0x9b00dbd8u);
  std::array<uint32_t, 4> ones = philox4x32(~0ull, ~0ull, ~0ull);
  EXPECT_EQ(ones[0], 0x408f276du);
  EXPECT_EQ(ones[1], 0x41c83b0eu);
  EXPECT_EQ(ones[2], 0xa20bc7c6u);
  EXPECT_EQ(ones[3], 0x6d5451fdu);
  std::array<uint32_t, 4> pi =
      philox4x32(0x299f31d0a4093822ull, 0x85a308d3243f6a88ull, 0x0370734413198a2eull);
  EXPECT_EQ(pi[0], 0xd16cfe09u);
  EXPECT_EQ(pi[1], 0x94fdccebu);
  EXPECT_EQ(pi[2], 0x5001e420u);
  EXPECT_EQ(pi[3], 0x24126ea1u);
}

TEST(Random, UniformAndNormalAreSane) {
  double sum = 0, sumSq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    double u = uniform01(7, i);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    double z = standardNormal(7, i);
    sum += z;
    sumSq += z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 4 / std::sqrt(double(n)));
  EXPECT_NEAR(sumSq / n, 1.0, 0.02);
  EXPECT_NE(deriveSeed(1, "dense/kernel"), deriveSeed(1, "dense/bias"));
  EXPECT_NE(deriveSeed(1, "dense/kernel"), deriveSeed(2, "dense/kernel"));
  EXPECT_EQ(deriveSeed(1, "dense/kernel"), deriveSeed(1, "dense/kernel"));
}

TEST(Initializers, FansFollowKeras) {
  Fans dense = computeFans({784, 128});
  EXPECT_EQ(dense.fanIn, 784);
  EXPECT_EQ(dense.fanOut, 128);
  Fans conv = computeFans({3, 3, 32, 64});
  EXPECT_EQ(conv.fanIn, 3 * 3 * 32);
  EXPECT_EQ(conv.fanOut, 3 * 3 * 64);
  Fans bias = computeFans({10});
  EXPECT_EQ(bias.fanIn, 10);
  EXPECT_EQ(bias.fanOut, 10);
  Fans scalar = computeFans({});
  EXPECT_EQ(scalar.fanIn, 1);
  EXPECT_EQ(scalar.fanOut, 1);
  Fans conv1d = computeFans({5, 8, 16});
  EXPECT_EQ(conv1d.fanIn, 40);
  EXPECT_EQ(conv1d.fanOut, 80);
}

TEST(Initializers, Constants) {
  Tensor z = init("zeros", {3, 4});
  Tensor o = init("Ones", {3, 4});
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(z.data<float>()[i], 0.0f);
    EXPECT_EQ(o.data<float>()[i], 1.0f);
  }
  Expected<Initializer> c =
      initializerFromKeras(nlohmann::json::parse(R"({"class_name": "Constant", "config": {"value": 0.25}})"));
  ASSERT_OK(c);
  Tensor t = makeInitializedTensor(*c, DType::F64, {5}, 0).take();
  EXPECT_EQ(t.data<double>()[4], 0.25);
  Tensor id = init("identity", {3, 4});
  EXPECT_EQ(id.data<float>()[0], 1.0f);
  EXPECT_EQ(id.data<float>()[5], 1.0f);
  EXPECT_EQ(id.data<float>()[1], 0.0f);
  EXPECT_EQ(id.data<float>()[11], 0.0f);
}

TEST(Initializers, UniformVarianceScaling) {
  struct Case {
    const char *name;
    Shape shape;
    double limit;
  };
  Case cases[] = {
      {"glorot_uniform", {300, 200}, std::sqrt(6.0 / 500)},
      {"GlorotUniform", {3, 3, 32, 64}, std::sqrt(6.0 / (288 + 576))},
      {"he_uniform", {3, 3, 32, 64}, std::sqrt(6.0 / 288)},
      {"lecun_uniform", {400, 100}, std::sqrt(3.0 / 400)},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    Tensor t = init(c.name, c.shape);
    Stats s = statsOf(t);
    EXPECT_GE(s.min, -c.limit);
    EXPECT_LT(s.max, c.limit);
    EXPECT_GT(s.max, 0.99 * c.limit);
    EXPECT_LT(s.min, -0.99 * c.limit);
    expectMoments(t, 0, c.limit * c.limit / 3);
  }
}

TEST(Initializers, TruncatedNormalVarianceScaling) {
  // Keras divides the stddev by .8796... so that the truncated distribution
  // has variance scale / fan exactly.
  struct Case {
    const char *name;
    Shape shape;
    double variance;
  };
  Case cases[] = {
      {"glorot_normal", {300, 200}, 2.0 / 500},
      {"he_normal", {3, 3, 32, 64}, 2.0 / 288},
      {"HeNormal", {784, 128}, 2.0 / 784},
      {"lecun_normal", {400, 100}, 1.0 / 400},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    Tensor t = init(c.name, c.shape);
    Stats s = statsOf(t);
    double bound = 2 * std::sqrt(c.variance) / .87962566103423978;
    EXPECT_LE(s.max, bound * (1 + 1e-6));
    EXPECT_GE(s.min, -bound * (1 + 1e-6));
    EXPECT_GT(s.max, 0.95 * bound);
    expectMoments(t, 0, c.variance);
  }
  // Untruncated normal: plain stddev sqrt(scale / fan), tails beyond 2 sigma.
  Expected<Initializer> vs = initializerFromKeras(nlohmann::json::parse(
      R"({"class_name": "VarianceScaling", "config": {"scale": 3.0, "mode": "fan_out",
          "distribution": "untruncated_normal", "seed": null}})"));
  ASSERT_OK(vs);
  Tensor t = makeInitializedTensor(*vs, DType::F32, {100, 300}, 5).take();
  expectMoments(t, 0, 3.0 / 300);
  EXPECT_GT(statsOf(t).max, 2.5 * std::sqrt(3.0 / 300));
}

TEST(Initializers, RandomNormalUniformTruncated) {
  Expected<Initializer> rn = initializerFromKeras(nlohmann::json::parse(
      R"({"class_name": "RandomNormal", "config": {"mean": 0.5, "stddev": 2.0, "seed": 3}})"));
  ASSERT_OK(rn);
  EXPECT_EQ(rn->seed, 3u);
  Tensor n = makeInitializedTensor(*rn, DType::F32, {50000}, 1).take();
  expectMoments(n, 0.5, 4.0);

  Expected<Initializer> ru = initializerFromKeras(nlohmann::json::parse(
      R"({"class_name": "RandomUniform", "config": {"minval": 1, "maxval": 3}})"));
  ASSERT_OK(ru);
  Tensor u = makeInitializedTensor(*ru, DType::F32, {50000}, 1).take();
  Stats su = statsOf(u);
  EXPECT_GE(su.min, 1.0);
  EXPECT_LT(su.max, 3.0);
  expectMoments(u, 2.0, 4.0 / 12);

  Tensor defaults = init("random_uniform", {50000});
  EXPECT_GE(statsOf(defaults).min, -0.05);
  EXPECT_LT(statsOf(defaults).max, 0.05);

  Expected<Initializer> tn = initializerFromKeras(nlohmann::json::parse(
      R"({"class_name": "TruncatedNormal", "config": {"mean": 0.0, "stddev": 1.0}})"));
  ASSERT_OK(tn);
  Tensor t = makeInitializedTensor(*tn, DType::F32, {50000}, 1).take();
  Stats st = statsOf(t);
  EXPECT_GE(st.min, -2.0);
  EXPECT_LE(st.max, 2.0);
  // The variance of a standard normal truncated to [-2, 2] is .8796^2.
  expectMoments(t, 0, .87962566103423978 * .87962566103423978);
}

TEST(Initializers, Reproducible) {
  Tensor a = init("glorot_uniform", {64, 32}, 123);
  Tensor b = init("glorot_uniform", {64, 32}, 123);
  Tensor c = init("glorot_uniform", {64, 32}, 124);
  EXPECT_TRUE(a.identical(b));
  EXPECT_FALSE(a.identical(c));
  int equal = 0;
  for (int i = 0; i < 64 * 32; ++i)
    equal += a.data<float>()[i] == c.data<float>()[i];
  EXPECT_LT(equal, 5);
  // Element i does not depend on the tensor's size (counter-based draws).
  Tensor small = init("random_normal", {10}, 9), large = init("random_normal", {1000}, 9);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(small.data<float>()[i], large.data<float>()[i]);
  // Pinned values: a change in the generator must be deliberate.
  Tensor pinned = init("random_uniform", {2}, 0);
  EXPECT_EQ(pinned.data<float>()[0], -0.0100953532f);
  EXPECT_EQ(pinned.data<float>()[1], 0.0472241193f);
  Tensor pinnedNormal = makeInitializedTensor(initializerFromName("truncated_normal").take(),
                                              DType::F64, {3}, 0)
                            .take();
  EXPECT_NEAR(pinnedNormal.data<double>()[0], -0.0045236529220601335, 1e-15);
  EXPECT_NEAR(pinnedNormal.data<double>()[1], -0.046191677554734897, 1e-15);
  EXPECT_NEAR(pinnedNormal.data<double>()[2], 0.0062712540364760483, 1e-15);
  // The key: the config's seed wins over the global seed and name.
  Initializer withSeed = initializerFromName("he_normal").take();
  withSeed.seed = 7;
  EXPECT_EQ(initializerKey(withSeed, 1, "a"), initializerKey(withSeed, 2, "b"));
  Initializer noSeed = initializerFromName("he_normal").take();
  EXPECT_NE(initializerKey(noSeed, 1, "conv2d/kernel"), initializerKey(noSeed, 1, "dense/kernel"));
}

TEST(Initializers, Orthogonal) {
  for (Shape shape : {Shape{50, 20}, Shape{20, 50}, Shape{3, 3, 4, 8}}) {
    Expected<Initializer> in = initializerFromKeras(
        nlohmann::json::parse(R"({"class_name": "Orthogonal", "config": {"gain": 2.0}})"));
    ASSERT_OK(in);
    Tensor t = makeInitializedTensor(*in, DType::F64, shape, 11).take();
    int64_t cols = shape.back(), rows = t.numElements() / cols;
    const double *q = t.data<double>();
    // Columns orthogonal when rows >= cols, rows orthogonal otherwise; each
    // of norm gain.
    bool byColumns = rows >= cols;
    int64_t k = byColumns ? cols : rows, n = byColumns ? rows : cols;
    for (int64_t a = 0; a < k; ++a)
      for (int64_t b = 0; b < k; ++b) {
        double dot = 0;
        for (int64_t i = 0; i < n; ++i)
          dot += byColumns ? q[i * cols + a] * q[i * cols + b] : q[a * cols + i] * q[b * cols + i];
        EXPECT_NEAR(dot, a == b ? 4.0 : 0.0, 1e-9) << shapeToString(shape);
      }
  }
  Tensor vec = Tensor::create(DType::F32, {5}).take();
  EXPECT_ERROR_CONTAINS(initializeTensor(initializerFromName("orthogonal").take(), vec, 0),
                        "rank 2 or more");
}

TEST(Initializers, ParsingAndErrors) {
  EXPECT_ERROR_CONTAINS(initializerFromName("xavier"), "unknown initializer 'xavier'");
  EXPECT_ERROR_CONTAINS(initializerFromKeras(nlohmann::json(3)), "must be a name");
  EXPECT_ERROR_CONTAINS(initializerFromKeras(nlohmann::json::parse(R"({"config": {}})")),
                        "no string 'class_name'");
  EXPECT_ERROR_CONTAINS(initializerFromKeras(nlohmann::json::parse(
                            R"({"class_name": "RandomNormal", "config": {"stddev": "big"}})")),
                        "'stddev' is not a number");
  EXPECT_ERROR_CONTAINS(initializerFromKeras(nlohmann::json::parse(
                            R"({"class_name": "VarianceScaling", "config": {"mode": "fan_sum"}})")),
                        "unknown mode 'fan_sum'");
  EXPECT_ERROR_CONTAINS(
      initializerFromKeras(nlohmann::json::parse(
          R"({"class_name": "VarianceScaling", "config": {"distribution": "cauchy"}})")),
      "unknown distribution 'cauchy'");
  EXPECT_ERROR_CONTAINS(initializerFromKeras(nlohmann::json::parse(
                            R"({"class_name": "VarianceScaling", "config": {"scale": -1}})")),
                        "scale must be positive");
  EXPECT_ERROR_CONTAINS(initializerFromKeras(nlohmann::json::parse(
                            R"({"class_name": "GlorotUniform", "config": {"seed": 1.5}})")),
                        "'seed' is not an integer");
  // Keras 3 layout, with module and registered_name.
  Expected<Initializer> k3 = initializerFromKeras(nlohmann::json::parse(
      R"({"module": "keras.initializers", "class_name": "HeUniform",
          "config": {"seed": 5}, "registered_name": null})"));
  ASSERT_OK(k3);
  EXPECT_EQ(k3->kind, Initializer::Kind::VarianceScaling);
  EXPECT_EQ(k3->scale, 2.0);
  EXPECT_EQ(k3->distribution, Initializer::Distribution::Uniform);
  EXPECT_EQ(k3->seed, 5u);
  Expected<Initializer> named = initializerFromKeras(nlohmann::json("lecun_normal"));
  ASSERT_OK(named);
  EXPECT_EQ(named->mode, Initializer::FanMode::FanIn);
  Tensor u8 = Tensor::create(DType::U8, {2}).take();
  EXPECT_ERROR_CONTAINS(initializeTensor(*named, u8, 0), "only float32 and float64");
  EXPECT_ERROR_CONTAINS(initializeTensor(initializerFromName("identity").take(), u8, 0),
                        "only float32");
}
