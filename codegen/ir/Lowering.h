//===- Lowering.h - The nn -> kernels lowering, shared by its files -*- C++ -*-===//
//
// Private to codegen/ir: the Lowering class that LowerToKernels.cpp (the
// driver, forward ops, fused groups) and LowerTrainingOps.cpp (dropout,
// losses, batch-norm gradients, optimizer updates) implement, and the
// helpers both use to read op attributes.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_IR_LOWERING_H
#define KILN_CODEGEN_IR_LOWERING_H

#include "codegen/ir/LowerToKernels.h"
#include "codegen/KernelCompiler.h"
#include "ir/NNDialect.h"
#include "ir/ShapeUtils.h"

#include "llvm/ADT/DenseMap.h"

namespace kiln::lowering {

namespace cg = kiln::codegen;
using namespace mlir;
using kiln::runtime::TensorRole;
using kiln::nn::formatShape;
using kiln::nn::normalizeAxis;

inline std::vector<int64_t> planShape(Value v) {
  std::vector<int64_t> s;
  for (int64_t d : v.getType().cast<RankedTensorType>().getShape())
    s.push_back(d == ShapedType::kDynamicSize ? -1 : d);
  return s;
}

inline std::vector<int> intShape(Value v) {
  std::vector<int> s;
  for (int64_t d : planShape(v))
    s.push_back(static_cast<int>(d));
  return s;
}

/// The Keras layer name of an op (its NameLoc), for kernel and tensor names.
inline std::string layerName(Operation *op) {
  if (auto n = op->getLoc().dyn_cast<NameLoc>())
    return n.getName().str();
  return op->getName().stripDialect().str();
}

inline std::vector<int> ints(ArrayAttr a) {
  std::vector<int> v;
  for (Attribute x : a)
    v.push_back(x.cast<IntegerAttr>().getInt());
  return v;
}

inline cg::Padding padding(StringRef p) {
  return p == "same" ? cg::Padding::Same : cg::Padding::Valid;
}

/// Pool attributes of any op with pool_size, strides and padding.
template <typename OpTy> cg::PoolAttrs poolAttrs(OpTy op) {
  auto ps = ints(op.pool_size()), st = ints(op.strides());
  cg::PoolAttrs a;
  a.poolH = ps[0];
  a.poolW = ps[1];
  a.strideH = st[0];
  a.strideW = st[1];
  a.padding = padding(op.padding());
  return a;
}

/// Conv attributes of any op with strides, dilation and padding, for a
/// kernel window (kh, kw) and `filters` output channels.
template <typename OpTy>
cg::Conv2DAttrs convAttrs(OpTy op, int kh, int kw, int filters) {
  auto st = ints(op.strides()), dil = ints(op.dilation());
  cg::Conv2DAttrs a;
  a.kernelH = kh;
  a.kernelW = kw;
  a.filters = filters;
  a.strideH = st[0];
  a.strideW = st[1];
  a.dilationH = dil[0];
  a.dilationW = dil[1];
  a.padding = padding(op.padding());
  return a;
}

class Lowering {
public:
  std::optional<KernelProgram> run(FuncOp func);

private:
  int define(Value v, const std::string &name);
  int fixedConstant(const std::string &name, float value);
  /// A tensor shaped like `like` that no IR value names (a kernel's
  /// intermediate between calls of one op).
  int scratch(Value like, const std::string &name);
  int lookup(Value v) { return ids.lookup(v); }
  /// Adds a call of `spec` binding `args` (plan tensor ids) in order.
  void call(const cg::KernelSpec &spec, std::vector<int> args,
            const std::string &label);
  void callValues(const cg::KernelSpec &spec, std::vector<Value> args,
                  const std::string &label);
  LogicalResult lowerOp(Operation *op);
  /// A conv2d or dense with the epilogue ops nn-fuse-kernels grouped after
  /// it; `out` is the group's result.
  LogicalResult lowerConv(nn::Conv2DOp op, ArrayRef<Operation *> epilogue,
                          Value out);
  LogicalResult lowerDense(nn::DenseOp op, ArrayRef<Operation *> epilogue,
                           Value out);
  /// conv2d_backprop_input, alone or with the max_pool2d_grad (+ relu_grad)
  /// nn-fuse-kernels grouped after it.
  LogicalResult lowerConvBackpropInput(nn::Conv2DBackpropInputOp op,
                                       ArrayRef<Operation *> epilogue,
                                       Value out);
  LogicalResult lowerFused(nn::FusedOp op);
  /// Pools and the max-pool gradient: `inputs` then `out`, one spec.
  template <typename OpTy>
  LogicalResult lowerPool(OpTy op, cg::KernelFamily family,
                          std::vector<Value> inputs, Value out);
  /// softmax / log_softmax along the last axis (the only one with a kernel).
  LogicalResult lowerLastAxis(Operation *op, uint64_t axis, cg::ReduceKind kind);
  LogicalResult lowerElementwise(Operation *op);
  LogicalResult lowerBinary(Operation *op);
  LogicalResult lowerAdam(nn::AdamUpdateOp op);
  LogicalResult lowerBatchNormGrad(nn::BatchNormGradOp op);
  /// A per-sample loss of (predictions, targets), Keras's semantics.
  LogicalResult lowerLoss(Operation *op, cg::ReduceKind kind);
  LogicalResult lowerSigmoidCrossEntropy(nn::SigmoidCrossEntropyOp op);
  /// An elementwise loss gradient: `formula` over (predictions, targets)
  /// times `scale` / N.
  LogicalResult lowerLossGrad(Operation *op, int (*formula)(cg::ElementwiseProgram &, int, int),
                              float scale);
  LogicalResult lowerCategoricalAccuracy(nn::CategoricalAccuracyOp op);
  LogicalResult lowerSGD(nn::SGDUpdateOp op);
  LogicalResult lowerRMSprop(nn::RMSpropUpdateOp op);
  /// One elementwise call computing an optimizer's outputs in place.
  void optimizerCall(Operation *op, Value weight, cg::ElementwiseProgram &p,
                     const char *what);
  LogicalResult lowerDropout(nn::DropoutOp op);
  /// A rank-4 slice: the zero-padding kernel with negative padding.
  LogicalResult lowerSlice(nn::SliceOp op);
  LogicalResult lowerWeightPenalty(nn::WeightPenaltyOp op);
  LogicalResult lowerExtremumGrad(nn::ExtremumGradOp op);
  /// softmax_grad / log_softmax_grad along the last axis.
  LogicalResult lowerSoftmaxGrad(Operation *op, uint64_t axis,
                                 cg::ReduceKind kind);
  LogicalResult lowerWeightPenaltyGrad(nn::WeightPenaltyGradOp op);
  LogicalResult applyAssigns();

  KernelProgram program;
  llvm::DenseMap<Value, int> ids;
  std::map<std::string, int> weights;
  std::vector<std::pair<std::string, Value>> assigns;
  std::vector<Operation *> assignOps;
};

} // namespace kiln::lowering

#endif // KILN_CODEGEN_IR_LOWERING_H
