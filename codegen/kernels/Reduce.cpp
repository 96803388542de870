//===- Reduce.cpp - Reductions, softmax, losses and metrics ---------------===//
//
// Algorithms (Halide order: c is the last Keras axis, n the batch):
// 1. reduce_sum/mean/max over `axes`: one RDom over the reduced axes (the
//    innermost first); mean divides by the element count. A sum over a
//    dynamic batch is split into fixed chunks of rfactorChunk samples
//    (partial(..., u), past-the-end samples masked to 0) added in chunk
//    order, so the result does not depend on the thread count. Global
//    pooling is reduce_mean/max over axes {1, 2}.
// 2. softmax / log_softmax over the last axis: row maximum, exp(x - max),
//    row sum; log_softmax = x - max - log(sum).
// 3. Per-sample losses on [N, ..., C] (rows = the middle axes; a sample's
//    loss is the mean of its rows' losses, as Keras reduces):
//    categorical_crossentropy: p / sum_c p, clipped to [1e-7, 1 - 1e-7],
//      -sum_c t * log(p) (Keras 3's TF backend);
//    sparse_categorical_crossentropy: -log(clip(p)[t]) + log(sum_c clip(p))
//      (TF's sparse softmax cross-entropy on log(clip(p)); equal to
//      -log(p[t]) when rows sum to 1); ids outside [0, C) give NaN;
//    binary_crossentropy: -mean(t log clip(p) + (1 - t) log(1 - clip(p)));
//    mean_squared_error: mean((p - t)^2).
// 4. softmax_cross_entropy on logits [N, C]: loss = -sum_c t * log_softmax,
//    correct = (argmax x == argmax t), first index on ties, as 1.0 / 0.0.
//    Its gradient: (softmax(x) - t) * scale, scale a [] input (e.g. 1/N).
//
// Default schedule: rows are independent: parallel over the batch, the
// last axis vectorised (GuardWithIf: C = 10 in the seed), the row's max and
// sum computed at the row. Axis reductions vectorise the kept last axis.
//
//===----------------------------------------------------------------------===//
#include "codegen/kernels/Kernels.h"

#include <algorithm>
#include <limits>

using namespace Halide;

namespace kiln::codegen::kernels {

namespace {

constexpr float kClip = 1e-7f;

bool has(const std::vector<int> &v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

/// Vars in Halide order for a Keras shape of the given rank.
std::vector<Var> makeVars(int rank) {
  std::vector<Var> v;
  for (int i = 0; i < rank; ++i)
    v.push_back(Var("d" + std::to_string(i)));
  return v;
}

std::vector<Expr> exprs(const std::vector<Var> &v) {
  return std::vector<Expr>(v.begin(), v.end());
}

KernelPipeline buildAxisReduce(const KernelSpec &s, const Schedule &sc) {
  std::vector<TensorArg> args = kernelArguments(s);
  ImageParam in = makeInput(s, args[0]);
  const std::vector<int> &shape = s.shape;
  const ReduceAttrs &a = s.reduce;
  int rank = int(shape.size());
  ReduceKind kind = a.kind;
  auto extent = [&](int axis) -> Expr {
    return shape[axis] < 0 ? in.dim(rank - 1 - axis).extent()
                           : Expr(shape[axis]);
  };
  Expr batch = rank > 0 && shape[0] < 0 ? in.dim(rank - 1).extent() : Expr(1);
  int chunk = (kind != ReduceKind::Max && sc.rfactor && rank > 0 &&
               shape[0] < 0 && has(a.axes, 0))
                  ? std::max(1, sc.rfactorChunk)
                  : 0;

  // The RDom: reduced axes, innermost (largest Keras axis) first.
  Region ranges;
  std::vector<int> order(a.axes.rbegin(), a.axes.rend());
  for (int axis : order)
    ranges.push_back(axis == 0 && chunk ? Range(0, chunk)
                                        : Range(0, extent(axis)));
  RDom r(ranges, s.name + "_r");

  // Output vars in Keras order; the input index per Keras axis.
  int outRank = int(args.back().shape.size());
  std::vector<Var> outVars = makeVars(outRank); // Halide order
  Var u("u");
  std::vector<Expr> kerasIdx(rank);
  Expr inBatch = Internal::const_true();
  int od = outRank - 1; // Halide index of the next Keras output dim
  for (int i = 0; i < rank; ++i) {
    bool reduced = has(a.axes, i);
    if (reduced) {
      int k = int(std::find(order.begin(), order.end(), i) - order.begin());
      Expr rv = r[k];
      if (i == 0 && chunk) {
        Expr nIdx = u * chunk + rv;
        inBatch = nIdx < batch;
        rv = min(nIdx, batch - 1);
      }
      kerasIdx[i] = rv;
      if (a.keepdims)
        --od;
    } else {
      kerasIdx[i] = outVars[od--];
    }
  }
  std::vector<Expr> idx(kerasIdx.rbegin(), kerasIdx.rend());
  Expr value = in(idx);
  std::vector<Expr> ov = exprs(outVars);
  std::vector<Expr> ovu = ov;
  ovu.push_back(u);

  const char *op = kind == ReduceKind::Sum    ? "_reduce_sum"
                   : kind == ReduceKind::Mean ? "_reduce_mean"
                                              : "_reduce_max";
  Func total(s.name + op), partial(s.name + "_partial");
  if (kind == ReduceKind::Max) {
    total(ov) = -std::numeric_limits<float>::infinity();
    total(ov) = max(total(ov), value);
  } else if (chunk) {
    partial(ovu) = 0.0f;
    partial(ovu) += select(inBatch, value, 0.0f);
    RDom ru(0, (batch + chunk - 1) / chunk, s.name + "_ru");
    std::vector<Expr> ovr = ov;
    ovr.push_back(ru);
    total(ov) = 0.0f;
    total(ov) += partial(ovr);
  } else {
    total(ov) = 0.0f;
    total(ov) += value;
  }
  Func out(s.name);
  if (kind == ReduceKind::Mean) {
    Expr count = cast<float>(Expr(1));
    for (int axis : a.axes)
      count = count * cast<float>(extent(axis));
    out(ov) = total(ov) / count;
  } else {
    out(ov) = total(ov);
  }

  // Schedule: vectorise the kept last axis; parallel over the outermost
  // output axis or, for a chunked batch sum, over the chunks.
  bool lastKept = rank > 0 && !has(a.axes, rank - 1) && outRank > 0;
  int vec = lastKept ? fitVector(sc.vectorWidth, shape[rank - 1]) : 1;
  bool parallel = sc.parallel != "none";
  total.compute_root();
  if (outRank > 0) {
    if (vec > 1) {
      out.vectorize(outVars[0], vec, TailStrategy::GuardWithIf);
      total.vectorize(outVars[0], vec, TailStrategy::GuardWithIf);
      total.update().vectorize(outVars[0], vec, TailStrategy::GuardWithIf);
    }
    if (outRank > 1 && parallel) {
      total.parallel(outVars[outRank - 1]);
      total.update().parallel(outVars[outRank - 1]);
    }
  }
  if (chunk) {
    partial.compute_root();
    if (vec > 1) {
      partial.vectorize(outVars[0], vec, TailStrategy::GuardWithIf);
      partial.update().vectorize(outVars[0], vec, TailStrategy::GuardWithIf);
    }
    if (parallel)
      partial.parallel(u).update().parallel(u);
  }

  KernelPipeline k;
  k.inputs = {in};
  k.outputs = {out};
  return k;
}

/// Row helpers over the last axis of a [N, ..., C] input.
struct Rows {
  std::vector<Var> vars; // Halide order, vars[0] = c
  std::vector<Expr> rowArgs;  // vars[1..]
  int C = 1;
  RDom rc;
};

Rows makeRows(const KernelSpec &s) {
  Rows w;
  int rank = int(s.shape.size());
  w.vars = makeVars(rank);
  for (int i = 1; i < rank; ++i)
    w.rowArgs.push_back(w.vars[i]);
  w.C = s.shape.back();
  w.rc = RDom(0, w.C, s.name + "_rc");
  return w;
}

std::vector<Expr> at(Expr c, const std::vector<Expr> &row) {
  std::vector<Expr> v = {c};
  v.insert(v.end(), row.begin(), row.end());
  return v;
}

/// Schedules a row-wise Func (over c and the row vars): parallel over the
/// batch, c vectorised; helpers computed per row.
void scheduleRowwise(Func out, const Rows &w, const KernelSpec &s,
                     const Schedule &sc, std::vector<Func> perRow,
                     std::vector<Func> perElement) {
  int rank = int(w.vars.size());
  int vec = fitVector(sc.vectorWidth, w.C);
  if (sc.parallel != "none" && rank > 1)
    out.parallel(w.vars[rank - 1]);
  if (vec > 1)
    out.vectorize(w.vars[0], vec, TailStrategy::GuardWithIf);
  Var at = rank > 1 ? w.vars[1] : w.vars[0];
  for (Func f : perRow)
    f.compute_at(out, at);
  for (Func f : perElement) {
    f.compute_at(out, at);
    if (vec > 1)
      f.vectorize(w.vars[0], vec, TailStrategy::GuardWithIf);
  }
  (void)s;
}

KernelPipeline buildSoftmax(const KernelSpec &s, const Schedule &sc) {
  std::vector<TensorArg> args = kernelArguments(s);
  ImageParam in = makeInput(s, args[0]);
  Rows w = makeRows(s);
  std::vector<Expr> row = w.rowArgs, all = exprs(w.vars);
  Func rowMax(s.name + "_max"), ex(s.name + "_exp"), rowSum(s.name + "_sum");
  rowMax(row) = -std::numeric_limits<float>::infinity();
  rowMax(row) = max(rowMax(row), in(at(w.rc, row)));
  ex(all) = exp(in(all) - rowMax(row));
  rowSum(row) = 0.0f;
  rowSum(row) += ex(at(w.rc, row));
  bool isLog = s.reduce.kind == ReduceKind::LogSoftmax;
  Func out(s.name);
  if (isLog)
    out(all) = in(all) - rowMax(row) - log(rowSum(row));
  else
    out(all) = ex(all) / rowSum(row);
  // For log_softmax ex is only summed; computing it per row is the same.
  scheduleRowwise(out, w, s, sc, {rowMax, rowSum}, {ex});
  KernelPipeline k;
  k.inputs = {in};
  k.outputs = {out};
  return k;
}

/// Gradients of softmax and log_softmax from their output y and dy, per
/// row: softmax dx = y (dy - sum(dy y)); log_softmax dx = dy - exp(y)
/// sum(dy).
KernelPipeline buildSoftmaxGrad(const KernelSpec &s, const Schedule &sc) {
  std::vector<TensorArg> args = kernelArguments(s);
  ImageParam y = makeInput(s, args[0]), dy = makeInput(s, args[1]);
  Rows w = makeRows(s);
  std::vector<Expr> row = w.rowArgs, all = exprs(w.vars);
  bool isLog = s.reduce.kind == ReduceKind::LogSoftmaxGrad;
  Func rowSum(s.name + (isLog ? "_sum_dy" : "_sum_dy_y"));
  rowSum(row) = 0.0f;
  rowSum(row) += isLog ? dy(at(w.rc, row)) : dy(at(w.rc, row)) * y(at(w.rc, row));
  Func out(s.name);
  if (isLog)
    out(all) = dy(all) - exp(y(all)) * rowSum(row);
  else
    out(all) = y(all) * (dy(all) - rowSum(row));
  scheduleRowwise(out, w, s, sc, {rowSum}, {});
  KernelPipeline k;
  k.inputs = {y, dy};
  k.outputs = {out};
  return k;
}

/// The per-sample losses of item 3.
KernelPipeline buildLoss(const KernelSpec &s, const Schedule &sc) {
  std::vector<TensorArg> args = kernelArguments(s);
  ImageParam p = makeInput(s, args[0]), t = makeInput(s, args[1]);
  int rank = int(s.shape.size());
  if (rank < 2 || s.shape[0] >= 0)
    throw CompileError(s.name + ": losses take [N, ..., C] with N the batch");
  Rows w = makeRows(s);
  std::vector<Expr> row = w.rowArgs, all = exprs(w.vars);
  ReduceKind kind = s.reduce.kind;
  int C = w.C;
  // rows per sample: the middle axes.
  Region middle;
  int perSample = 1;
  for (int i = 1; i + 1 < rank; ++i) {
    middle.push_back(Range(0, s.shape[i]));
    perSample *= s.shape[i];
  }
  Func rowLoss(s.name + "_row");
  Func helper(s.name + "_row_sum");
  std::vector<Func> perRow;
  switch (kind) {
  case ReduceKind::CategoricalCrossentropy: {
    helper(row) = 0.0f;
    helper(row) += p(at(w.rc, row));
    Expr q = clamp(p(at(w.rc, row)) / helper(row), kClip, 1.0f - kClip);
    rowLoss(row) = 0.0f;
    rowLoss(row) -= t(at(w.rc, row)) * log(q);
    perRow = {helper};
    break;
  }
  case ReduceKind::SparseCategoricalCrossentropy: {
    helper(row) = 0.0f;
    helper(row) += clamp(p(at(w.rc, row)), kClip, 1.0f - kClip);
    Expr id = t(row);
    Expr cls = id.type().is_float() ? cast<int>(round(id)) : id;
    Expr valid = cls >= 0 && cls < C;
    Expr pt = clamp(p(at(clamp(cls, 0, C - 1), row)), kClip, 1.0f - kClip);
    rowLoss(row) = select(valid, log(helper(row)) - log(pt),
                          std::numeric_limits<float>::quiet_NaN());
    perRow = {helper};
    break;
  }
  case ReduceKind::BinaryCrossentropy: {
    Expr q = clamp(p(at(w.rc, row)), kClip, 1.0f - kClip);
    Expr tv = t(at(w.rc, row));
    rowLoss(row) = 0.0f;
    rowLoss(row) -= (tv * log(q) + (1.0f - tv) * log(1.0f - q)) / float(C);
    break;
  }
  case ReduceKind::MeanSquaredError: {
    Expr d = p(at(w.rc, row)) - t(at(w.rc, row));
    rowLoss(row) = 0.0f;
    rowLoss(row) += d * d / float(C);
    break;
  }
  default:
    throw CompileError(s.name + ": not a loss");
  }
  Var n = w.vars[rank - 1];
  Func out(s.name);
  if (middle.empty()) {
    out(n) = rowLoss(n);
  } else {
    RDom rm(middle, s.name + "_rm");
    std::vector<Expr> mid;
    for (int i = 0; i < rm.dimensions(); ++i)
      mid.push_back(rm[i]);
    mid.push_back(n);
    Func sum(s.name + "_sum");
    sum(n) = 0.0f;
    sum(n) += rowLoss(mid);
    out(n) = sum(n) / float(perSample);
    sum.compute_at(out, n);
  }
  if (sc.parallel != "none")
    out.parallel(n);
  rowLoss.compute_at(out, n);
  for (Func f : perRow)
    f.compute_at(out, n);
  KernelPipeline k;
  k.inputs = {p, t};
  k.outputs = {out};
  return k;
}

KernelPipeline buildSoftmaxCrossEntropy(const KernelSpec &s,
                                        const Schedule &sc) {
  std::vector<TensorArg> args = kernelArguments(s);
  if (s.shape.size() != 2)
    throw CompileError(s.name + ": softmax cross-entropy takes [N, C]");
  ImageParam x = makeInput(s, args[0]), t = makeInput(s, args[1]);
  Rows w = makeRows(s);
  Var c = w.vars[0], n = w.vars[1];
  RDom rc = w.rc;
  Func rowMax(s.name + "_max"), rowSum(s.name + "_sum");
  rowMax(n) = -std::numeric_limits<float>::infinity();
  rowMax(n) = max(rowMax(n), x(rc, n));
  rowSum(n) = 0.0f;
  rowSum(n) += exp(x(rc, n) - rowMax(n));
  bool grad = s.reduce.kind == ReduceKind::SoftmaxCrossEntropyGrad;
  KernelPipeline k;
  if (grad) {
    ImageParam scale = makeInput(s, args[2]);
    Func out(s.name);
    out(c, n) = (exp(x(c, n) - rowMax(n)) / rowSum(n) - t(c, n)) * scale();
    scheduleRowwise(out, w, s, sc, {rowMax, rowSum}, {});
    k.inputs = {x, t, scale};
    k.outputs = {out};
    return k;
  }
  Func out(s.name);
  Expr logSoftmax = x(rc, n) - rowMax(n) - log(rowSum(n));
  Func loss(s.name + "_loss");
  loss(n) = 0.0f;
  loss(n) -= t(rc, n) * logSoftmax;
  Tuple xa = argmax(rc, x(rc, n), s.name + "_argmax_logits");
  Tuple ta = argmax(rc, t(rc, n), s.name + "_argmax_targets");
  out(n) = Tuple(loss(n), select(xa[0] == ta[0], 1.0f, 0.0f));
  if (sc.parallel != "none")
    out.parallel(n);
  for (Func f : {rowMax, rowSum, loss})
    f.compute_at(out, n);
  k.inputs = {x, t};
  k.outputs = {out};
  return k;
}

} // namespace

KernelPipeline buildReduce(const KernelSpec &s, const Schedule &sc) {
  switch (s.reduce.kind) {
  case ReduceKind::Sum:
  case ReduceKind::Mean:
  case ReduceKind::Max:
    return buildAxisReduce(s, sc);
  case ReduceKind::Softmax:
  case ReduceKind::LogSoftmax:
    return buildSoftmax(s, sc);
  case ReduceKind::SoftmaxGrad:
  case ReduceKind::LogSoftmaxGrad:
    return buildSoftmaxGrad(s, sc);
  case ReduceKind::SoftmaxCrossEntropy:
  case ReduceKind::SoftmaxCrossEntropyGrad:
    return buildSoftmaxCrossEntropy(s, sc);
  default:
    return buildLoss(s, sc);
  }
}

} // namespace kiln::codegen::kernels
