//===- KernelSpec.cpp - Window arithmetic and kernel boundaries -----------===//
//
// Implements the Keras/TF window rules, the per-family argument lists that
// define the kernel boundary, and FLOP counts used by the benchmarks.
//
//===----------------------------------------------------------------------===//
#include "codegen/KernelSpec.h"

#include <algorithm>
#include <sstream>

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

std::string KernelSpec::signature() const {
  std::ostringstream os;
  os << familyName(family) << "_in" << height << "x" << width << "x"
     << channels;
  if (isConvFamily())
    os << "_k" << conv.kernelH << "x" << conv.kernelW << "x" << conv.filters
       << "_s" << conv.strideH << "x" << conv.strideW << "_d"
       << conv.dilationH << "x" << conv.dilationW << "_"
       << paddingName(conv.padding) << (conv.useBias ? "_bias" : "_nobias")
       << "_" << activationName(conv.activation);
  else if (isPoolFamily())
    os << "_p" << pool.poolH << "x" << pool.poolW << "_s" << pool.strideH
       << "x" << pool.strideW << "_" << paddingName(pool.padding);
  else
    os << "_u" << dense.units << (dense.useBias ? "_bias" : "_nobias") << "_"
       << activationName(dense.activation);
  return os.str();
}

std::vector<TensorArg> kernelArguments(const KernelSpec &s) {
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
    a.push_back({"output", {-1, oh, ow, s.conv.filters}, true});
    return a;
  }
  case KernelFamily::MaxPool2D:
  case KernelFamily::AvgPool2D:
    return {{"input", x, false}, {"output", {-1, oh, ow, s.channels}, true}};
  case KernelFamily::Dense: {
    std::vector<TensorArg> a = {{"input", {-1, s.channels}, false},
                                {"kernel", {s.channels, s.dense.units}, false}};
    if (s.dense.useBias)
      a.push_back({"bias", {s.dense.units}, false});
    a.push_back({"output", {-1, s.dense.units}, true});
    return a;
  }
  case KernelFamily::Conv2DBackpropInput:
    return {{"output_grad", {-1, oh, ow, s.conv.filters}, false},
            {"kernel",
             {s.conv.kernelH, s.conv.kernelW, s.channels, s.conv.filters},
             false},
            {"input_grad", x, true}};
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
  }
  return {};
}

double kernelFlops(const KernelSpec &s, int batch) {
  double oh = s.outH().out, ow = s.outW().out;
  double n = batch;
  switch (s.family) {
  case KernelFamily::Conv2D:
  case KernelFamily::Conv2DBackpropInput:
  case KernelFamily::Conv2DBackpropFilter:
    return 2.0 * n * oh * ow * s.conv.filters * s.conv.kernelH *
           s.conv.kernelW * s.channels;
  case KernelFamily::Conv2DBackpropBias:
    return n * oh * ow * s.conv.filters;
  case KernelFamily::MaxPool2D:
  case KernelFamily::AvgPool2D:
  case KernelFamily::MaxPool2DGrad:
    return n * oh * ow * s.channels * s.pool.poolH * s.pool.poolW;
  case KernelFamily::Dense:
    return 2.0 * n * s.channels * s.dense.units;
  }
  return 0;
}

} // namespace kiln::codegen
