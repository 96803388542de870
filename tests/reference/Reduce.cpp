//===- Reduce.cpp - Reference reductions, softmax and losses --------------===//
//
// Plain loops in double over flat row-major tensors: axis reductions by
// decomposing every input index, softmax per row with the maximum
// subtracted, and the losses as Keras 3 (TF backend) defines them (see
// codegen/kernels/Reduce.cpp's banner), each sample's loss the mean over
// its rows.
//
//===----------------------------------------------------------------------===//
#include "tests/reference/Reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kiln::reference {

using codegen::ReduceKind;

namespace {

std::vector<Tensor> axisReduce(const KernelSpec &s, int n, const Tensor &x) {
  std::vector<int> shape = s.shape;
  for (int &d : shape)
    d = d < 0 ? n : d;
  int rank = int(shape.size());
  std::vector<bool> red(rank, false);
  for (int a : s.reduce.axes)
    red[a] = true;
  size_t outSize = 1, count = 1;
  for (int i = 0; i < rank; ++i)
    (red[i] ? count : outSize) *= shape[i];
  bool isMax = s.reduce.kind == ReduceKind::Max;
  std::vector<double> acc(outSize,
                          isMax ? -std::numeric_limits<double>::infinity() : 0);
  std::vector<int> idx(rank, 0);
  for (size_t i = 0; i < x.size(); ++i) {
    size_t rem = i;
    for (int d = rank - 1; d >= 0; --d) {
      idx[d] = int(rem % shape[d]);
      rem /= shape[d];
    }
    size_t o = 0;
    for (int d = 0; d < rank; ++d)
      if (!red[d])
        o = o * shape[d] + idx[d];
    acc[o] = isMax ? std::max(acc[o], double(x[i])) : acc[o] + x[i];
  }
  Tensor out(outSize);
  for (size_t o = 0; o < outSize; ++o)
    out[o] = float(s.reduce.kind == ReduceKind::Mean ? acc[o] / count : acc[o]);
  return {out};
}

/// Keras clips in float32: the upper bound is float(1 - 1e-7).
double clip(double p) {
  return std::min(std::max(p, double(1e-7f)), double(1.0f - 1e-7f));
}

} // namespace

std::vector<Tensor> reduce(const KernelSpec &s, int n,
                           const std::vector<Tensor> &in) {
  ReduceKind kind = s.reduce.kind;
  if (kind == ReduceKind::Sum || kind == ReduceKind::Mean ||
      kind == ReduceKind::Max)
    return axisReduce(s, n, in[0]);
  int C = s.shape.back();
  size_t rows = in[0].size() / C;
  size_t perSample = rows / n;
  if (kind == ReduceKind::SoftmaxGrad || kind == ReduceKind::LogSoftmaxGrad) {
    // From y and dy, per row: y (dy - <dy, y>) or dy - exp(y) sum(dy).
    const Tensor &y = in[0], &dy = in[1];
    Tensor dx(y.size());
    for (size_t r = 0; r < rows; ++r) {
      double acc = 0;
      for (int c = 0; c < C; ++c)
        acc += kind == ReduceKind::SoftmaxGrad
                   ? double(dy[r * C + c]) * y[r * C + c]
                   : double(dy[r * C + c]);
      for (int c = 0; c < C; ++c) {
        size_t i = r * C + c;
        dx[i] = float(kind == ReduceKind::SoftmaxGrad
                          ? y[i] * (dy[i] - acc)
                          : dy[i] - std::exp(double(y[i])) * acc);
      }
    }
    return {dx};
  }
  const Tensor &x = in[0];
  Tensor out(kind == ReduceKind::Softmax || kind == ReduceKind::LogSoftmax ||
                     kind == ReduceKind::SoftmaxCrossEntropyGrad
                 ? x.size()
                 : size_t(n));
  Tensor correct(n, 0.f);
  std::vector<double> rowLoss(rows);
  for (size_t r = 0; r < rows; ++r) {
    const float *p = &x[r * C];
    const float *t = in.size() > 1 ? &in[1][0] : nullptr;
    double mx = *std::max_element(p, p + C), se = 0;
    for (int c = 0; c < C; ++c)
      se += std::exp(p[c] - mx);
    double loss = 0;
    switch (kind) {
    case ReduceKind::Softmax:
    case ReduceKind::LogSoftmax:
      for (int c = 0; c < C; ++c)
        out[r * C + c] = float(kind == ReduceKind::Softmax
                                   ? std::exp(p[c] - mx) / se
                                   : p[c] - mx - std::log(se));
      break;
    case ReduceKind::SoftmaxCrossEntropyGrad:
      for (int c = 0; c < C; ++c)
        out[r * C + c] = float((std::exp(p[c] - mx) / se - t[r * C + c]) *
                               in[2][0]);
      break;
    case ReduceKind::SoftmaxCrossEntropy: {
      int ax = 0, at = 0;
      for (int c = 0; c < C; ++c) {
        loss -= t[r * C + c] * (p[c] - mx - std::log(se));
        ax = p[c] > p[ax] ? c : ax;
        at = t[r * C + c] > t[r * C + at] ? c : at;
      }
      correct[r] = ax == at ? 1.f : 0.f;
      break;
    }
    case ReduceKind::CategoricalCrossentropy: {
      double sum = 0;
      for (int c = 0; c < C; ++c)
        sum += p[c];
      for (int c = 0; c < C; ++c)
        loss -= t[r * C + c] * std::log(clip(p[c] / sum));
      break;
    }
    case ReduceKind::SparseCategoricalCrossentropy: {
      double sum = 0;
      for (int c = 0; c < C; ++c)
        sum += clip(p[c]);
      long id = std::lround(in[1][r]);
      loss = id >= 0 && id < C ? std::log(sum) - std::log(clip(p[id])) : NAN;
      break;
    }
    case ReduceKind::BinaryCrossentropy:
      for (int c = 0; c < C; ++c) {
        double q = clip(p[c]), tv = t[r * C + c];
        loss -= (tv * std::log(q) + (1 - tv) * std::log(1 - q)) / C;
      }
      break;
    case ReduceKind::MeanSquaredError:
      for (int c = 0; c < C; ++c)
        loss += (p[c] - double(t[r * C + c])) * (p[c] - t[r * C + c]) / C;
      break;
    default:
      break;
    }
    rowLoss[r] = loss;
  }
  if (out.size() == size_t(n) && kind != ReduceKind::Softmax &&
      kind != ReduceKind::LogSoftmax &&
      kind != ReduceKind::SoftmaxCrossEntropyGrad) {
    for (int b = 0; b < n; ++b) {
      double sum = 0;
      for (size_t r = 0; r < perSample; ++r)
        sum += rowLoss[b * perSample + r];
      out[b] = float(sum / perSample);
    }
  }
  if (kind == ReduceKind::SoftmaxCrossEntropy)
    return {out, correct};
  return {out};
}

} // namespace kiln::reference
