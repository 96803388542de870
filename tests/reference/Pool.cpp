//===- Pool.cpp - Reference MaxPool2D / AvgPool2D and MaxPool2D gradient --===//
//
// Windows scan rows then columns; max keeps the first maximum (strict '>'),
// avg divides by the number of in-image elements (Keras/TF same padding).
// The max gradient scatters each window's dy to its first maximum; the avg
// gradient scatters dy / count to each of the window's in-image elements.
//
//===----------------------------------------------------------------------===//
#include "tests/reference/Reference.h"

#include <limits>

namespace kiln::reference {

namespace {

/// Calls f(b, oy, ox, c, bestIndexInX, value) per window with the first max
/// (or the average for avg pooling).
template <typename F>
void forEachWindow(const KernelSpec &s, int n, const Tensor &x, F &&f) {
  const auto &a = s.pool;
  bool same = a.padding == codegen::Padding::Same;
  bool isMax = s.family != codegen::KernelFamily::AvgPool2D;
  RefWindow wy = refWindow(s.height, a.poolH, a.strideH, 1, same);
  RefWindow wx = refWindow(s.width, a.poolW, a.strideW, 1, same);
  int H = s.height, W = s.width, C = s.channels;
  for (int b = 0; b < n; ++b)
    for (int oy = 0; oy < wy.out; ++oy)
      for (int ox = 0; ox < wx.out; ++ox)
        for (int c = 0; c < C; ++c) {
          double best = -std::numeric_limits<double>::infinity(), sum = 0;
          long bestAt = -1;
          int count = 0;
          for (int ky = 0; ky < a.poolH; ++ky)
            for (int kx = 0; kx < a.poolW; ++kx) {
              int iy = oy * a.strideH + ky - wy.pad;
              int ix = ox * a.strideW + kx - wx.pad;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                continue;
              long at = ((long(b) * H + iy) * W + ix) * C + c;
              double v = x[at];
              ++count;
              sum += v;
              if (v > best) {
                best = v;
                bestAt = at;
              }
            }
          f(b, oy, ox, c, wy.out, wx.out, bestAt,
            isMax ? best : sum / count);
        }
}

} // namespace

Tensor pool2d(const KernelSpec &s, int n, const Tensor &x) {
  Tensor out;
  forEachWindow(s, n, x,
                [&](int, int, int, int, int, int, long, double v) {
                  out.push_back(float(v));
                });
  return out;
}

Tensor maxPool2dGrad(const KernelSpec &s, int n, const Tensor &x,
                     const Tensor &dy) {
  std::vector<double> dx(x.size(), 0.0);
  size_t i = 0;
  forEachWindow(s, n, x, [&](int, int, int, int, int, int, long at, double) {
    dx[at] += dy[i++];
  });
  // A fused relu gradient keeps what reaches a positive input.
  if (s.pool.reluMask)
    for (size_t k = 0; k < dx.size(); ++k)
      if (!(x[k] > 0))
        dx[k] = 0;
  return Tensor(dx.begin(), dx.end());
}

Tensor avgPool2dGrad(const KernelSpec &s, int n, const Tensor &dy) {
  const auto &a = s.pool;
  bool same = a.padding == codegen::Padding::Same;
  RefWindow wy = refWindow(s.height, a.poolH, a.strideH, 1, same);
  RefWindow wx = refWindow(s.width, a.poolW, a.strideW, 1, same);
  int H = s.height, W = s.width, C = s.channels;
  std::vector<double> dx(size_t(n) * H * W * C, 0.0);
  auto inside = [&](int iy, int ix) {
    return iy >= 0 && iy < H && ix >= 0 && ix < W;
  };
  for (int b = 0; b < n; ++b)
    for (int oy = 0; oy < wy.out; ++oy)
      for (int ox = 0; ox < wx.out; ++ox) {
        int y0 = oy * a.strideH - wy.pad, x0 = ox * a.strideW - wx.pad;
        int count = 0;
        for (int ky = 0; ky < a.poolH; ++ky)
          for (int kx = 0; kx < a.poolW; ++kx)
            count += inside(y0 + ky, x0 + kx);
        for (int c = 0; c < C; ++c) {
          double g =
              dy[((size_t(b) * wy.out + oy) * wx.out + ox) * C + c] / count;
          for (int ky = 0; ky < a.poolH; ++ky)
            for (int kx = 0; kx < a.poolW; ++kx)
              if (inside(y0 + ky, x0 + kx))
                dx[((size_t(b) * H + y0 + ky) * W + x0 + kx) * C + c] += g;
        }
      }
  return Tensor(dx.begin(), dx.end());
}

} // namespace kiln::reference
