//===- PoolBackward.cpp - MaxPool2D and AvgPool2D gradients ---------------===//
//
// Max pool. Algorithm (gather form, so no output element is written twice):
//   1. argmax(c, ox, oy, n) = index ry*pw + rx of the first maximum of the
//      window in window order (rows, then columns; strict '>' keeps the
//      first), padded positions holding -inf.
//   2. For input position (x, y), the windows that contain it are
//      oy = (y + pt)/sy - j for j < ceil(ph/sy) with 0 <= oy < OH and
//      y + pt - oy*sy < ph (likewise for x).
//      dx(c, x, y, n) = sum over those windows of dy(c, ox, oy, n) where the
//      window's argmax is (x, y).
//
// Default schedule: argmax is computed per output tile for disjoint windows,
// else once per image (vectorised over channels); dx is vectorised over
// channels with the candidate-window loop unrolled; images in parallel.
// Memory-bound like the forward pool.
//
// The algorithm and schedule are also conv2d_backprop_input's epilogue
// (ConvBackward.cpp), where dy is the convolution's Func, computed per strip
// of dx's rows.
//
// Average pool (AvgPool2D with pool.backward), gather form too:
//   dx(c, x, y, n) = sum over the windows (ox, oy) holding (x, y), found as
//   above, of dy(c, ox, oy, n) / count(ox, oy), count the window's number of
//   elements inside the image (the forward pool's divisor).
// Schedule: as the max pool's gradient, without the argmax.
//
//===----------------------------------------------------------------------===//
#include "codegen/kernels/Kernels.h"

#include <limits>

using namespace Halide;

namespace kiln::codegen::kernels {

namespace {

/// Both pool gradients sum, for each input, over the windows that cover it
/// (`rc`): computed per channel tile `co` of `out`, the tile in vector
/// registers, the few windows unrolled.
void scheduleWindowSum(Func acc, Func out, Var co, RDom rc, Var c, Var x,
                       Var y, Var n, int vec) {
  acc.compute_at(out, co).vectorize(c, vec).unroll(c);
  acc.update()
      .reorder(c, rc.x, rc.y, x, y, n)
      .vectorize(c, vec)
      .unroll(c)
      .unroll(rc.x)
      .unroll(rc.y);
}

} // namespace

MaxPoolGrad defineMaxPoolGrad(const std::string &prefix, int height,
                              int width, const PoolAttrs &a, Func in,
                              Func dy) {
  WindowDim wh = windowDim(height, a.poolH, a.strideH, 1, a.padding);
  WindowDim ww = windowDim(width, a.poolW, a.strideW, 1, a.padding);
  int pl = ww.padBefore, pt = wh.padBefore;
  MaxPoolGrad g;
  Var c = g.c, x = g.x, y = g.y, n = g.n;

  // 1. First argmax per window.
  Func padded(prefix + "_padded");
  if (a.padding == Padding::Same) {
    Expr inside = x >= 0 && x < width && y >= 0 && y < height;
    padded(c, x, y, n) = select(
        inside, in(c, clamp(x, 0, width - 1), clamp(y, 0, height - 1), n),
        -std::numeric_limits<float>::infinity());
  } else {
    padded(c, x, y, n) = in(c, x, y, n);
  }
  g.rw = RDom(0, a.poolW, 0, a.poolH, prefix + "_rw");
  RDom rw = g.rw;
  g.argmax = Func(prefix + "_argmax");
  Func argmax = g.argmax;
  argmax(c, x, y, n) = {0, -std::numeric_limits<float>::infinity()};
  Expr v = padded(c, x * a.strideW + rw.x - pl, y * a.strideH + rw.y - pt, n);
  Expr better = v > argmax(c, x, y, n)[1];
  argmax(c, x, y, n) = {select(better, rw.y * a.poolW + rw.x, argmax(c, x, y, n)[0]),
                        select(better, v, argmax(c, x, y, n)[1])};

  // 2. Gather the gradient of every window whose argmax is (x, y).
  int jx = (a.poolW + a.strideW - 1) / a.strideW;
  int jy = (a.poolH + a.strideH - 1) / a.strideH;
  g.rc = RDom(0, jx, 0, jy, prefix + "_rc");
  RDom rc = g.rc;
  Expr ox = (x + pl) / a.strideW - rc.x, oy = (y + pt) / a.strideH - rc.y;
  Expr dxw = x + pl - ox * a.strideW, dyw = y + pt - oy * a.strideH;
  Expr valid = ox >= 0 && ox < ww.out && oy >= 0 && oy < wh.out &&
               dxw < a.poolW && dyw < a.poolH;
  Expr oxc = clamp(ox, 0, ww.out - 1), oyc = clamp(oy, 0, wh.out - 1);
  Expr chosen = argmax(c, oxc, oyc, n)[0] == dyw * a.poolW + dxw;
  g.acc = Func(prefix + "_max_pool2d_grad");
  Func acc = g.acc;
  acc(c, x, y, n) = 0.0f;
  acc(c, x, y, n) += select(valid && chosen, dy(c, oxc, oyc, n), 0.0f);
  g.out = Func(prefix + "_input_grad");
  // Fused relu gradient: the pool's input is relu's output, positive
  // exactly where relu passed its gradient.
  g.out(c, x, y, n) = a.reluMask ? select(in(c, x, y, n) > 0.0f,
                                          acc(c, x, y, n), 0.0f)
                                 : acc(c, x, y, n);
  return g;
}

Var scheduleMaxPoolGrad(MaxPoolGrad &g, int channels, const PoolAttrs &a,
                        const Schedule &sc, int tileChannels, int rows) {
  Var c = g.c, x = g.x, y = g.y, n = g.n;
  Func out = g.out, acc = g.acc, argmax = g.argmax;
  RDom rw = g.rw, rc = g.rc;
  int vec = fitVector(sc.vectorWidth, channels);
  int tc = std::max(1, std::min(tileChannels, channels / vec));
  Var co("co"), ci("ci"), yo("yo"), yi("yi");
  out.split(c, co, ci, vec * tc, TailStrategy::ShiftInwards);
  Var rowLoop = y;
  if (rows > 0) {
    out.split(y, yo, yi, rows, TailStrategy::ShiftInwards)
        .reorder(ci, co, x, yi, yo, n);
    rowLoop = yo;
  } else {
    out.reorder(ci, co, x, y, n);
  }
  out.vectorize(ci, vec).unroll(ci);
  scheduleWindowSum(acc, out, co, rc, c, x, y, n, vec);
  // Disjoint windows (stride >= pool): each output tile's one window is
  // searched where the tile is computed (from L1, no argmax buffer):
  // seed's first pool gradient with relu, batch 128, one thread, 1.06 ms
  // against 1.58 with the argmax of the whole image first. Overlapping
  // windows would search each window once per position it covers: once
  // per image.
  bool disjoint = a.strideH >= a.poolH && a.strideW >= a.poolW;
  argmax.compute_at(out, disjoint ? co : n)
      .vectorize(c, vec, TailStrategy::ShiftInwards);
  Stage am = argmax.update();
  am.reorder(c, rw.x, rw.y, x, y, n)
      .vectorize(c, vec, TailStrategy::GuardWithIf);
  if (a.poolW <= 3 && a.poolH <= 3)
    am.unroll(rw.x).unroll(rw.y);
  if (sc.parallel == "n" || sc.parallel == "ny")
    out.parallel(n);
  if (sc.parallel == "y" || sc.parallel == "ny")
    out.parallel(rowLoop);
  return rows > 0 ? yo : Var();
}

KernelPipeline buildMaxPool2DGrad(const KernelSpec &s, const Schedule &sc) {
  std::vector<TensorArg> args = kernelArguments(s);
  ImageParam in = makeInput(s, args[0]);
  ImageParam dy = makeInput(s, args[1]);
  MaxPoolGrad g =
      defineMaxPoolGrad(s.name, s.height, s.width, s.pool, in, dy);
  scheduleMaxPoolGrad(g, s.channels, s.pool, sc, sc.tileChannels, 0);
  KernelPipeline k;
  k.inputs = {in, dy};
  k.outputs = {g.out};
  return k;
}

KernelPipeline buildAvgPool2DGrad(const KernelSpec &s, const Schedule &sc) {
  std::vector<TensorArg> args = kernelArguments(s);
  ImageParam dy = makeInput(s, args[0]);
  const PoolAttrs &a = s.pool;
  WindowDim wh = s.outH(), ww = s.outW();
  int pl = ww.padBefore, pt = wh.padBefore;
  Var c("c"), x("x"), y("y"), n("n");
  int jx = (a.poolW + a.strideW - 1) / a.strideW;
  int jy = (a.poolH + a.strideH - 1) / a.strideH;
  RDom rc(0, jx, 0, jy, s.name + "_rc");
  Expr ox = (x + pl) / a.strideW - rc.x, oy = (y + pt) / a.strideH - rc.y;
  Expr valid = ox >= 0 && ox < ww.out && oy >= 0 && oy < wh.out &&
               x + pl - ox * a.strideW < a.poolW &&
               y + pt - oy * a.strideH < a.poolH;
  Expr oxc = clamp(ox, 0, ww.out - 1), oyc = clamp(oy, 0, wh.out - 1);
  Expr x0 = oxc * a.strideW - pl, y0 = oyc * a.strideH - pt;
  Expr count = (min(x0 + a.poolW, s.width) - max(x0, 0)) *
               (min(y0 + a.poolH, s.height) - max(y0, 0));
  Func acc(s.name + "_avg_pool2d_grad");
  acc(c, x, y, n) = 0.0f;
  acc(c, x, y, n) +=
      select(valid, dy(c, oxc, oyc, n) / cast<float>(count), 0.0f);
  Func out(s.name + "_input_grad");
  out(c, x, y, n) = acc(c, x, y, n);

  int vec = fitVector(sc.vectorWidth, s.channels);
  int tc = std::max(1, std::min(sc.tileChannels, s.channels / vec));
  Var co("co"), ci("ci");
  out.split(c, co, ci, vec * tc, TailStrategy::ShiftInwards)
      .reorder(ci, co, x, y, n)
      .vectorize(ci, vec)
      .unroll(ci);
  scheduleWindowSum(acc, out, co, rc, c, x, y, n, vec);
  if (sc.parallel == "n" || sc.parallel == "ny")
    out.parallel(n);
  if (sc.parallel == "y" || sc.parallel == "ny")
    out.parallel(y);
  KernelPipeline k;
  k.inputs = {dy};
  k.outputs = {out};
  return k;
}

} // namespace kiln::codegen::kernels
