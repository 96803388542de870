//===- Conv2D.cpp - Reference Conv2D forward ------------------------------===//
//
// out[n,oy,ox,f] = bias[f] + sum_{ky,kx,c} x[n, oy*sy+ky*dy-pt, ox*sx+kx*dx-pl, c]
//                  * k[ky,kx,c,f], zero outside the image; then relu if asked.
//
//===----------------------------------------------------------------------===//
#include "tests/reference/Reference.h"

#include <algorithm>

namespace kiln::reference {

RefWindow refWindow(int in, int k, int stride, int dilation, bool same) {
  int eff = (k - 1) * dilation + 1;
  if (!same)
    return {in < eff ? 0 : (in - eff) / stride + 1, 0};
  int out = (in + stride - 1) / stride;
  int total = std::max((out - 1) * stride + eff - in, 0);
  return {out, total / 2};
}

Tensor conv2d(const KernelSpec &s, int n, const Tensor &x, const Tensor &k,
              const Tensor &bias) {
  const auto &a = s.conv;
  bool same = a.padding == codegen::Padding::Same;
  RefWindow wy = refWindow(s.height, a.kernelH, a.strideH, a.dilationH, same);
  RefWindow wx = refWindow(s.width, a.kernelW, a.strideW, a.dilationW, same);
  int H = s.height, W = s.width, C = s.channels, F = a.filters;
  Tensor out(size_t(n) * wy.out * wx.out * F);
  for (int b = 0; b < n; ++b)
    for (int oy = 0; oy < wy.out; ++oy)
      for (int ox = 0; ox < wx.out; ++ox)
        for (int f = 0; f < F; ++f) {
          double acc = a.useBias ? bias[f] : 0.0;
          for (int ky = 0; ky < a.kernelH; ++ky)
            for (int kx = 0; kx < a.kernelW; ++kx) {
              int iy = oy * a.strideH + ky * a.dilationH - wy.pad;
              int ix = ox * a.strideW + kx * a.dilationW - wx.pad;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                continue;
              for (int c = 0; c < C; ++c)
                acc += double(x[((size_t(b) * H + iy) * W + ix) * C + c]) *
                       k[((size_t(ky) * a.kernelW + kx) * C + c) * F + f];
            }
          if (a.activation == codegen::Activation::Relu)
            acc = std::max(acc, 0.0);
          out[((size_t(b) * wy.out + oy) * wx.out + ox) * F + f] = float(acc);
        }
  return out;
}

} // namespace kiln::reference
