//===- Dense.cpp - Fully connected layer (+bias, relu/softmax) ------------===//
//
// Algorithm (input(k, n), kernel(m, k) = Keras W[K, M], bias(m)):
//   dense(m, n)   = bias(m) + sum_k input(k, n) * kernel(m, k)
//   <layer>(m, n) = dense, relu(dense), or softmax over m:
//                   exp(dense - max_m dense) / sum_m exp(dense - max_m dense)
//
// Default schedule:
//   1. Register tile of tileChannels vectors of units by tileX batch rows;
//      each reduction step loads the weight vectors once and broadcasts one
//      input scalar per row, giving tileX independent FMA chains.
//   2. The batch is dynamic, so the row tile is used under
//      specialize(N >= tileX) (ShiftInwards needs a full tile); smaller
//      batches take the one-row-per-tile fallback.
//   3. Softmax needs whole rows, so the tiled Func is then the logits,
//      computed at root (N x units floats), and max/exp/sum run per row.
// Measured (1600 -> 10 softmax, batch 128): one row per task with a single
// in-memory accumulator took 1.6 ms (2.6 GFLOP/s); the 8-row register tile
// on the logits: see docs/PERFORMANCE.md.
//
//===----------------------------------------------------------------------===//
#include "codegen/kernels/Kernels.h"

using namespace Halide;

namespace kiln::codegen::kernels {

namespace {

struct DenseFuncs {
  ImageParam input, kernel, bias;
  Func dense, logits, rowMax, expd, rowSum, output;
  RDom r, rm;
  Var m{"m"}, n{"n"};
};

DenseFuncs defineDense(const KernelSpec &s) {
  DenseFuncs f;
  std::vector<TensorArg> args = kernelArguments(s);
  f.input = makeInput(s, args[0]);
  f.kernel = makeInput(s, args[1]);
  if (s.dense.useBias)
    f.bias = makeInput(s, args[2]);
  Var m = f.m, n = f.n;
  f.r = RDom(0, s.channels, s.name + "_r");
  f.dense = Func(s.name + "_dense");
  f.dense(m, n) = s.dense.useBias ? f.bias(m) : Expr(0.0f);
  f.dense(m, n) += f.input(f.r, n) * f.kernel(m, f.r);

  f.output = Func(s.name);
  switch (s.dense.activation) {
  case Activation::None:
    f.output(m, n) = f.dense(m, n);
    break;
  case Activation::Relu:
    f.output(m, n) = max(f.dense(m, n), 0.0f);
    break;
  case Activation::Softmax:
    f.logits = Func(s.name + "_logits");
    f.logits(m, n) = f.dense(m, n);
    f.rm = RDom(0, s.dense.units, s.name + "_rm");
    f.rowMax = Func(s.name + "_softmax_max");
    f.rowMax(n) = f.logits(0, n);
    f.rowMax(n) = max(f.rowMax(n), f.logits(f.rm, n));
    f.expd = Func(s.name + "_softmax_exp");
    f.expd(m, n) = exp(f.logits(m, n) - f.rowMax(n));
    f.rowSum = Func(s.name + "_softmax_sum");
    f.rowSum(n) = 0.0f;
    f.rowSum(n) += f.expd(f.rm, n);
    f.output(m, n) = f.expd(m, n) / f.rowSum(n);
    break;
  }
  return f;
}

void scheduleDense(DenseFuncs &f, const KernelSpec &s, const Schedule &sc) {
  Var m = f.m, n = f.n;
  int units = s.dense.units;
  int vec = fitVector(sc.vectorWidth, units);
  bool parallel = sc.parallel != "none";
  // The register-tiled Func: the output, or the logits before softmax.
  Func tiled = f.output;
  if (s.dense.activation == Activation::Softmax) {
    tiled = f.logits;
    f.logits.compute_root();
    f.output.vectorize(m, vec, TailStrategy::GuardWithIf);
    f.expd.compute_at(f.output, n).vectorize(m, vec, TailStrategy::GuardWithIf);
    f.rowMax.compute_at(f.output, n);
    f.rowSum.compute_at(f.output, n);
  }
  int tc = std::max(1, std::min(sc.tileChannels, units / vec));
  int tn = std::max(1, sc.tileX);
  Var mo("mo"), mi("mi"), no("no"), ni("ni");
  Expr batch = f.output.output_buffer().dim(1).extent();
  // Both branches split m the same way so that dense can be computed at mo.
  Stage big = tiled.specialize(batch >= tn);
  big.split(m, mo, mi, vec * tc, TailStrategy::ShiftInwards)
      .split(n, no, ni, tn, TailStrategy::ShiftInwards)
      .reorder(mi, ni, mo, no)
      .vectorize(mi, vec)
      .unroll(mi)
      .unroll(ni);
  if (parallel)
    big.parallel(no);
  tiled.split(m, mo, mi, vec * tc, TailStrategy::ShiftInwards)
      .reorder(mi, mo, n)
      .vectorize(mi, vec)
      .unroll(mi);
  if (parallel)
    tiled.parallel(n);
  f.dense.compute_at(tiled, mo).vectorize(m, vec).unroll(m).unroll(n);
  f.dense.update()
      .reorder(m, n, f.r)
      .vectorize(m, vec)
      .unroll(m)
      .unroll(n);
}

} // namespace

KernelPipeline buildDense(const KernelSpec &s, const Schedule &sc) {
  DenseFuncs f = defineDense(s);
  scheduleDense(f, s, sc);
  KernelPipeline k;
  k.inputs = {f.input, f.kernel};
  if (s.dense.useBias)
    k.inputs.push_back(f.bias);
  k.outputs = {f.output};
  return k;
}

} // namespace kiln::codegen::kernels
