//===- KernelTestUtil.h - Helpers for codegen kernel tests --------*- C++ -*-===//
//
// Random tensors, JIT runs over the kernel boundary (kernelArguments order,
// Keras-shaped flat vectors wrapped as Halide buffers with dims reversed),
// and the relative error used by every kernel test:
//   max_i |got_i - ref_i| / max_i |ref_i|.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/KernelCompiler.h"
#include "tests/reference/Reference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace kiln::codegen::test {

using reference::Tensor;

inline size_t numElements(const std::vector<int> &shape, int batch) {
  size_t n = 1;
  for (int d : shape)
    n *= d < 0 ? batch : d;
  return n;
}

inline Tensor randomTensor(size_t n, unsigned seed, float lo = -1.f,
                           float hi = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(n);
  for (float &v : t)
    v = dist(rng);
  return t;
}

/// Random inputs for every non-output argument of the spec.
inline std::vector<Tensor> randomInputs(const KernelSpec &spec, int batch,
                                        unsigned seed = 1) {
  std::vector<Tensor> ins;
  for (const TensorArg &a : kernelArguments(spec))
    if (!a.isOutput)
      ins.push_back(randomTensor(numElements(a.shape, batch), seed++));
  return ins;
}

/// A Halide-allocated (64-byte aligned) copy of t with Keras shape `shape`.
inline Halide::Buffer<float> toBuffer(const Tensor &t,
                                      const std::vector<int> &shape,
                                      int batch) {
  std::vector<int> sizes;
  for (auto it = shape.rbegin(); it != shape.rend(); ++it)
    sizes.push_back(*it < 0 ? batch : *it);
  Halide::Buffer<float> b(sizes);
  std::copy(t.begin(), t.end(), b.data());
  return b;
}

/// Runs `kernel` on the inputs; returns the outputs (boundary order).
inline std::vector<Tensor> runJit(JitKernel &kernel, int batch,
                                  const std::vector<Tensor> &inputs) {
  std::vector<Halide::Buffer<float>> bufs;
  size_t in = 0;
  std::vector<TensorArg> args = kernelArguments(kernel.spec());
  for (const TensorArg &a : args) {
    Tensor fill(numElements(a.shape, batch), NAN);
    bufs.push_back(toBuffer(a.isOutput ? fill : inputs.at(in++), a.shape, batch));
  }
  EXPECT_EQ(kernel.run(bufs), 0)
      << kernel.spec().signature() << ": " << kernel.lastError();
  std::vector<Tensor> outputs;
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i].isOutput)
      outputs.emplace_back(bufs[i].data(),
                           bufs[i].data() + bufs[i].number_of_elements());
  return outputs;
}

/// JIT-compiles spec with the host's default (or the given) schedule.
inline std::vector<Tensor> runKernel(const KernelSpec &spec, int batch,
                                     const std::vector<Tensor> &inputs,
                                     const Schedule *schedule = nullptr) {
  Halide::Target t = kiln::codegen::hostTarget();
  JitKernel k(spec, schedule ? *schedule : defaultScheduleFor(spec, t), t);
  return runJit(k, batch, inputs);
}

inline double relError(const Tensor &got, const Tensor &ref) {
  EXPECT_EQ(got.size(), ref.size());
  double maxDiff = 0, maxRef = 1e-12;
  for (size_t i = 0; i < std::min(got.size(), ref.size()); ++i) {
    double d = std::fabs(double(got[i]) - ref[i]);
    if (!(d <= maxDiff)) // NaN-propagating max
      maxDiff = d;
    maxRef = std::max(maxRef, std::fabs(double(ref[i])));
  }
  return maxDiff / maxRef;
}

constexpr double kTolerance = 1e-4;

inline Conv2DAttrs convAttrs(int k, int filters, int stride, Padding p,
                             int dilation = 1, bool bias = true,
                             Activation act = Activation::None) {
  Conv2DAttrs a;
  a.kernelH = a.kernelW = k;
  a.filters = filters;
  a.strideH = a.strideW = stride;
  a.dilationH = a.dilationW = dilation;
  a.padding = p;
  a.useBias = bias;
  a.activation = act;
  return a;
}

inline PoolAttrs poolAttrs(int size, int stride, Padding p) {
  PoolAttrs a;
  a.poolH = a.poolW = size;
  a.strideH = a.strideW = stride;
  a.padding = p;
  return a;
}

} // namespace kiln::codegen::test
