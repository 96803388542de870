//===- Shape.cpp - Reference concatenate, zero padding, BN statistics -----===//
//
// Row-major loops: concatenation copies each input's slab per outer index;
// zero padding copies each image row into a zeroed output; the statistics
// are two passes in double (mean, then mean squared deviation).
//
//===----------------------------------------------------------------------===//
#include "tests/reference/Reference.h"

#include <algorithm>

namespace kiln::reference {

std::vector<Tensor> shapeOp(const KernelSpec &s, int n,
                            const std::vector<Tensor> &in) {
  using codegen::KernelFamily;
  auto fix = [n](std::vector<int> v) {
    for (int &d : v)
      d = d < 0 ? n : d;
    return v;
  };
  if (s.family == KernelFamily::Concatenate) {
    std::vector<int> out = fix(s.shape);
    int axis = s.concat.axis;
    size_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i)
      outer *= out[i];
    for (size_t i = axis + 1; i < out.size(); ++i)
      inner *= out[i];
    Tensor r;
    for (size_t o = 0; o < outer; ++o)
      for (size_t k = 0; k < in.size(); ++k) {
        size_t slab = size_t(s.concat.inputShapes[k][axis]) * inner;
        r.insert(r.end(), in[k].begin() + o * slab,
                 in[k].begin() + (o + 1) * slab);
      }
    return {r};
  }
  if (s.family == KernelFamily::ZeroPadding2D) {
    // Per output element: the input element it shows, or zero; negative
    // amounts crop (nn.slice).
    const auto &p = s.pad;
    int H = s.height, W = s.width, C = s.channels;
    int OH = H + p.top + p.bottom, OW = W + p.left + p.right,
        OC = C + p.front + p.back;
    Tensor r(size_t(n) * OH * OW * OC, 0.f);
    for (int b = 0; b < n; ++b)
      for (int y = 0; y < OH; ++y)
        for (int x = 0; x < OW; ++x)
          for (int c = 0; c < OC; ++c) {
            int iy = y - p.top, ix = x - p.left, ic = c - p.front;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W && ic >= 0 && ic < C)
              r[((size_t(b) * OH + y) * OW + x) * OC + c] =
                  in[0][((size_t(b) * H + iy) * W + ix) * C + ic];
          }
    return {r};
  }
  // BatchNormStats.
  int C = s.shape.back();
  size_t rows = in[0].size() / C;
  std::vector<double> mean(C, 0), var(C, 0);
  for (size_t r = 0; r < rows; ++r)
    for (int c = 0; c < C; ++c)
      mean[c] += in[0][r * C + c];
  for (double &m : mean)
    m /= rows;
  for (size_t r = 0; r < rows; ++r)
    for (int c = 0; c < C; ++c)
      var[c] += (in[0][r * C + c] - mean[c]) * (in[0][r * C + c] - mean[c]);
  Tensor m(C), v(C);
  for (int c = 0; c < C; ++c)
    m[c] = float(mean[c]), v[c] = float(var[c] / rows);
  return {m, v};
}

} // namespace kiln::reference
