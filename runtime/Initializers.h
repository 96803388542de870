//===- Initializers.h - Keras weight initializers ---------------*- C++ -*-===//
//
// Keras's weight initializers with Keras's formulas, made reproducible: every
// element is drawn from a counter-based generator (runtime/Random.h) keyed by
// a 64-bit seed and indexed by the element's position, so the same seed
// gives the same tensor on every platform and thread count, and different
// seeds give independent tensors. (The values are not the ones TensorFlow
// would draw for the same seed: its generators differ; the distributions are
// the same.)
//
// Supported: zeros, ones, constant, random_normal, random_uniform,
// truncated_normal, variance_scaling and its presets glorot_uniform,
// glorot_normal, he_normal, he_uniform, lecun_normal, lecun_uniform, plus
// orthogonal and identity. Fans follow Keras's compute_fans: a 2-D kernel is
// (fan_in, fan_out); a conv kernel (kh, kw, cin, cout), HWIO, has
// fan_in = kh*kw*cin and fan_out = kh*kw*cout.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_INITIALIZERS_H
#define KILN_RUNTIME_INITIALIZERS_H

#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kiln::runtime {

/// A Keras initializer and its arguments (Keras's defaults when unset).
struct Initializer {
  enum class Kind {
    Zeros,
    Ones,
    Constant,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    Orthogonal,
    Identity
  };
  enum class FanMode { FanIn, FanOut, FanAvg };
  enum class Distribution { TruncatedNormal, UntruncatedNormal, Uniform };

  Kind kind = Kind::Zeros;
  double value = 0;                 ///< Constant
  double mean = 0, stddev = 0.05;   ///< RandomNormal, TruncatedNormal
  double minval = -0.05, maxval = 0.05; ///< RandomUniform
  double scale = 1;                 ///< VarianceScaling
  FanMode mode = FanMode::FanIn;    ///< VarianceScaling
  Distribution distribution = Distribution::TruncatedNormal; ///< VarianceScaling
  double gain = 1;                  ///< Orthogonal, Identity
  std::optional<uint64_t> seed;     ///< the seed in the Keras config, if any
};

/// The initializer a Keras name denotes: snake_case ("he_normal") or class
/// name ("HeNormal"), with Keras's default arguments.
Expected<Initializer> initializerFromName(std::string_view name);

/// The initializer a Keras config denotes: a name string, or
/// {"class_name": "VarianceScaling", "config": {"scale": 2.0, ...}} (Keras 2
/// and 3 layouts). Unknown config keys are ignored; wrong types are errors.
Expected<Initializer> initializerFromKeras(const nlohmann::json &config);

/// Keras's (fan_in, fan_out) for a weight of `shape`.
struct Fans {
  double fanIn = 1, fanOut = 1;
};
Fans computeFans(const Shape &shape);

/// The key to draw a weight's values with: the initializer's own seed if its
/// config has one, else one derived from `globalSeed` and the weight's name.
uint64_t initializerKey(const Initializer &init, uint64_t globalSeed,
                        std::string_view weightName);

/// Fills `tensor` (F32 or F64) as `init` says, drawing with `key`.
Status initializeTensor(const Initializer &init, Tensor &tensor, uint64_t key);

/// A new tensor of `dtype` and `shape` filled as `init` says.
Expected<Tensor> makeInitializedTensor(const Initializer &init, DType dtype, Shape shape,
                                       uint64_t key);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_INITIALIZERS_H
