//===- ConvBackward.cpp - Reference Conv2D gradients ----------------------===//
//
// Scatter form, the transpose of the forward loop nest in Conv2D.cpp: for
// every (output position, kernel tap) the forward product x*k contributes
// dy*k to dx and x*dy to dk. Bias gradient: dy summed over n, y, x.
//
//===----------------------------------------------------------------------===//
#include "tests/reference/Reference.h"

namespace kiln::reference {

namespace {

/// Visits every in-image (n, oy, ox, ky, kx, iy, ix) of the forward conv.
template <typename F> void forEachTap(const KernelSpec &s, int n, F &&f) {
  const auto &a = s.conv;
  bool same = a.padding == codegen::Padding::Same;
  RefWindow wy = refWindow(s.height, a.kernelH, a.strideH, a.dilationH, same);
  RefWindow wx = refWindow(s.width, a.kernelW, a.strideW, a.dilationW, same);
  for (int b = 0; b < n; ++b)
    for (int oy = 0; oy < wy.out; ++oy)
      for (int ox = 0; ox < wx.out; ++ox)
        for (int ky = 0; ky < a.kernelH; ++ky)
          for (int kx = 0; kx < a.kernelW; ++kx) {
            int iy = oy * a.strideH + ky * a.dilationH - wy.pad;
            int ix = ox * a.strideW + kx * a.dilationW - wx.pad;
            if (iy >= 0 && iy < s.height && ix >= 0 && ix < s.width)
              f(b, oy, ox, ky, kx, iy, ix, wy.out, wx.out);
          }
}

} // namespace

Tensor conv2dBackpropInput(const KernelSpec &s, int n, const Tensor &dy,
                           const Tensor &k) {
  int H = s.height, W = s.width, C = s.channels, F = s.conv.filters,
      KW = s.conv.kernelW;
  std::vector<double> dx(size_t(n) * H * W * C, 0.0);
  forEachTap(s, n, [&](int b, int oy, int ox, int ky, int kx, int iy, int ix,
                       int OH, int OW) {
    for (int c = 0; c < C; ++c)
      for (int f = 0; f < F; ++f)
        dx[((size_t(b) * H + iy) * W + ix) * C + c] +=
            double(dy[((size_t(b) * OH + oy) * OW + ox) * F + f]) *
            k[((size_t(ky) * KW + kx) * C + c) * F + f];
  });
  return Tensor(dx.begin(), dx.end());
}

Tensor conv2dBackpropFilter(const KernelSpec &s, int n, const Tensor &x,
                            const Tensor &dy) {
  int H = s.height, W = s.width, C = s.channels, F = s.conv.filters,
      KW = s.conv.kernelW;
  std::vector<double> dk(size_t(s.conv.kernelH) * KW * C * F, 0.0);
  forEachTap(s, n, [&](int b, int oy, int ox, int ky, int kx, int iy, int ix,
                       int OH, int OW) {
    for (int c = 0; c < C; ++c)
      for (int f = 0; f < F; ++f)
        dk[((size_t(ky) * KW + kx) * C + c) * F + f] +=
            double(x[((size_t(b) * H + iy) * W + ix) * C + c]) *
            dy[((size_t(b) * OH + oy) * OW + ox) * F + f];
  });
  (void)H;
  return Tensor(dk.begin(), dk.end());
}

Tensor conv2dBackpropBias(const KernelSpec &s, int n, const Tensor &dy) {
  int F = s.conv.filters;
  std::vector<double> db(F, 0.0);
  for (size_t i = 0; i < dy.size(); ++i)
    db[i % F] += dy[i];
  (void)n;
  return Tensor(db.begin(), db.end());
}

} // namespace kiln::reference
