//===- Shape.cpp - Concatenate, ZeroPadding2D, batch-norm statistics ------===//
//
// Algorithms (Halide order, d0 = the last Keras axis):
// 1. concatenate along axis a (Halide dim h = rank-1-a), offsets o_k the
//    running sum of the inputs' extents: <layer>(..., x, ...) =
//    input_k(..., x - o_k, ...) for the k with o_k <= x < o_{k+1} (a select
//    chain, indices clamped into each input).
// 2. zero_padding2d: <layer>(c, x, y, n) = input(c - front, x - left,
//    y - top, n) inside the image, else 0 (negative amounts crop: nn.slice).
// 3. batch_norm_stats over [N, ..., C]: mean(c) = sum / count, then
//    variance(c) = sum (x - mean(c))^2 / count (biased, as Keras's training
//    statistics), each a serial sum over (n, ...) in a fixed order:
//    deterministic.
//
// Default schedule: data movement, so the last axis is vectorised
// (GuardWithIf) and the batch parallelised; the statistics vectorise the
// channels and run their reduction serially inside.
//
//===----------------------------------------------------------------------===//
#include "codegen/kernels/Kernels.h"

using namespace Halide;

namespace kiln::codegen::kernels {

namespace {

std::vector<Var> makeVars(int rank) {
  std::vector<Var> v;
  for (int i = 0; i < rank; ++i)
    v.push_back(Var("d" + std::to_string(i)));
  return v;
}

void scheduleCopy(Func out, const std::vector<Var> &v, int inner,
                  const Schedule &sc) {
  int rank = int(v.size());
  int vec = fitVector(sc.vectorWidth, inner);
  if (vec > 1)
    out.vectorize(v[0], vec, TailStrategy::GuardWithIf);
  if (rank > 1 && sc.parallel != "none")
    out.parallel(v[rank - 1]);
}

KernelPipeline buildConcatenate(const KernelSpec &s, const Schedule &sc) {
  std::vector<TensorArg> args = kernelArguments(s);
  const ConcatAttrs &a = s.concat;
  int rank = int(s.shape.size());
  size_t nIn = a.inputShapes.size();
  if (nIn < 1 || (a.axis == 0 && s.shape[0] < 0))
    throw CompileError(s.name + ": concatenate needs inputs and a static axis");
  std::vector<Var> v = makeVars(rank);
  int h = rank - 1 - a.axis;
  KernelPipeline k;
  Expr value;
  int offset = 0;
  for (size_t i = 0; i < nIn; ++i) {
    ImageParam in = makeInput(s, args[i]);
    k.inputs.push_back(in);
    int ext = a.inputShapes[i][a.axis];
    std::vector<Expr> idx(v.begin(), v.end());
    idx[h] = clamp(v[h] - offset, 0, ext - 1);
    value = i ? select(v[h] >= offset, in(idx), value) : in(idx);
    offset += ext;
  }
  Func out(s.name);
  out(v) = value;
  scheduleCopy(out, v, s.shape.back(), sc);
  k.outputs = {out};
  return k;
}

KernelPipeline buildZeroPadding2D(const KernelSpec &s, const Schedule &sc) {
  std::vector<TensorArg> args = kernelArguments(s);
  ImageParam in = makeInput(s, args[0]);
  Var c("c"), x("x"), y("y"), n("n");
  const PadAttrs &p = s.pad;
  Expr ix = x - p.left, iy = y - p.top, ic = c - p.front;
  Expr inside = ix >= 0 && ix < s.width && iy >= 0 && iy < s.height;
  if (p.front > 0 || p.back > 0)
    inside = inside && ic >= 0 && ic < s.channels;
  Func out(s.name);
  out(c, x, y, n) = select(inside,
                           in(clamp(ic, 0, s.channels - 1),
                              clamp(ix, 0, s.width - 1),
                              clamp(iy, 0, s.height - 1), n),
                           0.0f);
  scheduleCopy(out, {c, x, y, n}, s.channels + p.front + p.back, sc);
  KernelPipeline k;
  k.inputs = {in};
  k.outputs = {out};
  return k;
}

KernelPipeline buildBatchNormStats(const KernelSpec &s, const Schedule &sc) {
  std::vector<TensorArg> args = kernelArguments(s);
  ImageParam in = makeInput(s, args[0]);
  int rank = int(s.shape.size());
  Region others;
  Expr count = 1;
  for (int d = 1; d < rank; ++d) {
    Expr ext = s.shape[rank - 1 - d] < 0 ? in.dim(d).extent()
                                         : Expr(s.shape[rank - 1 - d]);
    others.push_back(Range(0, ext));
    count = count * ext;
  }
  RDom r(others, s.name + "_r");
  Var c("c");
  auto at = [&](Expr ch) {
    std::vector<Expr> idx = {ch};
    for (int i = 0; i < r.dimensions(); ++i)
      idx.push_back(r[i]);
    return in(idx);
  };
  Expr fcount = cast<float>(count);
  Func sum(s.name + "_sum"), mean(s.name + "_mean");
  sum(c) = 0.0f;
  sum(c) += at(c);
  mean(c) = sum(c) / fcount;
  Func sq(s.name + "_sq"), var(s.name + "_variance");
  sq(c) = 0.0f;
  Expr d = at(c) - mean(c);
  sq(c) += d * d;
  var(c) = sq(c) / fcount;

  int vec = fitVector(sc.vectorWidth, s.shape.back());
  for (Func f : {sum, sq}) {
    f.compute_root();
    if (vec > 1)
      f.vectorize(c, vec, TailStrategy::GuardWithIf)
          .update()
          .vectorize(c, vec, TailStrategy::GuardWithIf);
  }
  KernelPipeline k;
  k.inputs = {in};
  k.outputs = {mean, var};
  return k;
}

} // namespace

KernelPipeline buildShape(const KernelSpec &s, const Schedule &sc) {
  switch (s.family) {
  case KernelFamily::Concatenate:
    return buildConcatenate(s, sc);
  case KernelFamily::ZeroPadding2D:
    return buildZeroPadding2D(s, sc);
  case KernelFamily::BatchNormStats:
    return buildBatchNormStats(s, sc);
  default:
    throw CompileError(s.name + ": not a shape family");
  }
}

} // namespace kiln::codegen::kernels
