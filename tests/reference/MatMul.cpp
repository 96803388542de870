//===- MatMul.cpp - Reference C = op(A) . op(B) ---------------------------===//
//
// c[i][j] = sum_k opA[i][k] * opB[k][j] in double, the batch (p or r = -1)
// replaced by n; A and B are read through their (transposed) Keras layout.
//
//===----------------------------------------------------------------------===//
#include "tests/reference/Reference.h"

namespace kiln::reference {

Tensor matmul(const KernelSpec &s, int n, const Tensor &a, const Tensor &b) {
  const codegen::MatMulAttrs &m = s.matmul;
  int P = m.p < 0 ? n : m.p, R = m.r < 0 ? n : m.r, Q = m.q;
  Tensor c(size_t(P) * Q);
  for (int i = 0; i < P; ++i)
    for (int j = 0; j < Q; ++j) {
      double acc = 0;
      for (int k = 0; k < R; ++k) {
        double x = m.transposeA ? a[size_t(k) * P + i] : a[size_t(i) * R + k];
        double y = m.transposeB ? b[size_t(j) * R + k] : b[size_t(k) * Q + j];
        acc += x * y;
      }
      c[size_t(i) * Q + j] = float(acc);
    }
  return c;
}

} // namespace kiln::reference
