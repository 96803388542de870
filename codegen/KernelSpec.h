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

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::codegen {

/// The kernel families codegen knows. Backward families take the *forward*
/// layer's spec (its input shape and attributes) and compute one gradient.
enum class KernelFamily {
  Conv2D,               ///< y = act(conv(x, k) + b)
  MaxPool2D,            ///< y = max over window
  AvgPool2D,            ///< y = mean over the window's valid elements
                        ///< (pool.backward: its gradient)
  Dense,                ///< y = act(x . W + b)
  Conv2DBackpropInput,  ///< dx from dy and the kernel
  Conv2DBackpropFilter, ///< dkernel from x and dy (summed over the batch)
  Conv2DBackpropBias,   ///< dbias from dy (summed over batch, y, x)
  MaxPool2DGrad,        ///< dx from x and dy, routed to the window's first max
  Elementwise,          ///< outputs = expression program over inputs (ew)
  Reduce,               ///< reductions, softmax, losses (reduce.kind)
  MatMul,               ///< C = op(A) . op(B) (matmul)
  Concatenate,          ///< inputs joined along concat.axis
  ZeroPadding2D,        ///< zeros around H and W (pad)
  BatchNormStats,       ///< per-channel mean and variance over all other axes
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

/// Conv2D forward only: a valid-padding max pool fused after the activation
/// (the conv computed at the pool's tile, never stored whole).
struct FusedPool {
  bool enabled = false;
  int poolH = 2, poolW = 2, strideH = 2, strideW = 2;
};

/// MaxPool2D / AvgPool2D attributes (Keras: strides default to pool size).
struct PoolAttrs {
  int poolH = 2, poolW = 2;
  int strideH = 2, strideW = 2;
  Padding padding = Padding::Valid;
  /// MaxPool2DGrad only: the pool's input is a relu's output, and relu's
  /// gradient is fused in (the routed gradient kept where the input > 0).
  bool reluMask = false;
  /// AvgPool2D only: the pool's gradient, dx (N, H, W, C) from dy
  /// (N, OH, OW, C) (each dy spread over its window's in-bounds elements).
  bool backward = false;
};

/// Conv2DBackpropInput only: the gradient of the max pool whose output the
/// convolution read, fused after the input gradient (which is computed per
/// tile of the pool's input and never stored whole). The kernel then takes
/// the pool's input and returns the gradient of the pool's input.
struct FusedPoolGrad {
  bool enabled = false;
  int height = 1, width = 1; ///< the pool's input (channels: the conv's)
  PoolAttrs pool;            ///< reluMask: relu's gradient fused too
};

/// Dense attributes: x[N, K] . W[K, units] + b[units].
struct DenseAttrs {
  int units = 1;
  bool useBias = true;
  Activation activation = Activation::None; ///< None, Relu or Softmax
};

/// Element type of a boundary buffer (outputs are always Float32).
enum class DType { Float32, Int32 };

/// The unary functions of the dialect, one row each in Activations.def (its
/// Halide expression, scalar reference and derivative).
enum class UnaryFn {
#define KILN_ACTIVATION(Name, mnemonic, halide, ref, dhalide, dref) Name,
#include "codegen/Activations.def"
#undef KILN_ACTIVATION
};
/// The dialect's mnemonic ("relu", "hard_sigmoid", ...).
const char *unaryFnName(UnaryFn f);
/// The UnaryFn of a mnemonic; false if there is none.
bool unaryFnFromName(const std::string &mnemonic, UnaryFn &out);
/// Every UnaryFn, in table order.
std::vector<UnaryFn> allUnaryFns();

/// How an Elementwise input maps onto the output's index space.
enum class Broadcast {
  Full,     ///< the output's shape
  LastAxis, ///< a vector [C] along the last axis (bias, batch-norm params)
  Scalar,   ///< one value, shape [] (scalarRank 0) or [1] (scalarRank 1)
};

/// One node of an Elementwise program. Operands a..d are earlier node ids.
enum class EwOp {
  Input,       ///< input #a of the program (Int32 inputs read as float)
  Const,       ///< value
  Add, Sub, Mul, Div, Max, Min, ///< a op b
  Abs,         ///< |a|
  Rsqrt,       ///< 1 / sqrt(a)
  SelectGt,    ///< a > b ? c : d
  Unary,       ///< fn(a) (alpha for leaky_relu); covers neg/exp/log/sqrt/...
  UnaryGrad,   ///< fn'(x = a) using y = fn(a) from node b (b < 0: recomputed)
  DropoutKeep, ///< 1 if dropoutHash(seed = a, step = b, flat index) >=
               ///< dropoutThreshold(value) else 0; a, b are Scalar Inputs
};

struct EwInput {
  std::string name;
  Broadcast broadcast = Broadcast::Full;
  int scalarRank = 0; ///< Scalar only: 0 -> shape [], 1 -> shape [1]
  DType dtype = DType::Float32;
};

struct EwNode {
  EwOp op = EwOp::Const;
  int a = -1, b = -1, c = -1, d = -1;
  float value = 0;      ///< Const value, DropoutKeep rate, Unary alpha
  UnaryFn fn = UnaryFn::Relu;
};

struct EwOutput {
  std::string name;
  int node = -1;
};

/// A small expression program: inputs, nodes in topological order (each
/// refers only to earlier ones), and outputs (each a node over the output
/// shape). Outputs may alias inputs: every point's outputs are computed from
/// that point's inputs only, all before any is stored.
struct ElementwiseProgram {
  std::vector<EwInput> inputs;
  std::vector<EwNode> nodes;
  std::vector<EwOutput> outputs;

  /// Builders; each returns the new node's id.
  int input(std::string name, Broadcast b = Broadcast::Full,
            DType dtype = DType::Float32, int scalarRank = 0);
  int constant(float v);
  int op(EwOp op, int a, int b = -1, int c = -1, int d = -1);
  int unary(UnaryFn fn, int x, float alpha = 0);
  int unaryGrad(UnaryFn fn, int x, int y = -1, float alpha = 0);
  int dropoutKeep(int seed, int step, float rate);
  void output(std::string name, int node);
  /// A compact text form (part of the kernel signature).
  std::string str() const;
};

/// Dropout's counter-based hash ("kiln dropout hash v1"): lowbias32 rounds
///   mix(h) = h ^= h >> 16; h *= 0x7feb352d; h ^= h >> 15; h *= 0x846ca68b;
///            h ^= h >> 16
///   key = mix(mix(seed ^ 0x9e3779b9) ^ step)
///   hash = mix(mix(index ^ key) + key)
/// with index the element's flat row-major (Keras order) index. Seed and
/// step are Scalar inputs: Int32 buffers are read as their bits, Float32
/// buffers are converted to int32 first (exact below 2^24).
inline uint32_t dropoutMix(uint32_t h) {
  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  h *= 0x846ca68bu;
  h ^= h >> 16;
  return h;
}
inline uint32_t dropoutHash(uint32_t seed, uint32_t step, uint32_t index) {
  uint32_t key = dropoutMix(dropoutMix(seed ^ 0x9e3779b9u) ^ step);
  return dropoutMix(dropoutMix(index ^ key) + key);
}
/// An element is kept iff dropoutHash(...) >= dropoutThreshold(rate), i.e.
/// with probability 1 - rate (rate is clamped to [0, 1 - 2^-32]).
uint32_t dropoutThreshold(float rate);

/// Reduce-family kinds. Sum/Mean/Max reduce `axes` of shape; the others act
/// on the last axis of shape [N, ..., C] (see kernels/Reduce.cpp).
enum class ReduceKind {
  Sum, Mean, Max,
  Softmax, LogSoftmax,
  CategoricalCrossentropy,       ///< per sample: -sum t*log(clip(p/sum p))
  BinaryCrossentropy,            ///< per sample: -mean(t log p + (1-t) log(1-p))
  MeanSquaredError,              ///< per sample: mean (p - t)^2
  SparseCategoricalCrossentropy, ///< per sample: -log(clip(p[t]))
  SoftmaxCrossEntropy,     ///< logits, targets -> loss [N], correct [N]
  SoftmaxCrossEntropyGrad, ///< logits, targets, scale [] -> dlogits
  SoftmaxGrad,    ///< y = softmax, dy -> y (dy - sum(dy y))
  LogSoftmaxGrad, ///< y = log_softmax, dy -> dy - exp(y) sum(dy)
};

struct ReduceAttrs {
  ReduceKind kind = ReduceKind::Sum;
  std::vector<int> axes; ///< Sum/Mean/Max: sorted, non-negative, empty = all
  bool keepdims = false;
  DType targetType = DType::Float32; ///< class ids of SparseCategorical...
};

/// C[P, Q] = op(A)[P, R] . op(B)[R, Q]; A is [P, R] or (transposeA) [R, P],
/// B is [R, Q] or (transposeB) [Q, R]. One of p (A not transposed) or r
/// (A transposed, B not) may be -1: the runtime batch.
struct MatMulAttrs {
  int p = 1, r = 1, q = 1;
  bool transposeA = false, transposeB = false;
};

/// Concatenate: the full Keras shapes of the inputs (-1 = batch, leading
/// only) and the axis (non-negative, not the batch).
struct ConcatAttrs {
  std::vector<std::vector<int>> inputShapes;
  int axis = 0;
};

/// ZeroPadding2D: rows/columns of zeros around each NHWC image, and
/// channels before (front) and after (back). A negative amount crops: the
/// family also computes nn.slice of a rank-4 tensor.
struct PadAttrs {
  int top = 0, bottom = 0, left = 0, right = 0;
  int front = 0, back = 0;
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
  FusedPool fusedPool; ///< Conv2D forward only
  FusedPoolGrad fusedPoolGrad; ///< Conv2DBackpropInput only
  PoolAttrs pool;
  DenseAttrs dense;
  /// Full Keras shape (-1 = batch, leading only) for Elementwise (the
  /// output's), Reduce and BatchNormStats (the input's).
  std::vector<int> shape;
  ElementwiseProgram ew;
  ReduceAttrs reduce;
  MatMulAttrs matmul;
  ConcatAttrs concat;
  PadAttrs pad;

  static KernelSpec conv2d(std::string name, int h, int w, int c, Conv2DAttrs a,
                           KernelFamily f = KernelFamily::Conv2D);
  static KernelSpec pool2d(std::string name, KernelFamily f, int h, int w, int c,
                           PoolAttrs a);
  static KernelSpec denseLayer(std::string name, int k, DenseAttrs a);
  /// Elementwise program over the (output) shape.
  static KernelSpec elementwise(std::string name, std::vector<int> shape,
                                ElementwiseProgram program);
  /// One unary function of the table: input -> output (alpha: leaky_relu).
  static KernelSpec unaryOp(std::string name, std::vector<int> shape,
                            UnaryFn fn, float alpha = 0);
  /// Its gradient: (input x, output_grad) -> input_grad = dy * fn'(x).
  static KernelSpec unaryGradOp(std::string name, std::vector<int> shape,
                                UnaryFn fn, float alpha = 0);
  /// Sum/Mean/Max over axes (negative count from the end; empty = all).
  static KernelSpec reduction(std::string name, std::vector<int> shape,
                              ReduceKind kind, std::vector<int> axes,
                              bool keepdims);
  /// Global average/max pooling, NHWC -> NC (or N11C with keepdims).
  static KernelSpec globalPool2d(std::string name, int h, int w, int c,
                                 bool isMax, bool keepdims = false);
  /// Softmax/LogSoftmax over the last axis, the losses and the fused
  /// softmax cross-entropy (kind says which); shape = [N, ..., C].
  static KernelSpec lastAxis(std::string name, std::vector<int> shape,
                             ReduceKind kind,
                             DType targetType = DType::Float32);
  /// C = op(A) . op(B); see MatMulAttrs.
  static KernelSpec matmulOp(std::string name, int p, int r, int q,
                             bool transposeA, bool transposeB);
  /// Concatenation of 2..5 inputs along axis (negative counts from the end).
  static KernelSpec concatenate(std::string name,
                                std::vector<std::vector<int>> inputShapes,
                                int axis);
  static KernelSpec zeroPadding2d(std::string name, int h, int w, int c,
                                  PadAttrs a);
  /// Per-channel (last axis) mean and biased variance over all other axes.
  static KernelSpec batchNormStats(std::string name, std::vector<int> shape);

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
  DType dtype = DType::Float32;
};

/// The kernel boundary, in call order: inputs, weights, outputs.
std::vector<TensorArg> kernelArguments(const KernelSpec &spec);

const char *familyName(KernelFamily f);
/// FLOPs for one call at the given batch (multiply-add = 2), for benchmarks.
double kernelFlops(const KernelSpec &spec, int batch);

} // namespace kiln::codegen
