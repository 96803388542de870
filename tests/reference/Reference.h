//===- Reference.h - Naive reference kernels (no Halide) ----------*- C++ -*-===//
//
// Plain-loop implementations of every codegen kernel, written for clarity
// and independence, not speed: they recompute the Keras/TF padding rule
// themselves and loop in the obvious order with double accumulators. Tensors
// are flat Keras-ordered (row-major) float vectors: NHWC activations, HWIO
// conv kernels, [K, M] dense kernels. The attributes come from the plain
// KernelSpec structs (no Halide types are used).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/KernelSpec.h"

#include <vector>

namespace kiln::reference {

using codegen::KernelSpec;
using Tensor = std::vector<float>;

/// Output extent and padding before, recomputed from Keras' rule.
struct RefWindow {
  int out, pad;
};
RefWindow refWindow(int in, int k, int stride, int dilation, bool same);

/// Conv2D forward: x[N,H,W,C], k[KH,KW,C,F], bias[F] (ignored if !useBias).
Tensor conv2d(const KernelSpec &s, int n, const Tensor &x, const Tensor &k,
              const Tensor &bias);
/// dx[N,H,W,C] from dy[N,OH,OW,F] and k.
Tensor conv2dBackpropInput(const KernelSpec &s, int n, const Tensor &dy,
                           const Tensor &k);
/// dk[KH,KW,C,F] from x and dy.
Tensor conv2dBackpropFilter(const KernelSpec &s, int n, const Tensor &x,
                            const Tensor &dy);
/// dbias[F] from dy.
Tensor conv2dBackpropBias(const KernelSpec &s, int n, const Tensor &dy);

/// MaxPool2D / AvgPool2D forward (s.family picks which).
Tensor pool2d(const KernelSpec &s, int n, const Tensor &x);
/// AvgPool2D gradient (pool.backward): dy / count to each in-image element
/// of its window.
Tensor avgPool2dGrad(const KernelSpec &s, int n, const Tensor &dy);
/// MaxPool2D gradient: each window's dy goes to its first maximum.
Tensor maxPool2dGrad(const KernelSpec &s, int n, const Tensor &x,
                     const Tensor &dy);

/// Dense: x[N,K] . w[K,M] + b, then the spec's activation.
Tensor dense(const KernelSpec &s, int n, const Tensor &x, const Tensor &w,
             const Tensor &bias);

/// y = fn(x) and dy/dx from the scalar columns of codegen/Activations.def.
double unaryFn(codegen::UnaryFn fn, double x, double alpha = 0);
double unaryFnGrad(codegen::UnaryFn fn, double x, double y, double alpha = 0);

/// Elementwise program (s.ew over s.shape at batch n): one tensor per
/// input (kernelArguments order, Int32 inputs given as their float values,
/// seeds/steps exact), one tensor per output. Evaluated in double.
std::vector<Tensor> elementwise(const KernelSpec &s, int n,
                                const std::vector<Tensor> &inputs);

/// Reduce family (s.reduce.kind): inputs and outputs in kernelArguments
/// order (class ids of sparse targets as float values).
std::vector<Tensor> reduce(const KernelSpec &s, int n,
                           const std::vector<Tensor> &inputs);

/// C = op(A) . op(B) with the batch (p or r == -1) equal to n.
Tensor matmul(const KernelSpec &s, int n, const Tensor &a, const Tensor &b);

/// Concatenate / ZeroPadding2D / BatchNormStats (outputs in boundary order).
std::vector<Tensor> shapeOp(const KernelSpec &s, int n,
                            const std::vector<Tensor> &inputs);

} // namespace kiln::reference

namespace kiln::reference {

/// Runs the reference of any kernel family: `inputs` are the non-output
/// arguments of kernelArguments(s) in order (inputs, then weights; an absent
/// bias is simply not there), the result one tensor per output argument.
/// The Conv2D family's fused max pool is applied after the convolution.
std::vector<Tensor> runReference(const KernelSpec &s, int n,
                                 const std::vector<Tensor> &inputs);

} // namespace kiln::reference
