//===- Kernels.h - Per-family pipeline builders (codegen-internal) -*- C++ -*-===//
//
// One builder per family file (Conv2D.cpp, Pool.cpp, Dense.cpp,
// ConvBackward.cpp, PoolBackward.cpp, Elementwise.cpp, Reduce.cpp,
// MatMul.cpp, Shape.cpp), dispatched from KernelCompiler.cpp by
// an explicit switch, plus the small helpers they share.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/KernelCompiler.h"

namespace kiln::codegen::kernels {

KernelPipeline buildConv2D(const KernelSpec &, const Schedule &);
KernelPipeline buildPool2D(const KernelSpec &, const Schedule &);
KernelPipeline buildDense(const KernelSpec &, const Schedule &);
/// skipZeroRows: skip the kernel rows that read only zeros (ConvBackward.cpp
/// banner); for the family's own CPU schedule only.
KernelPipeline buildConv2DBackpropInput(const KernelSpec &, const Schedule &,
                                        bool skipZeroRows);
KernelPipeline buildConv2DBackpropFilter(const KernelSpec &, const Schedule &);
KernelPipeline buildConv2DBackpropBias(const KernelSpec &, const Schedule &);
KernelPipeline buildMaxPool2DGrad(const KernelSpec &, const Schedule &);
/// AvgPool2D with pool.backward (PoolBackward.cpp).
KernelPipeline buildAvgPool2DGrad(const KernelSpec &, const Schedule &);
KernelPipeline buildElementwise(const KernelSpec &, const Schedule &);
KernelPipeline buildReduce(const KernelSpec &, const Schedule &);
KernelPipeline buildMatMul(const KernelSpec &, const Schedule &);
/// Concatenate, ZeroPadding2D and BatchNormStats (Shape.cpp).
KernelPipeline buildShape(const KernelSpec &, const Schedule &);

/// The max-pool gradient's Funcs (PoolBackward.cpp's banner) over any
/// producer of the output gradient, so that conv2d_backprop_input can fuse
/// it. Funcs are named `<prefix>_argmax`, `<prefix>_input_grad`, ...
struct MaxPoolGrad {
  Halide::Func argmax, acc, out;
  Halide::RDom rw, rc;
  Halide::Var c{"c"}, x{"x"}, y{"y"}, n{"n"};
};
MaxPoolGrad defineMaxPoolGrad(const std::string &prefix, int height,
                              int width, const PoolAttrs &a, Halide::Func in,
                              Halide::Func dy);
/// Its CPU schedule for `channels` channels (tileChannels vectors per
/// tile). With rows > 0 the output's rows are split into strips of `rows`
/// and the strip loop is returned (for a fused producer computed per strip).
Halide::Var scheduleMaxPoolGrad(MaxPoolGrad &g, int channels,
                                const PoolAttrs &a, const Schedule &sc,
                                int tileChannels, int rows);

/// Byte alignment every boundary buffer's host pointer must have (checked
/// at entry). Halide 14 emits aligned vector accesses to rfactor'd outputs
/// regardless of the declared alignment, so it is made part of the contract.
constexpr int kBufferAlignment = kKernelBufferAlignment;

/// Exact bounds, dense strides and kBufferAlignment for a Keras-shaped
/// buffer (shape[0] == -1 is the dynamic batch, min 0). Halide dim i is
/// shape[rank-1-i]. bounds = false sets strides and alignment only (for
/// the 2nd.. buffers of a Tuple-valued output, whose bounds follow the 1st).
void constrainDense(Halide::OutputImageParam p, const std::vector<int> &shape,
                    bool bounds = true);

/// An ImageParam for boundary argument `a`, named `<layer>_<arg>`.
Halide::ImageParam makeInput(const KernelSpec &spec, const TensorArg &a);

/// Largest power of two <= min(want, extent), at least 1.
int fitVector(int want, int extent);

/// Largest divisor of n that is <= want, at least 1.
int fitDivisor(int want, int n);

/// Resets one Function's schedule to a fresh definition's: inlined, no
/// splits, no specializations (KernelCompiler.cpp; the autoschedulers and
/// the GPU schedule start from it).
void resetFunctionSchedule(Halide::Internal::Function f);

/// Replaces the family's CPU schedule of k by the GPU schedule described by
/// schedule's gpu* fields (GpuSchedule.cpp).
void applyGpuSchedule(const KernelSpec &spec, const Schedule &schedule,
                      KernelPipeline &k, const Halide::Target &target);

} // namespace kiln::codegen::kernels
