//===- OpsTestUtil.h - Helpers for the shape-generic kernel tests -*- C++ -*-===//
//
// Runs a JIT kernel whose boundary may hold Int32 buffers (given here as
// float tensors holding whole numbers) and may alias outputs onto inputs.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "KernelTestUtil.h"

namespace kiln::codegen::test {

/// Runs kernel on inputs (kernelArguments order; Int32 arguments converted
/// from float); returns the outputs. aliasOutputs[i] >= 0 makes output i
/// share the buffer of that input (in-place), checking in-place safety.
inline std::vector<Tensor> runMixed(JitKernel &kernel, int batch,
                                    const std::vector<Tensor> &inputs,
                                    const std::vector<int> &aliasOutputs = {}) {
  std::vector<TensorArg> args = kernelArguments(kernel.spec());
  std::vector<Halide::Buffer<>> bufs;
  std::vector<halide_buffer_t *> raw;
  size_t in = 0, out = 0;
  for (const TensorArg &a : args) {
    std::vector<int> sizes;
    for (auto it = a.shape.rbegin(); it != a.shape.rend(); ++it)
      sizes.push_back(*it < 0 ? batch : *it);
    if (a.isOutput && out < aliasOutputs.size() && aliasOutputs[out] >= 0) {
      raw.push_back(raw.at(aliasOutputs[out++]));
      bufs.emplace_back();
      continue;
    }
    out += a.isOutput;
    if (a.dtype == DType::Int32) {
      Halide::Buffer<int32_t> b(sizes);
      const Tensor &t = inputs.at(in++);
      for (size_t i = 0; i < t.size(); ++i)
        b.data()[i] = int32_t(t[i]);
      bufs.emplace_back(b);
    } else {
      Halide::Buffer<float> b(sizes);
      if (a.isOutput)
        std::fill(b.data(), b.data() + b.number_of_elements(), NAN);
      else
        std::copy(inputs.at(in).begin(), inputs.at(in).end(), b.data()), ++in;
      bufs.emplace_back(b);
    }
    raw.push_back(bufs.back().raw_buffer());
  }
  EXPECT_EQ(kernel.run(raw), 0)
      << kernel.spec().signature() << ": " << kernel.lastError();
  std::vector<Tensor> outputs;
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i].isOutput) {
      const float *d = reinterpret_cast<const float *>(raw[i]->host);
      outputs.emplace_back(d, d + numElements(args[i].shape, batch));
    }
  return outputs;
}

inline JitKernel jitDefault(const KernelSpec &spec) {
  Halide::Target t = kiln::codegen::hostTarget();
  return JitKernel(spec, defaultScheduleFor(spec, t), t);
}

} // namespace kiln::codegen::test
