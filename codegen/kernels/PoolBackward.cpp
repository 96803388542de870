//===- PoolBackward.cpp - MaxPool2D gradient ------------------------------===//
//
// Algorithm (gather form, so no output element is written twice):
//   1. argmax(c, ox, oy, n) = index ry*pw + rx of the first maximum of the
//      window in window order (rows, then columns; strict '>' keeps the
//      first), padded positions holding -inf.
//   2. For input position (x, y), the windows that contain it are
//      oy = (y + pt)/sy - j for j < ceil(ph/sy) with 0 <= oy < OH and
//      y + pt - oy*sy < ph (likewise for x).
//      dx(c, x, y, n) = sum over those windows of dy(c, ox, oy, n) where the
//      window's argmax is (x, y).
//
// Default schedule: argmax is computed once per image (vectorised over
// channels); dx is vectorised over channels with the candidate-window loop
// unrolled; images in parallel. Memory-bound like the forward pool.
//
//===----------------------------------------------------------------------===//
#include "codegen/kernels/Kernels.h"

#include <limits>

using namespace Halide;

namespace kiln::codegen::kernels {

KernelPipeline buildMaxPool2DGrad(const KernelSpec &s, const Schedule &sc) {
  std::vector<TensorArg> args = kernelArguments(s);
  ImageParam in = makeInput(s, args[0]);
  ImageParam dy = makeInput(s, args[1]);
  const PoolAttrs &a = s.pool;
  WindowDim wh = s.outH(), ww = s.outW();
  int pl = ww.padBefore, pt = wh.padBefore;
  Var c("c"), x("x"), y("y"), n("n");

  // 1. First argmax per window.
  Func padded(s.name + "_padded");
  if (a.padding == Padding::Same) {
    Expr inside = x >= 0 && x < s.width && y >= 0 && y < s.height;
    padded(c, x, y, n) = select(
        inside, in(c, clamp(x, 0, s.width - 1), clamp(y, 0, s.height - 1), n),
        -std::numeric_limits<float>::infinity());
  } else {
    padded(c, x, y, n) = in(c, x, y, n);
  }
  RDom rw(0, a.poolW, 0, a.poolH, s.name + "_rw");
  Func argmax(s.name + "_argmax");
  argmax(c, x, y, n) = {0, -std::numeric_limits<float>::infinity()};
  Expr v = padded(c, x * a.strideW + rw.x - pl, y * a.strideH + rw.y - pt, n);
  Expr better = v > argmax(c, x, y, n)[1];
  argmax(c, x, y, n) = {select(better, rw.y * a.poolW + rw.x, argmax(c, x, y, n)[0]),
                        select(better, v, argmax(c, x, y, n)[1])};

  // 2. Gather the gradient of every window whose argmax is (x, y).
  int jx = (a.poolW + a.strideW - 1) / a.strideW;
  int jy = (a.poolH + a.strideH - 1) / a.strideH;
  RDom rc(0, jx, 0, jy, s.name + "_rc");
  Expr ox = (x + pl) / a.strideW - rc.x, oy = (y + pt) / a.strideH - rc.y;
  Expr dxw = x + pl - ox * a.strideW, dyw = y + pt - oy * a.strideH;
  Expr valid = ox >= 0 && ox < ww.out && oy >= 0 && oy < wh.out &&
               dxw < a.poolW && dyw < a.poolH;
  Expr oxc = clamp(ox, 0, ww.out - 1), oyc = clamp(oy, 0, wh.out - 1);
  Expr chosen = argmax(c, oxc, oyc, n)[0] == dyw * a.poolW + dxw;
  Func acc(s.name + "_max_pool2d_grad");
  acc(c, x, y, n) = 0.0f;
  acc(c, x, y, n) += select(valid && chosen, dy(c, oxc, oyc, n), 0.0f);
  Func out(s.name + "_input_grad");
  // Fused relu gradient: the pool's input is relu's output, positive
  // exactly where relu passed its gradient.
  out(c, x, y, n) = a.reluMask ? select(in(c, x, y, n) > 0.0f,
                                        acc(c, x, y, n), 0.0f)
                               : acc(c, x, y, n);

  // Schedule.
  int vec = fitVector(sc.vectorWidth, s.channels);
  int tc = std::max(1, std::min(sc.tileChannels, s.channels / vec));
  Var co("co"), ci("ci");
  out.split(c, co, ci, vec * tc, TailStrategy::ShiftInwards)
      .reorder(ci, co, x, y, n)
      .vectorize(ci, vec)
      .unroll(ci);
  acc.compute_at(out, co).vectorize(c, vec).unroll(c);
  acc.update()
      .reorder(c, rc.x, rc.y, x, y, n)
      .vectorize(c, vec)
      .unroll(c)
      .unroll(rc.x)
      .unroll(rc.y);
  argmax.compute_at(out, n).vectorize(c, vec, TailStrategy::ShiftInwards);
  Stage am = argmax.update();
  am.reorder(c, rw.x, rw.y, x, y, n)
      .vectorize(c, vec, TailStrategy::GuardWithIf);
  if (a.poolW <= 3 && a.poolH <= 3)
    am.unroll(rw.x).unroll(rw.y);
  if (sc.parallel == "n" || sc.parallel == "ny")
    out.parallel(n);
  if (sc.parallel == "y" || sc.parallel == "ny")
    out.parallel(y);

  KernelPipeline k;
  k.inputs = {in, dy};
  k.outputs = {out};
  return k;
}

} // namespace kiln::codegen::kernels
