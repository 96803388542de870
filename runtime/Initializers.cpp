//===- Initializers.cpp - Keras weight initializers -----------------------===//
//
// Each initializer computes its values in double, element by element, from
// (key, element index, draw number), and stores them as the tensor's dtype.
// Keras's formulas:
//   variance_scaling: s = scale / max(1, fan) where fan is fan_in, fan_out
//     or (fan_in + fan_out) / 2 by mode; then
//       truncated_normal:   stddev = sqrt(s) / .87962566103423978,
//                           truncated at 2 stddev;
//       untruncated_normal: stddev = sqrt(s);
//       uniform:            U(-sqrt(3 s), sqrt(3 s)).
//   glorot_* = (1, fan_avg), he_* = (2, fan_in), lecun_* = (1, fan_in).
//   truncated_normal(mean, stddev): resample values beyond 2 stddev.
//   orthogonal: the Q of a QR factorisation of a normal (max(r, c), min(r, c))
//     matrix, signs fixed so that R has a positive diagonal, transposed when
//     r < c; r = product of all dimensions but the last, c = the last.
//
//===----------------------------------------------------------------------===//
#include "runtime/Initializers.h"

#include "runtime/Random.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <cstring>
#include <vector>

namespace kiln::runtime {

namespace {

using Kind = Initializer::Kind;
using FanMode = Initializer::FanMode;
using Distribution = Initializer::Distribution;

/// Keras's constant: the stddev of a standard normal truncated to [-2, 2].
constexpr double kTruncatedStddev = .87962566103423978;
/// Draws per element before giving up on truncation (p(reject) ~ 0.0455).
constexpr uint64_t kMaxDraws = 1000;

Initializer varianceScaling(double scale, FanMode mode, Distribution distribution) {
  Initializer init;
  init.kind = Kind::VarianceScaling;
  init.scale = scale;
  init.mode = mode;
  init.distribution = distribution;
  return init;
}

/// "GlorotUniform" -> "glorot_uniform"; snake_case names are unchanged.
std::string toSnakeCase(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0 && name[i - 1] != '_')
        out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

double truncatedNormal(uint64_t key, uint64_t index) {
  for (uint64_t draw = 0; draw < kMaxDraws; ++draw) {
    double z = standardNormal(key, index, draw);
    if (std::fabs(z) <= 2.0)
      return z;
  }
  return 0.0; // Unreachable in practice: p = 0.0455^1000.
}

/// Looks up an optional number in a config object.
Status getNumber(const nlohmann::json &config, const char *key, double &out) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null())
    return Status::success();
  if (!it->is_number())
    return makeError("initializer argument '", key, "' is not a number");
  out = it->get<double>();
  if (!std::isfinite(out))
    return makeError("initializer argument '", key, "' is not finite");
  return Status::success();
}

Status getString(const nlohmann::json &config, const char *key, std::optional<std::string> &out) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null())
    return Status::success();
  if (!it->is_string())
    return makeError("initializer argument '", key, "' is not a string");
  out = it->get<std::string>();
  return Status::success();
}

/// Fills `values` (n x k, row-major) with an orthonormal-column matrix by
/// modified Gram-Schmidt over normal draws; R's diagonal comes out positive,
/// which is Keras's sign fix.
void orthonormalColumns(std::vector<double> &q, int64_t n, int64_t k, uint64_t key) {
  q.resize(static_cast<size_t>(n * k));
  for (int64_t i = 0; i < n * k; ++i)
    q[i] = standardNormal(key, static_cast<uint64_t>(i));
  for (int64_t j = 0; j < k; ++j) {
    // Two passes of orthogonalisation keep Q orthogonal to rounding error.
    for (int pass = 0; pass < 2; ++pass)
      for (int64_t p = 0; p < j; ++p) {
        double dot = 0;
        for (int64_t i = 0; i < n; ++i)
          dot += q[i * k + p] * q[i * k + j];
        for (int64_t i = 0; i < n; ++i)
          q[i * k + j] -= dot * q[i * k + p];
      }
    double norm = 0;
    for (int64_t i = 0; i < n; ++i)
      norm += q[i * k + j] * q[i * k + j];
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < n; ++i)
      q[i * k + j] = norm > 0 ? q[i * k + j] / norm : 0;
  }
}

} // namespace

Expected<Initializer> initializerFromName(std::string_view name) {
  std::string s = toSnakeCase(name);
  Initializer init;
  if (s == "zeros" || s == "zero")
    init.kind = Kind::Zeros;
  else if (s == "ones" || s == "one")
    init.kind = Kind::Ones;
  else if (s == "constant")
    init.kind = Kind::Constant;
  else if (s == "random_normal" || s == "normal")
    init.kind = Kind::RandomNormal;
  else if (s == "random_uniform" || s == "uniform")
    init.kind = Kind::RandomUniform;
  else if (s == "truncated_normal")
    init.kind = Kind::TruncatedNormal;
  else if (s == "variance_scaling")
    init = varianceScaling(1, FanMode::FanIn, Distribution::TruncatedNormal);
  else if (s == "glorot_uniform")
    init = varianceScaling(1, FanMode::FanAvg, Distribution::Uniform);
  else if (s == "glorot_normal")
    init = varianceScaling(1, FanMode::FanAvg, Distribution::TruncatedNormal);
  else if (s == "he_normal")
    init = varianceScaling(2, FanMode::FanIn, Distribution::TruncatedNormal);
  else if (s == "he_uniform")
    init = varianceScaling(2, FanMode::FanIn, Distribution::Uniform);
  else if (s == "lecun_normal")
    init = varianceScaling(1, FanMode::FanIn, Distribution::TruncatedNormal);
  else if (s == "lecun_uniform")
    init = varianceScaling(1, FanMode::FanIn, Distribution::Uniform);
  else if (s == "orthogonal")
    init.kind = Kind::Orthogonal;
  else if (s == "identity")
    init.kind = Kind::Identity;
  else
    return makeError("unknown initializer '", std::string(name), "'");
  return init;
}

Expected<Initializer> initializerFromKeras(const nlohmann::json &config) {
  if (config.is_string())
    return initializerFromName(config.get<std::string>());
  if (!config.is_object())
    return makeError("an initializer must be a name or {\"class_name\": ..., \"config\": ...}");
  auto className = config.find("class_name");
  if (className == config.end() || !className->is_string())
    return makeError("initializer config has no string 'class_name'");
  std::string name = className->get<std::string>();
  Expected<Initializer> init = initializerFromName(name);
  if (!init)
    return init;
  auto args = config.find("config");
  if (args == config.end() || args->is_null())
    return init;
  if (!args->is_object())
    return makeError("initializer '", name, "': 'config' is not an object");
  Initializer &in = *init;
  Status s;
  for (auto [key, field] : {std::pair{"value", &in.value}, {"mean", &in.mean},
                            {"stddev", &in.stddev}, {"minval", &in.minval},
                            {"maxval", &in.maxval}, {"scale", &in.scale}, {"gain", &in.gain}})
    if (!(s = getNumber(*args, key, *field)).ok())
      return s.withContext("initializer '" + name + "'");
  auto seed = args->find("seed");
  if (seed != args->end() && !seed->is_null()) {
    if (!seed->is_number_integer())
      return makeError("initializer '", name, "': 'seed' is not an integer");
    in.seed = seed->is_number_unsigned() ? seed->get<uint64_t>()
                                         : static_cast<uint64_t>(seed->get<int64_t>());
  }
  if (in.kind == Kind::VarianceScaling) {
    std::optional<std::string> mode, distribution;
    if (!(s = getString(*args, "mode", mode)).ok() ||
        !(s = getString(*args, "distribution", distribution)).ok())
      return s.withContext("initializer '" + name + "'");
    if (mode) {
      if (*mode == "fan_in")
        in.mode = FanMode::FanIn;
      else if (*mode == "fan_out")
        in.mode = FanMode::FanOut;
      else if (*mode == "fan_avg")
        in.mode = FanMode::FanAvg;
      else
        return makeError("initializer '", name, "': unknown mode '", *mode, "'");
    }
    if (distribution) {
      if (*distribution == "truncated_normal" || *distribution == "normal")
        in.distribution = Distribution::TruncatedNormal;
      else if (*distribution == "untruncated_normal")
        in.distribution = Distribution::UntruncatedNormal;
      else if (*distribution == "uniform")
        in.distribution = Distribution::Uniform;
      else
        return makeError("initializer '", name, "': unknown distribution '", *distribution, "'");
    }
    if (!(in.scale > 0))
      return makeError("initializer '", name, "': scale must be positive");
  }
  if ((in.kind == Kind::RandomNormal || in.kind == Kind::TruncatedNormal) && in.stddev < 0)
    return makeError("initializer '", name, "': stddev must not be negative");
  return init;
}

Fans computeFans(const Shape &shape) {
  Fans fans;
  if (shape.empty())
    return fans;
  if (shape.size() == 1) {
    fans.fanIn = fans.fanOut = static_cast<double>(shape[0]);
    return fans;
  }
  double receptive = 1;
  for (size_t i = 0; i + 2 < shape.size(); ++i)
    receptive *= static_cast<double>(shape[i]);
  fans.fanIn = receptive * static_cast<double>(shape[shape.size() - 2]);
  fans.fanOut = receptive * static_cast<double>(shape[shape.size() - 1]);
  return fans;
}

uint64_t initializerKey(const Initializer &init, uint64_t globalSeed,
                        std::string_view weightName) {
  if (init.seed)
    return splitMix64(*init.seed);
  return deriveSeed(globalSeed, weightName);
}

Status initializeTensor(const Initializer &init, Tensor &tensor, uint64_t key) {
  if (tensor.dtype() != DType::F32 && tensor.dtype() != DType::F64)
    return makeError("cannot initialize a ", tensor.describe(),
                     " tensor: only float32 and float64 are supported");
  int64_t n = tensor.numElements();
  std::vector<double> values;
  auto fill = [&](auto element) {
    if (tensor.dtype() == DType::F32) {
      float *out = tensor.data<float>();
      for (int64_t i = 0; i < n; ++i)
        out[i] = static_cast<float>(element(static_cast<uint64_t>(i)));
    } else {
      double *out = tensor.data<double>();
      for (int64_t i = 0; i < n; ++i)
        out[i] = element(static_cast<uint64_t>(i));
    }
  };
  switch (init.kind) {
  case Kind::Zeros:
    fill([](uint64_t) { return 0.0; });
    break;
  case Kind::Ones:
    fill([](uint64_t) { return 1.0; });
    break;
  case Kind::Constant:
    fill([&](uint64_t) { return init.value; });
    break;
  case Kind::RandomNormal:
    fill([&](uint64_t i) { return init.mean + init.stddev * standardNormal(key, i); });
    break;
  case Kind::RandomUniform:
    fill([&](uint64_t i) {
      return init.minval + (init.maxval - init.minval) * uniform01(key, i);
    });
    break;
  case Kind::TruncatedNormal:
    fill([&](uint64_t i) { return init.mean + init.stddev * truncatedNormal(key, i); });
    break;
  case Kind::VarianceScaling: {
    Fans fans = computeFans(tensor.shape());
    double fan = init.mode == FanMode::FanIn    ? fans.fanIn
                 : init.mode == FanMode::FanOut ? fans.fanOut
                                                : (fans.fanIn + fans.fanOut) / 2;
    double s = init.scale / std::max(1.0, fan);
    if (init.distribution == Distribution::Uniform) {
      double limit = std::sqrt(3.0 * s);
      fill([&](uint64_t i) { return limit * (2.0 * uniform01(key, i) - 1.0); });
    } else if (init.distribution == Distribution::UntruncatedNormal) {
      double stddev = std::sqrt(s);
      fill([&](uint64_t i) { return stddev * standardNormal(key, i); });
    } else {
      double stddev = std::sqrt(s) / kTruncatedStddev;
      fill([&](uint64_t i) { return stddev * truncatedNormal(key, i); });
    }
    break;
  }
  case Kind::Orthogonal: {
    if (tensor.rank() < 2)
      return makeError("the orthogonal initializer needs a tensor of rank 2 or more, not ",
                       tensor.describe());
    int64_t cols = tensor.shape().back();
    int64_t rows = cols ? n / cols : 0;
    int64_t big = std::max(rows, cols), small = std::min(rows, cols);
    if (static_cast<double>(big) * static_cast<double>(small) * static_cast<double>(small) > 1e12)
      return makeError("the orthogonal initializer is too costly for ", tensor.describe());
    orthonormalColumns(values, big, small, key);
    fill([&](uint64_t i) {
      int64_t r = static_cast<int64_t>(i) / cols, c = static_cast<int64_t>(i) % cols;
      // q is big x small; when rows < cols the result is its transpose.
      double v = rows >= cols ? values[r * small + c] : values[c * small + r];
      return init.gain * v;
    });
    break;
  }
  case Kind::Identity: {
    if (tensor.rank() != 2)
      return makeError("the identity initializer needs a 2-D tensor, not ", tensor.describe());
    int64_t cols = tensor.dim(1);
    fill([&](uint64_t i) {
      return static_cast<int64_t>(i) / cols == static_cast<int64_t>(i) % cols ? init.gain : 0.0;
    });
    break;
  }
  }
  return Status::success();
}

Expected<Tensor> makeInitializedTensor(const Initializer &init, DType dtype, Shape shape,
                                       uint64_t key) {
  Expected<Tensor> tensor = Tensor::create(dtype, std::move(shape));
  if (!tensor)
    return tensor;
  KILN_RETURN_IF_ERROR(initializeTensor(init, *tensor, key));
  return tensor;
}

} // namespace kiln::runtime
