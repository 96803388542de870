//===- Conv2D.cpp - Forward 2-D convolution (+bias, +relu) ----------------===//
//
// Algorithm (Halide dims innermost first; NHWC input is input(c, x, y, n),
// the HWIO kernel is kernel(co, ci, kx, ky)):
//   padded(c, x, y, n)   = input, or 0 outside the image (same padding only)
//   conv(co, x, y, n)    = bias(co) + sum_{ci, kx, ky}
//                          padded(ci, x*sx + kx*dx - pl, y*sy + ky*dy - pt, n)
//                          * kernel(co, ci, kx, ky)
//   <layer>(co, x, y, n) = relu(conv) or conv
//
// Default schedule (Schedule::computeAt == "tile"), after apps/conv_layer:
//   1. The output is split into register tiles of tileChannels vectors of
//      output channels by tileX output columns (ShiftInwards, so every tile
//      is full and the accumulator has constant extent).
//   2. conv is computed at each tile: its vectors stay in registers while the
//      reduction runs over (ci, kx, ky); each step loads tileChannels weight
//      vectors (contiguous in co) and broadcasts tileX input scalars.
//   3. Batch images run in parallel (Halide's thread pool); padded inputs are
//      staged once per image so the inner loop has no select.
//   Schedule::tileY > 1 (tuner only) also tiles tileY output rows (pooled
//   rows when a pool is fused) into the register tile, for taller, narrower
//   tiles (e.g. 2 vectors x 2 columns x 4 conv rows).
// Measured on the 2-thread AVX-512 host (AMD EPYC, batch 128, medians, see
// docs/PERFORMANCE.md): conv2 13x13x32->64 3x3: 4x5 tile; conv1 28x28x1->32
// 3x3: cin = 1 leaves 9 FMAs per output, so a 2x8 tile is used.
//
//===----------------------------------------------------------------------===//
#include "codegen/kernels/Kernels.h"

using namespace Halide;

namespace kiln::codegen::kernels {

namespace {

struct Conv2DFuncs {
  ImageParam input, kernel, bias;
  Func padded, conv, output;
  RDom r;
  Var c{"c"}, x{"x"}, y{"y"}, n{"n"};
  bool needsPadding = false;
};

Conv2DFuncs defineConv2D(const KernelSpec &s) {
  Conv2DFuncs f;
  std::vector<TensorArg> args = kernelArguments(s);
  f.input = makeInput(s, args[0]);
  f.kernel = makeInput(s, args[1]);
  if (s.conv.useBias)
    f.bias = makeInput(s, args[2]);
  const Conv2DAttrs &a = s.conv;
  WindowDim wh = s.outH(), ww = s.outW();
  Var c = f.c, x = f.x, y = f.y, n = f.n;

  f.padded = Func(s.name + "_padded");
  f.needsPadding = a.padding == Padding::Same &&
                   (wh.padBefore > 0 || ww.padBefore > 0 ||
                    (wh.out - 1) * a.strideH + (a.kernelH - 1) * a.dilationH >=
                        s.height ||
                    (ww.out - 1) * a.strideW + (a.kernelW - 1) * a.dilationW >=
                        s.width);
  if (f.needsPadding) {
    Expr inside = x >= 0 && x < s.width && y >= 0 && y < s.height;
    f.padded(c, x, y, n) = select(
        inside,
        f.input(c, clamp(x, 0, s.width - 1), clamp(y, 0, s.height - 1), n),
        0.0f);
  } else {
    f.padded(c, x, y, n) = f.input(c, x, y, n);
  }

  f.r = RDom(0, s.channels, 0, a.kernelW, 0, a.kernelH, s.name + "_r");
  RDom &r = f.r;
  f.conv = Func(s.name + "_conv2d");
  f.conv(c, x, y, n) = a.useBias ? f.bias(c) : Expr(0.0f);
  f.conv(c, x, y, n) +=
      f.padded(r.x, x * a.strideW + r.y * a.dilationW - ww.padBefore,
               y * a.strideH + r.z * a.dilationH - wh.padBefore, n) *
      f.kernel(c, r.x, r.y, r.z);

  Func act(s.name + (s.fusedPool.enabled ? "_act" : ""));
  if (a.activation == Activation::Relu)
    act(c, x, y, n) = max(f.conv(c, x, y, n), 0.0f);
  else
    act(c, x, y, n) = f.conv(c, x, y, n);
  f.output = act;
  if (s.fusedPool.enabled) {
    // Fused valid max pool: an unrolled max over the (small) window.
    const FusedPool &p = s.fusedPool;
    Expr m;
    for (int ky = 0; ky < p.poolH; ++ky)
      for (int kx = 0; kx < p.poolW; ++kx) {
        Expr v = act(c, x * p.strideW + kx, y * p.strideH + ky, n);
        m = m.defined() ? max(m, v) : v;
      }
    f.output = Func(s.name);
    f.output(c, x, y, n) = m;
  }
  return f;
}

void scheduleConv2D(Conv2DFuncs &f, const KernelSpec &s, const Schedule &sc) {
  Var c = f.c, x = f.x, y = f.y, n = f.n;
  Var co("co"), ci("ci"), xo("xo"), xi("xi");
  int cout = s.conv.filters, ow = s.outW().out;
  if (s.fusedPool.enabled) {
    // Tile = one pooled column: its poolH x poolW conv outputs per channel
    // vector are the accumulators (2x2 x 4 vectors = 16 for a 2x2 pool).
    ow = windowDim(ow, s.fusedPool.poolW, s.fusedPool.strideW, 1,
                   Padding::Valid)
             .out;
  }
  int vec = fitVector(sc.vectorWidth, cout);
  int tc = std::max(1, std::min(sc.tileChannels, cout / vec));
  int tx = s.fusedPool.enabled ? 1 : std::max(1, std::min(sc.tileX, ow));
  int oh = s.outH().out;
  if (s.fusedPool.enabled)
    oh = windowDim(oh, s.fusedPool.poolH, s.fusedPool.strideH, 1,
                   Padding::Valid)
             .out;
  int ty = std::max(1, std::min(sc.tileY, oh));
  Var yo("yo"), yi("yi");
  Var py = ty > 1 ? yo : y; // the row loop "y" parallelises

  if (sc.computeAt == "root") {
    f.conv.compute_root().vectorize(c, vec, TailStrategy::GuardWithIf);
    f.conv.update().vectorize(c, vec, TailStrategy::GuardWithIf);
    f.output.vectorize(c, vec, TailStrategy::ShiftInwards);
  } else {
    f.output.split(c, co, ci, vec * tc, TailStrategy::ShiftInwards)
        .split(x, xo, xi, tx, TailStrategy::ShiftInwards);
    if (ty > 1)
      f.output.split(y, yo, yi, ty, TailStrategy::ShiftInwards)
          .reorder(ci, xi, yi, xo, co, yo, n)
          .unroll(yi);
    else
      f.output.reorder(ci, xi, xo, co, y, n);
    f.output.vectorize(ci, vec).unroll(ci).unroll(xi);
    f.conv.compute_at(f.output, xo)
        .vectorize(c, vec)
        .unroll(c)
        .unroll(x)
        .unroll(y);
    Stage u = f.conv.update();
    u.reorder(c, x, y, f.r.x, f.r.y, f.r.z, n)
        .vectorize(c, vec)
        .unroll(c)
        .unroll(x)
        .unroll(y);
    if (sc.unrollReduction > 1 && s.channels % sc.unrollReduction == 0)
      u.unroll(f.r.x, sc.unrollReduction);
  }
  if (sc.parallel == "n" || sc.parallel == "ny")
    f.output.parallel(n);
  if (sc.parallel == "y" || sc.parallel == "ny")
    f.output.parallel(sc.computeAt == "root" ? y : py);

  if (f.needsPadding) {
    int pv = fitVector(vec, s.channels);
    if (sc.storeAt == "image")
      f.padded.compute_at(f.output, n).vectorize(c, pv, TailStrategy::ShiftInwards);
    else if (sc.storeAt == "root")
      f.padded.compute_root().vectorize(c, pv, TailStrategy::ShiftInwards);
  }
}

} // namespace

KernelPipeline buildConv2D(const KernelSpec &s, const Schedule &sc) {
  Conv2DFuncs f = defineConv2D(s);
  scheduleConv2D(f, s, sc);
  KernelPipeline k;
  k.inputs = {f.input, f.kernel};
  if (s.conv.useBias)
    k.inputs.push_back(f.bias);
  k.outputs = {f.output};
  return k;
}

} // namespace kiln::codegen::kernels
