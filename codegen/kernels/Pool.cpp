//===- Pool.cpp - MaxPool2D and AvgPool2D forward -------------------------===//
//
// Algorithm (input(c, x, y, n), window ph x pw, strides sy, sx):
//   padded(c, x, y, n) = input, or -inf (max) / 0 (avg) outside the image
//   pool(c, x, y, n)   = max / sum over the window of
//                        padded(c, x*sx + rx - pl, y*sy + ry - pt, n)
//   <layer>            = pool (max), or pool / count (avg), where count is the
//                        number of window elements inside the image (Keras/TF
//                        same padding averages over valid elements only).
//
// Default schedule: pooling is memory-bound (1 op per loaded element), so
//   1. vectorise over channels (tileChannels vectors per step, ShiftInwards),
//   2. compute the window reduction at that vector tile, fully unrolled for
//      windows up to 3x3,
//   3. parallelise over the batch.
// Measured (batch 128, 26x26x32 2x2/2): see docs/PERFORMANCE.md.
//
//===----------------------------------------------------------------------===//
#include "codegen/kernels/Kernels.h"

#include <limits>

using namespace Halide;

namespace kiln::codegen::kernels {

namespace {

struct PoolFuncs {
  ImageParam input;
  Func padded, pool, output;
  RDom r;
  Var c{"c"}, x{"x"}, y{"y"}, n{"n"};
};

PoolFuncs definePool(const KernelSpec &s) {
  PoolFuncs f;
  bool isMax = s.family == KernelFamily::MaxPool2D;
  std::vector<TensorArg> args = kernelArguments(s);
  f.input = makeInput(s, args[0]);
  const PoolAttrs &a = s.pool;
  WindowDim wh = s.outH(), ww = s.outW();
  Var c = f.c, x = f.x, y = f.y, n = f.n;

  Expr fill = isMax ? Expr(-std::numeric_limits<float>::infinity())
                    : Expr(0.0f);
  f.padded = Func(s.name + "_padded");
  if (a.padding == Padding::Same) {
    Expr inside = x >= 0 && x < s.width && y >= 0 && y < s.height;
    f.padded(c, x, y, n) = select(
        inside,
        f.input(c, clamp(x, 0, s.width - 1), clamp(y, 0, s.height - 1), n),
        fill);
  } else {
    f.padded(c, x, y, n) = f.input(c, x, y, n);
  }

  f.r = RDom(0, a.poolW, 0, a.poolH, s.name + "_r");
  Expr in = f.padded(c, x * a.strideW + f.r.x - ww.padBefore,
                     y * a.strideH + f.r.y - wh.padBefore, n);
  f.pool = Func(s.name + (isMax ? "_max_pool2d" : "_avg_pool2d"));
  f.pool(c, x, y, n) = fill;
  if (isMax)
    f.pool(c, x, y, n) = max(f.pool(c, x, y, n), in);
  else
    f.pool(c, x, y, n) += in;

  f.output = Func(s.name);
  if (isMax) {
    f.output(c, x, y, n) = f.pool(c, x, y, n);
  } else if (a.padding == Padding::Valid) {
    f.output(c, x, y, n) = f.pool(c, x, y, n) * (1.0f / (a.poolH * a.poolW));
  } else {
    Expr x0 = x * a.strideW - ww.padBefore, y0 = y * a.strideH - wh.padBefore;
    Expr cw = min(x0 + a.poolW, s.width) - max(x0, 0);
    Expr ch = min(y0 + a.poolH, s.height) - max(y0, 0);
    f.output(c, x, y, n) = f.pool(c, x, y, n) / cast<float>(cw * ch);
  }
  return f;
}

void schedulePool(PoolFuncs &f, const KernelSpec &s, const Schedule &sc) {
  Var c = f.c, x = f.x, y = f.y, n = f.n;
  Var co("co"), ci("ci");
  int vec = fitVector(sc.vectorWidth, s.channels);
  int tc = std::max(1, std::min(sc.tileChannels, s.channels / vec));
  f.output.split(c, co, ci, vec * tc, TailStrategy::ShiftInwards)
      .reorder(ci, co, x, y, n)
      .vectorize(ci, vec)
      .unroll(ci);
  f.pool.compute_at(f.output, co).vectorize(c, vec).unroll(c);
  Stage u = f.pool.update();
  u.reorder(c, f.r.x, f.r.y, x, y, n).vectorize(c, vec).unroll(c);
  if (s.pool.poolW <= 3 && s.pool.poolH <= 3)
    u.unroll(f.r.x).unroll(f.r.y);
  if (sc.parallel == "n" || sc.parallel == "ny")
    f.output.parallel(n);
  if (sc.parallel == "y" || sc.parallel == "ny")
    f.output.parallel(y);
}

} // namespace

KernelPipeline buildPool2D(const KernelSpec &s, const Schedule &sc) {
  if (s.pool.backward)
    return buildAvgPool2DGrad(s, sc);
  PoolFuncs f = definePool(s);
  schedulePool(f, s, sc);
  KernelPipeline k;
  k.inputs = {f.input};
  k.outputs = {f.output};
  return k;
}

} // namespace kiln::codegen::kernels
