//===- MatMul.cpp - C = op(A) . op(B) (Dense backward) --------------------===//
//
// Algorithm (Halide order, C(q, p) = Keras C[p, q]):
//   a_op(r, p) = A[p, r] or, transposed, A[r, p]
//   b_op(q, r) = B[r, q] or, transposed, B[q, r]
//   <layer>_matmul(q, p) = sum_r a_op(r, p) * b_op(q, r)
// Dense backward uses it as dx = dy . W^T ([N, M] . [K, M]^T, p = N the
// batch) and dW = x^T . dy ([N, K]^T . [N, M], r = N the batch).
//
// Default schedule, r static (the batch, if any, is p):
//   1. b_op is staged once (compute_root) with q contiguous, so a transposed
//      B is read as vectors.
//   2. Register tile of tileChannels vectors of q by tileX rows of p, the
//      reduction over r innermost with the tile in registers (as Dense);
//      p dynamic: the row tile under specialize(P >= tileX).
// Default schedule, r dynamic (a reduction over the batch):
//   1. The batch is split into fixed chunks of rfactorChunk samples:
//      partial(p, q, u) sums its chunk in order (past-the-end samples masked
//      to 0), chunks run in parallel, and <layer> adds the partials in
//      chunk order: the same bits for any thread count.
//   2. partial keeps p (the long axis, K = 1600 in the seed) contiguous:
//      tileChannels vectors of p by tileX columns q in registers.
//
//===----------------------------------------------------------------------===//
#include "codegen/kernels/Kernels.h"

using namespace Halide;

namespace kiln::codegen::kernels {

namespace {

KernelPipeline matmulStaticInner(const KernelSpec &s, const Schedule &sc,
                                 ImageParam A, ImageParam B) {
  const MatMulAttrs &m = s.matmul;
  Var q("q"), p("p"), r("r");
  Func aOp(s.name + "_a_op"), bOp(s.name + "_b_op");
  aOp(r, p) = m.transposeA ? A(p, r) : A(r, p);
  bOp(q, r) = m.transposeB ? B(r, q) : B(q, r);
  RDom rr(0, m.r, s.name + "_r");
  Func acc(s.name + "_matmul");
  acc(q, p) = 0.0f;
  acc(q, p) += aOp(rr, p) * bOp(q, rr);
  Func out(s.name);
  out(q, p) = acc(q, p);

  // Schedule (see banner).
  int vec = fitVector(sc.vectorWidth, m.q);
  int tc = std::max(1, std::min(sc.tileChannels, m.q / vec));
  int tp = std::max(1, sc.tileX);
  if (m.p > 0)
    tp = std::min(tp, m.p);
  bool parallel = sc.parallel != "none";
  Var qo("qo"), qi("qi"), po("po"), pi("pi");
  Expr rows = out.output_buffer().dim(1).extent();
  Stage big = m.p < 0 ? Stage(out.specialize(rows >= tp)) : Stage(out);
  big.split(q, qo, qi, vec * tc, TailStrategy::ShiftInwards)
      .split(p, po, pi, tp, TailStrategy::ShiftInwards)
      .reorder(qi, pi, qo, po)
      .vectorize(qi, vec)
      .unroll(qi)
      .unroll(pi);
  if (parallel)
    big.parallel(po);
  if (m.p < 0) {
    out.split(q, qo, qi, vec * tc, TailStrategy::ShiftInwards)
        .reorder(qi, qo, p)
        .vectorize(qi, vec)
        .unroll(qi);
    if (parallel)
      out.parallel(p);
  }
  acc.compute_at(out, qo).vectorize(q, vec).unroll(q).unroll(p);
  acc.update().reorder(q, p, rr).vectorize(q, vec).unroll(q).unroll(p);
  if (m.transposeB)
    bOp.compute_root().vectorize(q, vec, TailStrategy::GuardWithIf);

  KernelPipeline k;
  k.inputs = {A, B};
  k.outputs = {out};
  return k;
}

KernelPipeline matmulBatchInner(const KernelSpec &s, const Schedule &sc,
                                ImageParam A, ImageParam B) {
  const MatMulAttrs &m = s.matmul;
  Var q("q"), p("p"), u("u");
  // A is [N, P] (A(p, n)), B is [N, Q] (B(q, n)).
  Expr batch = A.dim(1).extent();
  int chunk = sc.rfactor ? std::max(1, sc.rfactorChunk) : 0;
  Func out(s.name);
  Func acc(s.name + "_matmul");
  Func partial(s.name + "_partial");
  RDom rj;
  if (chunk) {
    rj = RDom(0, chunk, s.name + "_rj");
    Expr n = u * chunk + rj;
    Expr nc = min(n, batch - 1);
    acc(p, q, u) = 0.0f;
    acc(p, q, u) += select(n < batch, A(p, nc) * B(q, nc), 0.0f);
    partial(p, q, u) = acc(p, q, u);
    RDom ru(0, (batch + chunk - 1) / chunk, s.name + "_ru");
    out(q, p) = 0.0f;
    out(q, p) += partial(p, q, ru);
  } else {
    rj = RDom(0, batch, s.name + "_rn");
    acc(p, q, u) = 0.0f;
    acc(p, q, u) += A(p, rj) * B(q, rj);
    partial(p, q, u) = acc(p, q, u);
    out(q, p) = partial(p, q, 0);
  }

  // Schedule (see banner).
  int vec = fitVector(sc.vectorWidth, m.p);
  int tc = std::max(1, std::min(sc.tileChannels, m.p / vec));
  int tq = std::max(1, std::min(sc.tileX, m.q));
  Var po("po"), pi("pi"), qo("qo"), qi("qi");
  partial.compute_root()
      .split(p, po, pi, vec * tc, TailStrategy::ShiftInwards)
      .split(q, qo, qi, tq, TailStrategy::ShiftInwards)
      .reorder(pi, qi, po, qo, u)
      .vectorize(pi, vec)
      .unroll(pi)
      .unroll(qi);
  if (chunk && sc.parallel != "none")
    partial.parallel(u);
  acc.compute_at(partial, po).vectorize(p, vec).unroll(p).unroll(q);
  acc.update().reorder(p, q, rj.x, u).vectorize(p, vec).unroll(p).unroll(q);
  int vq = fitVector(sc.vectorWidth, m.q);
  out.vectorize(q, vq, TailStrategy::GuardWithIf);
  if (chunk)
    out.update().vectorize(q, vq, TailStrategy::GuardWithIf);

  KernelPipeline k;
  k.inputs = {A, B};
  k.outputs = {out};
  return k;
}

} // namespace

KernelPipeline buildMatMul(const KernelSpec &s, const Schedule &sc) {
  const MatMulAttrs &m = s.matmul;
  if (m.q < 0 || (m.p < 0 && m.transposeA) ||
      (m.r < 0 && (!m.transposeA || m.transposeB)) || (m.p < 0 && m.r < 0))
    throw CompileError(s.name + ": matmul batch must be the leading axis of "
                                "A (p, or r with A transposed and B not)");
  std::vector<TensorArg> args = kernelArguments(s);
  ImageParam A = makeInput(s, args[0]), B = makeInput(s, args[1]);
  if (m.r < 0)
    B.dim(1).set_extent(A.dim(1).extent()); // same batch
  return m.r < 0 ? matmulBatchInner(s, sc, A, B)
                 : matmulStaticInner(s, sc, A, B);
}

} // namespace kiln::codegen::kernels
