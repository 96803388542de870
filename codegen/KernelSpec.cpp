//===- KernelSpec.cpp - Window arithmetic and kernel boundaries -----------===//
//
// Implements the Keras/TF window rules, the per-family argument lists that
// define the kernel boundary, and FLOP counts used by the benchmarks.
//
//===----------------------------------------------------------------------===//
#include "codegen/KernelSpec.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace kiln::codegen {

WindowDim windowDim(int in, int k, int stride, int dilation, Padding padding) {
  int span = (k - 1) * dilation + 1;
  WindowDim w;
  if (padding == Padding::Valid) {
    w.out = in >= span ? (in - span) / stride + 1 : 0;
    w.padBefore = 0;
  } else {
    w.out = (in + stride - 1) / stride;
    int total = std::max((w.out - 1) * stride + span - in, 0);
    w.padBefore = total / 2;
  }
  return w;
}

KernelSpec KernelSpec::conv2d(std::string name, int h, int w, int c,
                              Conv2DAttrs a, KernelFamily f) {
  KernelSpec s;
  s.family = f;
  s.name = std::move(name);
  s.height = h, s.width = w, s.channels = c;
  s.conv = a;
  return s;
}

KernelSpec KernelSpec::pool2d(std::string name, KernelFamily f, int h, int w,
                              int c, PoolAttrs a) {
  KernelSpec s;
  s.family = f;
  s.name = std::move(name);
  s.height = h, s.width = w, s.channels = c;
  s.pool = a;
  return s;
}

KernelSpec KernelSpec::denseLayer(std::string name, int k, DenseAttrs a) {
  KernelSpec s;
  s.family = KernelFamily::Dense;
  s.name = std::move(name);
  s.channels = k;
  s.dense = a;
  return s;
}

bool KernelSpec::isConvFamily() const {
  return family == KernelFamily::Conv2D ||
         family == KernelFamily::Conv2DBackpropInput ||
         family == KernelFamily::Conv2DBackpropFilter ||
         family == KernelFamily::Conv2DBackpropBias;
}

bool KernelSpec::isPoolFamily() const {
  return family == KernelFamily::MaxPool2D ||
         family == KernelFamily::AvgPool2D ||
         family == KernelFamily::MaxPool2DGrad;
}

WindowDim KernelSpec::outH() const {
  if (isConvFamily())
    return windowDim(height, conv.kernelH, conv.strideH, conv.dilationH,
                     conv.padding);
  return windowDim(height, pool.poolH, pool.strideH, 1, pool.padding);
}

WindowDim KernelSpec::outW() const {
  if (isConvFamily())
    return windowDim(width, conv.kernelW, conv.strideW, conv.dilationW,
                     conv.padding);
  return windowDim(width, pool.poolW, pool.strideW, 1, pool.padding);
}

const char *familyName(KernelFamily f) {
  switch (f) {
  case KernelFamily::Conv2D: return "conv2d";
  case KernelFamily::MaxPool2D: return "max_pool2d";
  case KernelFamily::AvgPool2D: return "avg_pool2d";
  case KernelFamily::Dense: return "dense";
  case KernelFamily::Conv2DBackpropInput: return "conv2d_backprop_input";
  case KernelFamily::Conv2DBackpropFilter: return "conv2d_backprop_filter";
  case KernelFamily::Conv2DBackpropBias: return "conv2d_backprop_bias";
  case KernelFamily::MaxPool2DGrad: return "max_pool2d_grad";
  case KernelFamily::Elementwise: return "elementwise";
  case KernelFamily::Reduce: return "reduce";
  case KernelFamily::MatMul: return "matmul";
  case KernelFamily::Concatenate: return "concatenate";
  case KernelFamily::ZeroPadding2D: return "zero_padding2d";
  case KernelFamily::BatchNormStats: return "batch_norm_stats";
  }
  return "unknown";
}

static const char *paddingName(Padding p) {
  return p == Padding::Valid ? "valid" : "same";
}

static const char *activationName(Activation a) {
  switch (a) {
  case Activation::None: return "none";
  case Activation::Relu: return "relu";
  case Activation::Softmax: return "softmax";
  }
  return "?";
}

static std::string extendedSignature(const KernelSpec &s);

std::string KernelSpec::signature() const {
  if (family >= KernelFamily::Elementwise)
    return extendedSignature(*this);
  std::ostringstream os;
  os << familyName(family) << "_in" << height << "x" << width << "x"
     << channels;
  if (isConvFamily()) {
    os << "_k" << conv.kernelH << "x" << conv.kernelW << "x" << conv.filters
       << "_s" << conv.strideH << "x" << conv.strideW << "_d"
       << conv.dilationH << "x" << conv.dilationW << "_"
       << paddingName(conv.padding) << (conv.useBias ? "_bias" : "_nobias")
       << "_" << activationName(conv.activation);
    if (fusedPool.enabled)
      os << "_maxpool" << fusedPool.poolH << "x" << fusedPool.poolW << "s"
         << fusedPool.strideH << "x" << fusedPool.strideW;
    if (fusedPoolGrad.enabled) {
      const FusedPoolGrad &g = fusedPoolGrad;
      os << "_maxpoolgrad_in" << g.height << "x" << g.width << "_p"
         << g.pool.poolH << "x" << g.pool.poolW << "_s" << g.pool.strideH
         << "x" << g.pool.strideW << "_" << paddingName(g.pool.padding)
         << (g.pool.reluMask ? "_relugrad" : "");
    }
  } else if (isPoolFamily())
    os << "_p" << pool.poolH << "x" << pool.poolW << "_s" << pool.strideH
       << "x" << pool.strideW << "_" << paddingName(pool.padding)
       << (pool.reluMask ? "_relugrad" : "")
       << (pool.backward ? "_grad" : "");
  else
    os << "_u" << dense.units << (dense.useBias ? "_bias" : "_nobias") << "_"
       << activationName(dense.activation);
  return os.str();
}

static std::vector<TensorArg> extendedArguments(const KernelSpec &s);

std::vector<TensorArg> kernelArguments(const KernelSpec &s) {
  if (s.family >= KernelFamily::Elementwise)
    return extendedArguments(s);
  int oh = s.outH().out, ow = s.outW().out;
  std::vector<int> x = {-1, s.height, s.width, s.channels};
  switch (s.family) {
  case KernelFamily::Conv2D: {
    std::vector<TensorArg> a = {
        {"input", x, false},
        {"kernel",
         {s.conv.kernelH, s.conv.kernelW, s.channels, s.conv.filters},
         false}};
    if (s.conv.useBias)
      a.push_back({"bias", {s.conv.filters}, false});
    if (s.fusedPool.enabled) {
      const FusedPool &p = s.fusedPool;
      oh = windowDim(oh, p.poolH, p.strideH, 1, Padding::Valid).out;
      ow = windowDim(ow, p.poolW, p.strideW, 1, Padding::Valid).out;
    }
    a.push_back({"output", {-1, oh, ow, s.conv.filters}, true});
    return a;
  }
  case KernelFamily::MaxPool2D:
  case KernelFamily::AvgPool2D:
    if (s.pool.backward)
      return {{"output_grad", {-1, oh, ow, s.channels}, false},
              {"input_grad", x, true}};
    return {{"input", x, false}, {"output", {-1, oh, ow, s.channels}, true}};
  case KernelFamily::Dense: {
    std::vector<TensorArg> a = {{"input", {-1, s.channels}, false},
                                {"kernel", {s.channels, s.dense.units}, false}};
    if (s.dense.useBias)
      a.push_back({"bias", {s.dense.units}, false});
    a.push_back({"output", {-1, s.dense.units}, true});
    return a;
  }
  case KernelFamily::Conv2DBackpropInput: {
    std::vector<TensorArg> a = {
        {"output_grad", {-1, oh, ow, s.conv.filters}, false},
        {"kernel",
         {s.conv.kernelH, s.conv.kernelW, s.channels, s.conv.filters},
         false}};
    if (!s.fusedPoolGrad.enabled) {
      a.push_back({"input_grad", x, true});
      return a;
    }
    // Fused: the pool's input, then the gradient of the pool's input.
    std::vector<int> p = {-1, s.fusedPoolGrad.height, s.fusedPoolGrad.width,
                          s.channels};
    a.push_back({"pool_input", p, false});
    a.push_back({"pool_input_grad", p, true});
    return a;
  }
  case KernelFamily::Conv2DBackpropFilter:
    return {{"input", x, false},
            {"output_grad", {-1, oh, ow, s.conv.filters}, false},
            {"kernel_grad",
             {s.conv.kernelH, s.conv.kernelW, s.channels, s.conv.filters},
             true}};
  case KernelFamily::Conv2DBackpropBias:
    return {{"output_grad", {-1, oh, ow, s.conv.filters}, false},
            {"bias_grad", {s.conv.filters}, true}};
  case KernelFamily::MaxPool2DGrad:
    return {{"input", x, false},
            {"output_grad", {-1, oh, ow, s.channels}, false},
            {"input_grad", x, true}};
  default:
    break;
  }
  return {};
}

static double extendedFlops(const KernelSpec &s, int batch);

double kernelFlops(const KernelSpec &s, int batch) {
  double oh = s.outH().out, ow = s.outW().out;
  double n = batch;
  switch (s.family) {
  case KernelFamily::Conv2D:
  case KernelFamily::Conv2DBackpropInput:
  case KernelFamily::Conv2DBackpropFilter:
    return 2.0 * n * oh * ow * s.conv.filters * s.conv.kernelH *
               s.conv.kernelW * s.channels +
           (s.fusedPoolGrad.enabled && s.family == KernelFamily::Conv2DBackpropInput
                ? n * s.height * s.width * s.channels *
                      s.fusedPoolGrad.pool.poolH * s.fusedPoolGrad.pool.poolW
                : 0.0);
  case KernelFamily::Conv2DBackpropBias:
    return n * oh * ow * s.conv.filters;
  case KernelFamily::MaxPool2D:
  case KernelFamily::AvgPool2D:
  case KernelFamily::MaxPool2DGrad:
    return n * oh * ow * s.channels * s.pool.poolH * s.pool.poolW;
  case KernelFamily::Dense:
    return 2.0 * n * s.channels * s.dense.units;
  default:
    return extendedFlops(s, batch);
  }
  return 0;
}

//===----------------------------------------------------------------------===//
// The shape-generic families: Elementwise, Reduce, MatMul, Concatenate,
// ZeroPadding2D, BatchNormStats.
//===----------------------------------------------------------------------===//

const char *unaryFnName(UnaryFn f) {
  switch (f) {
#define KILN_ACTIVATION(Name, mnemonic, halide, ref, dhalide, dref)            \
  case UnaryFn::Name:                                                          \
    return mnemonic;
#include "codegen/Activations.def"
#undef KILN_ACTIVATION
  }
  return "?";
}

bool unaryFnFromName(const std::string &mnemonic, UnaryFn &out) {
  for (UnaryFn f : allUnaryFns())
    if (mnemonic == unaryFnName(f)) {
      out = f;
      return true;
    }
  return false;
}

std::vector<UnaryFn> allUnaryFns() {
  return {
#define KILN_ACTIVATION(Name, mnemonic, halide, ref, dhalide, dref)            \
  UnaryFn::Name,
#include "codegen/Activations.def"
#undef KILN_ACTIVATION
  };
}

uint32_t dropoutThreshold(float rate) {
  double t = std::ldexp(double(std::max(rate, 0.0f)), 32);
  return t >= 4294967295.0 ? 0xffffffffu : uint32_t(t);
}

int ElementwiseProgram::input(std::string name, Broadcast b, DType dtype,
                              int scalarRank) {
  inputs.push_back({std::move(name), b, scalarRank, dtype});
  EwNode n;
  n.op = EwOp::Input;
  n.a = int(inputs.size()) - 1;
  nodes.push_back(n);
  return int(nodes.size()) - 1;
}

int ElementwiseProgram::constant(float v) {
  EwNode n;
  n.op = EwOp::Const;
  n.value = v;
  nodes.push_back(n);
  return int(nodes.size()) - 1;
}

int ElementwiseProgram::op(EwOp o, int a, int b, int c, int d) {
  EwNode n;
  n.op = o;
  n.a = a, n.b = b, n.c = c, n.d = d;
  nodes.push_back(n);
  return int(nodes.size()) - 1;
}

int ElementwiseProgram::unary(UnaryFn fn, int x, float alpha) {
  int id = op(EwOp::Unary, x);
  nodes[id].fn = fn;
  nodes[id].value = alpha;
  return id;
}

int ElementwiseProgram::unaryGrad(UnaryFn fn, int x, int y, float alpha) {
  int id = op(EwOp::UnaryGrad, x, y);
  nodes[id].fn = fn;
  nodes[id].value = alpha;
  return id;
}

int ElementwiseProgram::dropoutKeep(int seed, int step, float rate) {
  int id = op(EwOp::DropoutKeep, seed, step);
  nodes[id].value = rate;
  return id;
}

void ElementwiseProgram::output(std::string name, int node) {
  outputs.push_back({std::move(name), node});
}

static std::string floatText(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", double(v));
  return buf;
}

std::string ElementwiseProgram::str() const {
  static const char *opNames[] = {"in",   "c",   "add", "sub",  "mul",
                                  "div",  "max", "min", "abs",  "rsqrt",
                                  "selgt", "u",  "du",  "drop"};
  std::ostringstream os;
  for (const EwInput &in : inputs)
    os << (in.broadcast == Broadcast::Full       ? "F"
           : in.broadcast == Broadcast::LastAxis ? "V"
                                                 : "S")
       << (in.broadcast == Broadcast::Scalar ? std::to_string(in.scalarRank)
                                             : "")
       << (in.dtype == DType::Int32 ? "i" : "f");
  for (const EwNode &n : nodes) {
    os << ";" << opNames[int(n.op)];
    if (n.op == EwOp::Unary || n.op == EwOp::UnaryGrad)
      os << ":" << unaryFnName(n.fn);
    if (n.op == EwOp::Const || n.op == EwOp::DropoutKeep ||
        ((n.op == EwOp::Unary || n.op == EwOp::UnaryGrad) &&
         n.fn == UnaryFn::LeakyRelu))
      os << ":" << floatText(n.value);
    for (int o : {n.a, n.b, n.c, n.d})
      if (o >= 0 || (n.op == EwOp::UnaryGrad && o == n.b))
        os << "," << o;
  }
  os << "|";
  for (const EwOutput &o : outputs)
    os << o.node << ",";
  return os.str();
}

static int normalizeAxis(int axis, int rank) {
  int a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    throw std::invalid_argument("axis " + std::to_string(axis) +
                                " out of range for rank " +
                                std::to_string(rank));
  return a;
}

KernelSpec KernelSpec::elementwise(std::string name, std::vector<int> shape,
                                   ElementwiseProgram program) {
  KernelSpec s;
  s.family = KernelFamily::Elementwise;
  s.name = std::move(name);
  s.shape = std::move(shape);
  s.ew = std::move(program);
  return s;
}

KernelSpec KernelSpec::unaryOp(std::string name, std::vector<int> shape,
                               UnaryFn fn, float alpha) {
  ElementwiseProgram p;
  p.output("output", p.unary(fn, p.input("input"), alpha));
  return elementwise(std::move(name), std::move(shape), std::move(p));
}

KernelSpec KernelSpec::unaryGradOp(std::string name, std::vector<int> shape,
                                   UnaryFn fn, float alpha) {
  ElementwiseProgram p;
  int x = p.input("input"), dy = p.input("output_grad");
  p.output("input_grad", p.op(EwOp::Mul, dy, p.unaryGrad(fn, x, -1, alpha)));
  return elementwise(std::move(name), std::move(shape), std::move(p));
}

KernelSpec KernelSpec::reduction(std::string name, std::vector<int> shape,
                                 ReduceKind kind, std::vector<int> axes,
                                 bool keepdims) {
  KernelSpec s;
  s.family = KernelFamily::Reduce;
  s.name = std::move(name);
  int rank = int(shape.size());
  s.shape = std::move(shape);
  s.reduce.kind = kind;
  s.reduce.keepdims = keepdims;
  for (int a : axes)
    s.reduce.axes.push_back(normalizeAxis(a, rank));
  if (axes.empty())
    for (int a = 0; a < rank; ++a)
      s.reduce.axes.push_back(a);
  std::sort(s.reduce.axes.begin(), s.reduce.axes.end());
  s.reduce.axes.erase(std::unique(s.reduce.axes.begin(), s.reduce.axes.end()),
                      s.reduce.axes.end());
  return s;
}

KernelSpec KernelSpec::globalPool2d(std::string name, int h, int w, int c,
                                    bool isMax, bool keepdims) {
  return reduction(std::move(name), {-1, h, w, c},
                   isMax ? ReduceKind::Max : ReduceKind::Mean, {1, 2},
                   keepdims);
}

KernelSpec KernelSpec::lastAxis(std::string name, std::vector<int> shape,
                                ReduceKind kind, DType targetType) {
  KernelSpec s;
  s.family = KernelFamily::Reduce;
  s.name = std::move(name);
  s.shape = std::move(shape);
  s.reduce.kind = kind;
  s.reduce.targetType = targetType;
  return s;
}

KernelSpec KernelSpec::matmulOp(std::string name, int p, int r, int q,
                                bool transposeA, bool transposeB) {
  KernelSpec s;
  s.family = KernelFamily::MatMul;
  s.name = std::move(name);
  s.matmul = {p, r, q, transposeA, transposeB};
  return s;
}

KernelSpec KernelSpec::concatenate(std::string name,
                                   std::vector<std::vector<int>> inputShapes,
                                   int axis) {
  KernelSpec s;
  s.family = KernelFamily::Concatenate;
  s.name = std::move(name);
  int rank = inputShapes.empty() ? 0 : int(inputShapes[0].size());
  s.concat.axis = normalizeAxis(axis, rank);
  s.concat.inputShapes = std::move(inputShapes);
  s.shape = s.concat.inputShapes[0];
  s.shape[s.concat.axis] = 0;
  for (const std::vector<int> &in : s.concat.inputShapes)
    s.shape[s.concat.axis] += in[s.concat.axis];
  return s;
}

KernelSpec KernelSpec::zeroPadding2d(std::string name, int h, int w, int c,
                                     PadAttrs a) {
  KernelSpec s;
  s.family = KernelFamily::ZeroPadding2D;
  s.name = std::move(name);
  s.height = h, s.width = w, s.channels = c;
  s.shape = {-1, h, w, c};
  s.pad = a;
  return s;
}

KernelSpec KernelSpec::batchNormStats(std::string name,
                                      std::vector<int> shape) {
  KernelSpec s;
  s.family = KernelFamily::BatchNormStats;
  s.name = std::move(name);
  s.shape = std::move(shape);
  return s;
}

static std::string shapeText(const std::vector<int> &shape) {
  if (shape.empty())
    return "scalar";
  std::string t;
  for (size_t i = 0; i < shape.size(); ++i)
    t += (i ? "x" : "") + (shape[i] < 0 ? std::string("N")
                                        : std::to_string(shape[i]));
  return t;
}

static const char *reduceKindName(ReduceKind k) {
  switch (k) {
  case ReduceKind::Sum: return "reduce_sum";
  case ReduceKind::Mean: return "reduce_mean";
  case ReduceKind::Max: return "reduce_max";
  case ReduceKind::Softmax: return "softmax";
  case ReduceKind::LogSoftmax: return "log_softmax";
  case ReduceKind::CategoricalCrossentropy: return "categorical_crossentropy";
  case ReduceKind::BinaryCrossentropy: return "binary_crossentropy";
  case ReduceKind::MeanSquaredError: return "mean_squared_error";
  case ReduceKind::SparseCategoricalCrossentropy:
    return "sparse_categorical_crossentropy";
  case ReduceKind::SoftmaxCrossEntropy: return "softmax_cross_entropy";
  case ReduceKind::SoftmaxCrossEntropyGrad:
    return "softmax_cross_entropy_grad";
  case ReduceKind::SoftmaxGrad: return "softmax_grad";
  case ReduceKind::LogSoftmaxGrad: return "log_softmax_grad";
  }
  return "?";
}

static bool isAxisReduction(ReduceKind k) {
  return k == ReduceKind::Sum || k == ReduceKind::Mean ||
         k == ReduceKind::Max;
}

static std::string extendedSignature(const KernelSpec &s) {
  std::ostringstream os;
  switch (s.family) {
  case KernelFamily::Elementwise:
    os << "elementwise_in" << shapeText(s.shape) << "_" << s.ew.str();
    break;
  case KernelFamily::Reduce:
    os << reduceKindName(s.reduce.kind) << "_in" << shapeText(s.shape);
    if (isAxisReduction(s.reduce.kind)) {
      os << "_axes";
      for (int a : s.reduce.axes)
        os << a;
      os << (s.reduce.keepdims ? "_keep" : "");
    }
    if (s.reduce.kind == ReduceKind::SparseCategoricalCrossentropy)
      os << (s.reduce.targetType == DType::Int32 ? "_i32" : "_f32");
    break;
  case KernelFamily::MatMul: {
    auto d = [](int v) { return v < 0 ? std::string("N") : std::to_string(v); };
    os << "matmul_p" << d(s.matmul.p) << "_r" << d(s.matmul.r) << "_q"
       << d(s.matmul.q) << "_" << (s.matmul.transposeA ? "t" : "n")
       << (s.matmul.transposeB ? "t" : "n");
    break;
  }
  case KernelFamily::Concatenate:
    os << "concatenate_axis" << s.concat.axis;
    for (const std::vector<int> &in : s.concat.inputShapes)
      os << "_" << shapeText(in);
    break;
  case KernelFamily::ZeroPadding2D:
    os << "zero_padding2d_in" << s.height << "x" << s.width << "x"
       << s.channels << "_p" << s.pad.top << "_" << s.pad.bottom << "_"
       << s.pad.left << "_" << s.pad.right;
    if (s.pad.front || s.pad.back)
      os << "_c" << s.pad.front << "_" << s.pad.back;
    break;
  case KernelFamily::BatchNormStats:
    os << "batch_norm_stats_in" << shapeText(s.shape);
    break;
  default:
    break;
  }
  return os.str();
}

/// Output shape of a Sum/Mean/Max reduction.
static std::vector<int> reducedShape(const KernelSpec &s) {
  std::vector<int> out;
  for (int i = 0; i < int(s.shape.size()); ++i) {
    bool reduced = std::find(s.reduce.axes.begin(), s.reduce.axes.end(), i) !=
                   s.reduce.axes.end();
    if (!reduced)
      out.push_back(s.shape[i]);
    else if (s.reduce.keepdims)
      out.push_back(1);
  }
  return out;
}

static std::vector<TensorArg> extendedArguments(const KernelSpec &s) {
  std::vector<TensorArg> a;
  switch (s.family) {
  case KernelFamily::Elementwise: {
    int c = s.shape.empty() ? 1 : s.shape.back();
    for (const EwInput &in : s.ew.inputs) {
      std::vector<int> shape =
          in.broadcast == Broadcast::Full       ? s.shape
          : in.broadcast == Broadcast::LastAxis ? std::vector<int>{c}
          : in.scalarRank == 1                  ? std::vector<int>{1}
                                                : std::vector<int>{};
      a.push_back({in.name, shape, false, in.dtype});
    }
    for (const EwOutput &o : s.ew.outputs)
      a.push_back({o.name, s.shape, true});
    return a;
  }
  case KernelFamily::Reduce: {
    std::vector<int> n = {s.shape.empty() ? 1 : s.shape[0]};
    switch (s.reduce.kind) {
    case ReduceKind::Sum:
    case ReduceKind::Mean:
    case ReduceKind::Max:
      return {{"input", s.shape, false}, {"output", reducedShape(s), true}};
    case ReduceKind::Softmax:
    case ReduceKind::LogSoftmax:
      return {{"input", s.shape, false}, {"output", s.shape, true}};
    case ReduceKind::SoftmaxGrad:
    case ReduceKind::LogSoftmaxGrad:
      return {{"output", s.shape, false},
              {"output_grad", s.shape, false},
              {"input_grad", s.shape, true}};
    case ReduceKind::SparseCategoricalCrossentropy: {
      std::vector<int> t(s.shape.begin(), s.shape.end() - 1);
      return {{"predictions", s.shape, false},
              {"targets", t, false, s.reduce.targetType},
              {"output", n, true}};
    }
    case ReduceKind::SoftmaxCrossEntropy:
      return {{"logits", s.shape, false},
              {"targets", s.shape, false},
              {"loss", n, true},
              {"correct", n, true}};
    case ReduceKind::SoftmaxCrossEntropyGrad:
      return {{"logits", s.shape, false},
              {"targets", s.shape, false},
              {"scale", {}, false},
              {"logits_grad", s.shape, true}};
    default:
      return {{"predictions", s.shape, false},
              {"targets", s.shape, false},
              {"output", n, true}};
    }
  }
  case KernelFamily::MatMul: {
    const MatMulAttrs &m = s.matmul;
    std::vector<int> sa = m.transposeA ? std::vector<int>{m.r, m.p}
                                       : std::vector<int>{m.p, m.r};
    std::vector<int> sb = m.transposeB ? std::vector<int>{m.q, m.r}
                                       : std::vector<int>{m.r, m.q};
    return {{"a", sa, false}, {"b", sb, false}, {"output", {m.p, m.q}, true}};
  }
  case KernelFamily::Concatenate:
    for (size_t i = 0; i < s.concat.inputShapes.size(); ++i)
      a.push_back({"input" + std::to_string(i), s.concat.inputShapes[i],
                   false});
    a.push_back({"output", s.shape, true});
    return a;
  case KernelFamily::ZeroPadding2D:
    return {{"input", s.shape, false},
            {"output",
             {-1, s.height + s.pad.top + s.pad.bottom,
              s.width + s.pad.left + s.pad.right,
              s.channels + s.pad.front + s.pad.back},
             true}};
  case KernelFamily::BatchNormStats: {
    int c = s.shape.back();
    return {{"input", s.shape, false},
            {"mean", {c}, true},
            {"variance", {c}, true}};
  }
  default:
    return {};
  }
}

static double extendedFlops(const KernelSpec &s, int batch) {
  double elems = 1;
  for (int d : s.shape)
    elems *= d < 0 ? batch : d;
  switch (s.family) {
  case KernelFamily::Elementwise:
    return elems * double(s.ew.nodes.size());
  case KernelFamily::MatMul: {
    auto d = [&](int v) { return double(v < 0 ? batch : v); };
    return 2.0 * d(s.matmul.p) * d(s.matmul.r) * d(s.matmul.q);
  }
  case KernelFamily::Reduce:
  case KernelFamily::BatchNormStats:
    return 3.0 * elems;
  default:
    return 0; // data movement only
  }
}

} // namespace kiln::codegen
