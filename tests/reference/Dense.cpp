//===- Dense.cpp - Reference Dense (+relu / softmax) ----------------------===//
//
// out[n,m] = act(b[m] + sum_k x[n,k] * w[k,m]); softmax is computed in double
// with the row maximum subtracted.
//
//===----------------------------------------------------------------------===//
#include "tests/reference/Reference.h"

#include <algorithm>
#include <cmath>

namespace kiln::reference {

Tensor dense(const KernelSpec &s, int n, const Tensor &x, const Tensor &w,
             const Tensor &bias) {
  int K = s.channels, M = s.dense.units;
  Tensor out(size_t(n) * M);
  std::vector<double> row(M);
  for (int b = 0; b < n; ++b) {
    for (int m = 0; m < M; ++m) {
      double acc = s.dense.useBias ? bias[m] : 0.0;
      for (int k = 0; k < K; ++k)
        acc += double(x[size_t(b) * K + k]) * w[size_t(k) * M + m];
      row[m] = acc;
    }
    if (s.dense.activation == codegen::Activation::Relu)
      for (double &v : row)
        v = std::max(v, 0.0);
    if (s.dense.activation == codegen::Activation::Softmax) {
      double mx = *std::max_element(row.begin(), row.end()), sum = 0;
      for (double &v : row)
        sum += (v = std::exp(v - mx));
      for (double &v : row)
        v /= sum;
    }
    for (int m = 0; m < M; ++m)
      out[size_t(b) * M + m] = float(row[m]);
  }
  return out;
}

} // namespace kiln::reference
