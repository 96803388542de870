//===- KernelSpec.h - Plain C++ description of one kernel ---------*- C++ -*-===//
//
// A KernelSpec says what one kernel computes (family, static per-image shape,
// attributes) without any MLIR or Halide type, so that codegen/ can be built,
// tested and tuned independently of the IR. Shapes are Keras-ordered (NHWC
// activations, HWIO conv kernels, [K, M] dense kernels); every dimension is
// static except the batch N, which is the runtime extent of the buffers.
//
// The kernel boundary (kernelArguments) is the same for the JIT and the AOT
// paths: inputs, then weights, then outputs, each a halide_buffer_t.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

namespace kiln::codegen {

/// The kernel families codegen knows. Backward families take the *forward*
/// layer's spec (its input shape and attributes) and compute one gradient.
enum class KernelFamily {
  Conv2D,               ///< y = act(conv(x, k) + b)
  MaxPool2D,            ///< y = max over window
  AvgPool2D,            ///< y = mean over the window's valid elements
  Dense,                ///< y = act(x . W + b)
  Conv2DBackpropInput,  ///< dx from dy and the kernel
  Conv2DBackpropFilter, ///< dkernel from x and dy (summed over the batch)
  Conv2DBackpropBias,   ///< dbias from dy (summed over batch, y, x)
  MaxPool2DGrad,        ///< dx from x and dy, routed to the window's first max
};

enum class Padding { Valid, Same };
enum class Activation { None, Relu, Softmax };

/// Conv2D attributes, Keras meaning. Activation is only used by the forward
/// kernel (relu's gradient is a separate elementwise kernel).
struct Conv2DAttrs {
  int kernelH = 3, kernelW = 3;
  int filters = 1;
  int strideH = 1, strideW = 1;
  int dilationH = 1, dilationW = 1;
  Padding padding = Padding::Valid;
  bool useBias = true;
  Activation activation = Activation::None; ///< None or Relu
};

/// MaxPool2D / AvgPool2D attributes (Keras: strides default to pool size).
struct PoolAttrs {
  int poolH = 2, poolW = 2;
  int strideH = 2, strideW = 2;
  Padding padding = Padding::Valid;
};

/// Dense attributes: x[N, K] . W[K, units] + b[units].
struct DenseAttrs {
  int units = 1;
  bool useBias = true;
  Activation activation = Activation::None; ///< None, Relu or Softmax
};

/// One spatial dimension of a window op: output extent and padding before.
struct WindowDim {
  int out = 0;
  int padBefore = 0;
};

/// Keras/TF window arithmetic. Same padding: pad_total = max((ceil(in/s)-1)*s
/// + (k-1)*d + 1 - in, 0), pad_before = pad_total / 2.
WindowDim windowDim(int in, int k, int stride, int dilation, Padding padding);

/// A kernel: family, the per-image shape of the forward op's input and the
/// attributes of its family. For Dense, channels is K (rank-2 [N, K] input).
struct KernelSpec {
  KernelFamily family = KernelFamily::Conv2D;
  std::string name = "kernel"; ///< layer name; prefixes every Halide Func
  int height = 1, width = 1, channels = 1;
  Conv2DAttrs conv;
  PoolAttrs pool;
  DenseAttrs dense;

  static KernelSpec conv2d(std::string name, int h, int w, int c, Conv2DAttrs a,
                           KernelFamily f = KernelFamily::Conv2D);
  static KernelSpec pool2d(std::string name, KernelFamily f, int h, int w, int c,
                           PoolAttrs a);
  static KernelSpec denseLayer(std::string name, int k, DenseAttrs a);

  bool isConvFamily() const;
  bool isPoolFamily() const;
  /// Output rows/cols of the forward op (conv or pool window).
  WindowDim outH() const;
  WindowDim outW() const;
  /// A stable, readable signature (cache/tuning key without target).
  std::string signature() const;
};

/// One buffer of the kernel boundary. Shape is Keras-ordered; -1 marks the
/// runtime batch. Halide dimension i is shape[rank-1-i] (channels innermost).
struct TensorArg {
  std::string name;
  std::vector<int> shape;
  bool isOutput = false;
};

/// The kernel boundary, in call order: inputs, weights, outputs.
std::vector<TensorArg> kernelArguments(const KernelSpec &spec);

const char *familyName(KernelFamily f);
/// FLOPs for one call at the given batch (multiply-add = 2), for benchmarks.
double kernelFlops(const KernelSpec &spec, int batch);

} // namespace kiln::codegen
