//===- Dispatch.cpp - One entry for every reference kernel ----------------===//
//
// Maps a KernelSpec and its boundary's input buffers onto the naive
// reference of its family, so that a whole plan can be executed by the
// references alone (tests/unit/e2e). The argument order is kernelArguments':
// inputs, then weights, then the outputs this returns.
//
//===----------------------------------------------------------------------===//
#include "tests/reference/Reference.h"

#include <cassert>

namespace kiln::reference {

using codegen::KernelFamily;

std::vector<Tensor> runReference(const KernelSpec &s, int n,
                                 const std::vector<Tensor> &in) {
  switch (s.family) {
  case KernelFamily::Conv2D: {
    static const Tensor noBias;
    Tensor y = conv2d(s, n, in[0], in[1], s.conv.useBias ? in[2] : noBias);
    if (!s.fusedPool.enabled)
      return {y};
    // The fused pool: a valid max pool over the activated convolution.
    codegen::PoolAttrs p;
    p.poolH = s.fusedPool.poolH;
    p.poolW = s.fusedPool.poolW;
    p.strideH = s.fusedPool.strideH;
    p.strideW = s.fusedPool.strideW;
    p.padding = codegen::Padding::Valid;
    bool same = s.conv.padding == codegen::Padding::Same;
    int oh = refWindow(s.height, s.conv.kernelH, s.conv.strideH,
                       s.conv.dilationH, same).out;
    int ow = refWindow(s.width, s.conv.kernelW, s.conv.strideW,
                       s.conv.dilationW, same).out;
    KernelSpec pool = KernelSpec::pool2d(s.name, KernelFamily::MaxPool2D, oh,
                                         ow, s.conv.filters, p);
    return {pool2d(pool, n, y)};
  }
  case KernelFamily::MaxPool2D:
  case KernelFamily::AvgPool2D:
    if (s.pool.backward)
      return {avgPool2dGrad(s, n, in[0])};
    return {pool2d(s, n, in[0])};
  case KernelFamily::Dense: {
    static const Tensor noBias;
    return {dense(s, n, in[0], in[1], s.dense.useBias ? in[2] : noBias)};
  }
  case KernelFamily::Conv2DBackpropInput: {
    Tensor dx = conv2dBackpropInput(s, n, in[0], in[1]);
    if (!s.fusedPoolGrad.enabled)
      return {dx};
    // The fused epilogue: the max pool's gradient (relu's too, reluMask)
    // with dx as the gradient of the pool's output.
    const codegen::FusedPoolGrad &g = s.fusedPoolGrad;
    KernelSpec pool = KernelSpec::pool2d(s.name, KernelFamily::MaxPool2DGrad,
                                         g.height, g.width, s.channels, g.pool);
    return {maxPool2dGrad(pool, n, in[2], dx)};
  }
  case KernelFamily::Conv2DBackpropFilter:
    return {conv2dBackpropFilter(s, n, in[0], in[1])};
  case KernelFamily::Conv2DBackpropBias:
    return {conv2dBackpropBias(s, n, in[0])};
  case KernelFamily::MaxPool2DGrad:
    return {maxPool2dGrad(s, n, in[0], in[1])};
  case KernelFamily::Elementwise:
    return elementwise(s, n, in);
  case KernelFamily::Reduce:
    return reduce(s, n, in);
  case KernelFamily::MatMul:
    return {matmul(s, n, in[0], in[1])};
  case KernelFamily::Concatenate:
  case KernelFamily::ZeroPadding2D:
  case KernelFamily::BatchNormStats:
    return shapeOp(s, n, in);
  }
  assert(false && "a kernel family without a reference");
  return {};
}

} // namespace kiln::reference
