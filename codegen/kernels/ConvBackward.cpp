//===- ConvBackward.cpp - Conv2D gradients (input, kernel, bias) ----------===//
//
// Forward: out(co, ox, oy) += in(ci, ox*sx + kx*dx - pl, oy*sy + ky*dy - pt)
//                             * kernel(co, ci, kx, ky).
//
// Backprop input (dx):
//   kernel_t(ci, co, kx, ky) = kernel(co, ci, kx, ky)       (ci contiguous)
//   grad_dilated(co, X, Y, n) = dy(co, X/sx, Y/sy, n) where X, Y are
//                               multiples of the strides inside dy, else 0
//   dx(ci, x, y, n) = sum_{co, kx, ky} grad_dilated(co, x + pl - kx*dx,
//                     y + pt - ky*dy, n) * kernel_t(ci, co, kx, ky)
//   Only the ky with 0 <= y + pt - ky*dy < (dy rows)*sy run (an
//   RDom::where that Halide turns into per-row bounds of the ky loop): the
//   other rows of the full convolution read only zeros (6 of 39 row taps,
//   15% of the multiply-adds, for the seed's conv2; the zero columns, 13%
//   more, stay, inside the register tile). Only under the family's own CPU
//   schedule: GPU and autoscheduled kernels keep the full convolution
//   (under the GPU schedule the predicate made the OpenCL kernel fail its
//   bounds check on dy's batch dimension; not investigated further).
//   Schedule: exactly the forward conv's register tile with the channel
//   roles swapped; grad_dilated is staged once per image.
//   Fused epilogue (spec.fusedPoolGrad): dx is the output gradient of a
//   max pool's gradient (PoolBackward.cpp's algorithm, relu's gradient
//   optionally after it); dx's tile is then computed per strip of the pool
//   gradient's rows, inside its loops.
//
// Backprop filter (dkernel):
//   per_image(co, ci, kx, ky, n) = sum_{ox, oy} in_padded(ci, ox*sx + kx*dx
//                                  - pl, oy*sy + ky*dy - pt, n) * dy(co, ox, oy, n)
//   dkernel(co, ci, kx, ky) = sum_n per_image(co, ci, kx, ky, n)
//   Schedule:
//   1. The batch sum is split into fixed chunks of rfactorChunk images
//      (rfactor); chunks run in parallel, each summing its images in order,
//      and the chunk partials are added in order: deterministic for any
//      thread count.
//   2. Inside a chunk, for each image, per_image is computed one register
//      tile at a time (tileChannels vectors of co by tileX input channels,
//      by all of kx when tileY > 1), the reduction over (ox, oy) running
//      with the tile in registers; the tile is then added into the partial.
//
// Backprop bias: dbias(co) = sum_{n, oy, ox} dy(co, ox, oy, n), chunked over
// the batch the same way.
//
//===----------------------------------------------------------------------===//
#include "codegen/kernels/Kernels.h"

using namespace Halide;

namespace kiln::codegen::kernels {

namespace {

Func zeroPadded(const KernelSpec &s, ImageParam in, const std::string &name) {
  Var c("c"), x("x"), y("y"), n("n");
  Func p(name);
  Expr inside = x >= 0 && x < s.width && y >= 0 && y < s.height;
  p(c, x, y, n) = select(
      inside, in(c, clamp(x, 0, s.width - 1), clamp(y, 0, s.height - 1), n),
      0.0f);
  return p;
}

bool convNeedsPadding(const KernelSpec &s) {
  const Conv2DAttrs &a = s.conv;
  WindowDim wh = s.outH(), ww = s.outW();
  return wh.padBefore > 0 || ww.padBefore > 0 ||
         (wh.out - 1) * a.strideH + (a.kernelH - 1) * a.dilationH >=
             s.height ||
         (ww.out - 1) * a.strideW + (a.kernelW - 1) * a.dilationW >= s.width;
}

} // namespace

namespace {

/// Backprop input's Funcs (banner).
struct BackpropInput {
  Func kernelT, dil, out;
  Func acc;
  RDom r;
  Var c{"c"}, x{"x"}, y{"y"}, n{"n"};
};

/// The algorithm of the banner: dx from dy and the kernel.
BackpropInput defineBackpropInput(const KernelSpec &s, Func dy, Func kernel,
                                  bool skipZeroRows) {
  const Conv2DAttrs &a = s.conv;
  WindowDim wh = s.outH(), ww = s.outW();
  BackpropInput b;
  Var c = b.c, x = b.x, y = b.y, n = b.n, co("co"), kx("kx"), ky("ky");
  b.kernelT = Func(s.name + "_kernel_t");
  b.kernelT(c, co, kx, ky) = kernel(co, c, kx, ky);
  b.dil = Func(s.name + "_grad_dilated");
  Expr qx = x / a.strideW, qy = y / a.strideH;
  Expr hit = x >= 0 && y >= 0 && qx < ww.out && qy < wh.out;
  if (a.strideW > 1)
    hit = hit && x % a.strideW == 0;
  if (a.strideH > 1)
    hit = hit && y % a.strideH == 0;
  b.dil(c, x, y, n) = select(
      hit, dy(c, clamp(qx, 0, ww.out - 1), clamp(qy, 0, wh.out - 1), n), 0.0f);
  b.r = RDom(0, a.filters, 0, a.kernelW, 0, a.kernelH, s.name + "_r");
  RDom r = b.r;
  // Kernel rows whose grad_dilated row lies outside dy are all zeros: skip
  // them (Halide trims r.z's loop per output row; see banner).
  if (skipZeroRows) {
    Expr dyRow = y + wh.padBefore - r.z * a.dilationH;
    r.where(dyRow >= 0 && dyRow < wh.out * a.strideH);
  }
  b.acc = Func(s.name + "_conv2d_backprop_input");
  b.acc(c, x, y, n) = 0.0f;
  b.acc(c, x, y, n) += b.dil(r.x, x + ww.padBefore - r.y * a.dilationW,
                             y + wh.padBefore - r.z * a.dilationH, n) *
                       b.kernelT(c, r.x, r.y, r.z);
  b.out = Func(s.name + "_input_grad");
  b.out(c, x, y, n) = b.acc(c, x, y, n);
  return b;
}

/// The register tile of the banner over dx's (c, x) for one row of one
/// image at a time. The staged grad_dilated lives at `image` (the batch
/// loop of the kernel's output) when storeAt is "image"; parallel loops are
/// the caller's.
void scheduleBackpropInput(const KernelSpec &s, const Schedule &sc,
                           BackpropInput &b, LoopLevel image) {
  const Conv2DAttrs &a = s.conv;
  Var c = b.c, x = b.x, y = b.y, n = b.n;
  RDom r = b.r;
  int cin = s.channels;
  int vec = fitVector(sc.vectorWidth, cin);
  int tc = std::max(1, std::min(sc.tileChannels, cin / vec));
  int tx = std::max(1, std::min(sc.tileX, s.width));
  Var ct("ct"), ci("ci"), xo("xo"), xi("xi");
  b.out.split(c, ct, ci, vec * tc, TailStrategy::ShiftInwards)
      .split(x, xo, xi, tx, TailStrategy::ShiftInwards)
      .reorder(ci, xi, xo, ct, y, n)
      .vectorize(ci, vec)
      .unroll(ci)
      .unroll(xi);
  b.acc.compute_at(b.out, xo).vectorize(c, vec).unroll(c).unroll(x).unroll(y);
  Stage u = b.acc.update();
  u.reorder(c, x, y, r.x, r.y, r.z, n)
      .vectorize(c, vec)
      .unroll(c)
      .unroll(x)
      .unroll(y);
  if (sc.unrollReduction > 1 && a.filters % sc.unrollReduction == 0)
    u.unroll(r.x, sc.unrollReduction);
  int fv = fitVector(vec, a.filters);
  if (sc.storeAt == "root")
    b.dil.compute_root().vectorize(c, fv, TailStrategy::ShiftInwards);
  else if (sc.storeAt == "image")
    b.dil.compute_at(image).vectorize(c, fv, TailStrategy::ShiftInwards);
  b.kernelT.compute_root().vectorize(c, vec, TailStrategy::GuardWithIf);
}

} // namespace

KernelPipeline buildConv2DBackpropInput(const KernelSpec &s,
                                        const Schedule &sc,
                                        bool skipZeroRows) {
  std::vector<TensorArg> args = kernelArguments(s);
  ImageParam dy = makeInput(s, args[0]);
  ImageParam kernel = makeInput(s, args[1]);
  BackpropInput b = defineBackpropInput(s, dy, kernel, skipZeroRows);
  KernelPipeline k;
  k.inputs = {dy, kernel};
  if (!s.fusedPoolGrad.enabled) {
    // Schedule: the forward conv's register tile over input channels.
    scheduleBackpropInput(s, sc, b, LoopLevel(b.out, b.n));
    if (sc.parallel == "n" || sc.parallel == "ny")
      b.out.parallel(b.n);
    if (sc.parallel == "y" || sc.parallel == "ny")
      b.out.parallel(b.y);
    k.outputs = {b.out};
    return k;
  }

  // Fused max-pool (+ relu) gradient: dx feeds the pool gradient's gather
  // as its dy; dx is computed per strip of the pool gradient's rows (the
  // rows of dx one strip reads: one for a 2x2/2 pool) with dx's own
  // register tile, or per image with computeAt "root", and never stored
  // whole. The pool gradient's tile is its default (4 vectors of channels).
  const FusedPoolGrad &fp = s.fusedPoolGrad;
  ImageParam poolIn = makeInput(s, args[2]);
  MaxPoolGrad g = defineMaxPoolGrad(s.name + "_pool", fp.height, fp.width,
                                    fp.pool, poolIn, b.out);
  bool strips = sc.computeAt != "root";
  Var strip = scheduleMaxPoolGrad(g, s.channels, fp.pool, sc, 4,
                                  strips ? fp.pool.strideH : 0);
  scheduleBackpropInput(s, sc, b, LoopLevel(g.out, g.n));
  b.out.compute_at(g.out, strips ? strip : g.n);
  k.inputs.push_back(poolIn);
  k.outputs = {g.out};
  return k;
}

KernelPipeline buildConv2DBackpropFilter(const KernelSpec &s,
                                         const Schedule &sc) {
  std::vector<TensorArg> args = kernelArguments(s);
  ImageParam in = makeInput(s, args[0]);
  ImageParam dy = makeInput(s, args[1]);
  const Conv2DAttrs &a = s.conv;
  WindowDim wh = s.outH(), ww = s.outW();
  Var co("co"), ci("ci"), kx("kx"), ky("ky"), n("n");

  // Algorithm.
  bool pad = convNeedsPadding(s);
  Func inPadded = pad ? zeroPadded(s, in, s.name + "_input_padded") : Func(in);
  RDom r(0, ww.out, 0, wh.out, s.name + "_r");
  Func perImage(s.name + "_conv2d_backprop_filter");
  perImage(co, ci, kx, ky, n) = 0.0f;
  perImage(co, ci, kx, ky, n) +=
      inPadded(ci, r.x * a.strideW + kx * a.dilationW - ww.padBefore,
               r.y * a.strideH + ky * a.dilationH - wh.padBefore, n) *
      dy(co, r.x, r.y, n);
  // 2. Sum over the batch, in chunks of `chunk` images (see banner).
  Expr batch = dy.dim(3).extent();
  int chunk = sc.rfactor ? std::max(1, sc.rfactorChunk) : 0;
  Var u("u");
  Func partial(s.name + "_kernel_grad_partial");
  RDom rj;
  Func out(s.name + "_kernel_grad");
  out(co, ci, kx, ky) = 0.0f;
  if (chunk) {
    rj = RDom(0, chunk, s.name + "_rj");
    Expr img = u * chunk + rj;
    partial(co, ci, kx, ky, u) = 0.0f;
    partial(co, ci, kx, ky, u) +=
        select(img < batch, perImage(co, ci, kx, ky, min(img, batch - 1)),
               0.0f);
    RDom ru(0, (batch + chunk - 1) / chunk, s.name + "_ru");
    out(co, ci, kx, ky) += partial(co, ci, kx, ky, ru);
  } else {
    rj = RDom(0, batch, s.name + "_rn");
    out(co, ci, kx, ky) += perImage(co, ci, kx, ky, rj);
  }

  // Schedule.
  // Tiles must divide the extents exactly: a partial tile of per_image would
  // read past dy (GuardWithIf does not shrink the producer's region), and
  // ShiftInwards would add overlapping elements twice.
  int cout = a.filters;
  int vec = fitVector(sc.vectorWidth, cout);
  while (cout % vec != 0)
    vec /= 2;
  int tc = fitDivisor(sc.tileChannels, cout / vec);
  int tci = fitDivisor(sc.tileX, s.channels);
  bool tileKx = sc.tileY > 1;
  Var coo("coo"), coi("coi"), cio("cio"), cii("cii");
  Func acc = chunk ? partial : out; // holds the per-image loop
  out.vectorize(co, vec);
  if (chunk) {
    partial.compute_root().vectorize(co, vec);
    if (sc.parallel != "none")
      partial.parallel(u);
    out.update().reorder(co, ci, kx, ky).vectorize(co, vec);
  }
  Stage accUpdate = acc.update();
  accUpdate.split(co, coo, coi, vec * tc).split(ci, cio, cii, tci);
  if (tileKx)
    accUpdate.reorder(coi, cii, kx, coo, cio, ky, rj.x);
  else
    accUpdate.reorder(coi, cii, coo, cio, kx, ky, rj.x);
  accUpdate.vectorize(coi, vec).unroll(cii);
  if (chunk && sc.parallel != "none")
    accUpdate.parallel(u);
  if (tileKx)
    accUpdate.unroll(kx);
  perImage.compute_at(acc, coo)
      .vectorize(co, vec)
      .unroll(co)
      .unroll(ci)
      .unroll(kx)
      .unroll(ky);
  perImage.update()
      .reorder(co, ci, kx, ky, n, r.x, r.y)
      .vectorize(co, vec)
      .unroll(co)
      .unroll(ci)
      .unroll(kx)
      .unroll(ky);
  if (pad)
    inPadded.compute_at(acc, rj.x)
        .vectorize(inPadded.args()[0], fitVector(vec, s.channels),
                   TailStrategy::ShiftInwards);

  KernelPipeline k;
  k.inputs = {in, dy};
  k.outputs = {out};
  return k;
}

KernelPipeline buildConv2DBackpropBias(const KernelSpec &s,
                                       const Schedule &sc) {
  std::vector<TensorArg> args = kernelArguments(s);
  ImageParam dy = makeInput(s, args[0]);
  WindowDim wh = s.outH(), ww = s.outW();
  Var co("co"), n("n");

  // Algorithm.
  RDom r(0, ww.out, 0, wh.out, s.name + "_r");
  Func perImage(s.name + "_conv2d_backprop_bias");
  perImage(co, n) = 0.0f;
  perImage(co, n) += dy(co, r.x, r.y, n);
  Expr batch = dy.dim(3).extent();
  int chunk = sc.rfactor ? std::max(1, sc.rfactorChunk) : 0;
  Var u("u");
  Func partial(s.name + "_bias_grad_partial");
  RDom rj;
  Func out(s.name + "_bias_grad");
  out(co) = 0.0f;
  if (chunk) {
    rj = RDom(0, chunk, s.name + "_rj");
    Expr img = u * chunk + rj;
    partial(co, u) = 0.0f;
    partial(co, u) +=
        select(img < batch, perImage(co, min(img, batch - 1)), 0.0f);
    RDom ru(0, (batch + chunk - 1) / chunk, s.name + "_ru");
    out(co) += partial(co, ru);
  } else {
    rj = RDom(0, batch, s.name + "_rn");
    out(co) += perImage(co, rj);
  }

  // Schedule: vectorised over co, batch chunks in parallel (see banner).
  int vec = fitVector(sc.vectorWidth, s.conv.filters);
  while (s.conv.filters % vec != 0)
    vec /= 2;
  out.vectorize(co, vec);
  out.update().vectorize(co, vec);
  Func acc = chunk ? partial : out;
  if (chunk) {
    partial.compute_root().vectorize(co, vec);
    partial.update().reorder(co, rj.x, u).vectorize(co, vec);
    if (sc.parallel != "none")
      partial.parallel(u).update().parallel(u);
  }
  perImage.compute_at(acc, rj.x).vectorize(co, vec);
  perImage.update().reorder(co, n, r.x, r.y).vectorize(co, vec);

  KernelPipeline k;
  k.inputs = {dy};
  k.outputs = {out};
  return k;
}

} // namespace kiln::codegen::kernels
