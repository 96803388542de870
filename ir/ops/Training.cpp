//===- Training.cpp - Shapes of gradient, loss and optimizer ops ----------===//
//
// Shape inference for the ops of NNTrainingOps.td (the weight penalties
// included), and the gradient of the fused softmax cross-entropy.
//
//===----------------------------------------------------------------------===//
#include "ir/NNDialect.h"
#include "ir/ShapeUtils.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace kiln::nn;

namespace kiln::nn {
FailureOr<bool> readWindowPadding(Operation *op, StringRef padding);
}

/// A loss's gradient with respect to its first operand (logits or
/// predictions) is its *_grad op of the same two operands; the targets get
/// none. nn-build-train-step seeds it as the batch mean of the per-sample
/// loss (see its description).
template <typename GradOp>
static LogicalResult lossGradient(Operation *loss, OpBuilder &b,
                                  SmallVectorImpl<Value> &operandGrads) {
  auto g = createInferred<GradOp>(b, loss->getLoc(), 1, loss->getOperand(0),
                                  loss->getOperand(1));
  if (!g)
    return failure();
  operandGrads.push_back(g->getResult(0));
  operandGrads.push_back(nullptr);
  return success();
}

/// The window attributes the two conv gradients share with conv2d: a pair
/// (the input size or the kernel size), strides, dilation, padding.
template <typename OpTy>
static LogicalResult readConvGradAttrs(OpTy op, ArrayAttr pair,
                                       StringRef pairName,
                                       SmallVectorImpl<int64_t> &sizes,
                                       SmallVectorImpl<int64_t> &st,
                                       SmallVectorImpl<int64_t> &dil,
                                       bool &same) {
  if (failed(readInts(op, pair, pairName, 2, 1, sizes)) ||
      failed(readInts(op, op.strides(), "strides", 2, 1, st)) ||
      failed(readInts(op, op.dilation(), "dilation", 2, 1, dil)) ||
      failed(readWindowPadding(op, op.padding())))
    return failure();
  same = op.padding() == "same";
  return success();
}

LogicalResult
Conv2DBackpropInputOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectRank(*this, 0, "output_grad", 4)) ||
      failed(expectRank(*this, 1, "kernel", 4)))
    return failure();
  SmallVector<int64_t, 2> size, st, dil;
  bool same;
  if (failed(readConvGradAttrs(*this, input_size(), "input_size", size, st,
                               dil, same)))
    return failure();
  auto dy = operandType(*this, 0).getShape();
  auto k = operandType(*this, 1).getShape();
  if (windowOutputSize(size[0], k[0], st[0], dil[0], same) != dy[1] ||
      windowOutputSize(size[1], k[1], st[1], dil[1], same) != dy[2] ||
      dy[3] != k[3])
    return emitOpError("output_grad ")
           << formatShape(dy) << " is not what conv2d gives for input size "
           << formatPair(size[0], size[1]) << " and kernel " << formatShape(k);
  types.push_back(tensorLike(*this, {dy[0], size[0], size[1], k[2]}));
  return success();
}

LogicalResult
Conv2DBackpropFilterOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectRank(*this, 0, "input", 4)) ||
      failed(expectRank(*this, 1, "output_grad", 4)))
    return failure();
  SmallVector<int64_t, 2> ks, st, dil;
  bool same;
  if (failed(readConvGradAttrs(*this, kernel_size(), "kernel_size", ks, st,
                               dil, same)))
    return failure();
  auto x = operandType(*this, 0).getShape();
  auto dy = operandType(*this, 1).getShape();
  if (windowOutputSize(x[1], ks[0], st[0], dil[0], same) != dy[1] ||
      windowOutputSize(x[2], ks[1], st[1], dil[1], same) != dy[2])
    return emitOpError("output_grad ")
           << formatShape(dy) << " is not what conv2d gives for input "
           << formatShape(x);
  types.push_back(tensorLike(*this, {ks[0], ks[1], x[3], dy[3]}));
  return success();
}

LogicalResult MaxPool2DGradOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectRank(*this, 0, "input", 4)) ||
      failed(expectRank(*this, 1, "output_grad", 4)))
    return failure();
  types.push_back(operandType(*this, 0));
  return success();
}

LogicalResult ExtremumGradOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (kind() != "maximum" && kind() != "minimum")
    return emitOpError("kind must be \"maximum\" or \"minimum\", not \"")
           << kind() << "\"";
  for (unsigned i = 1; i < 3; ++i)
    if (failed(verifyCompatibleShape(operandType(*this, 0).getShape(),
                                     operandType(*this, i).getShape())))
      return emitOpError("operands of different shapes");
  types.append(2, operandType(*this, 0));
  return success();
}

LogicalResult ReluGradOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(verifyCompatibleShape(operandType(*this, 0).getShape(),
                                   operandType(*this, 1).getShape())))
    return emitOpError("output and output_grad shapes differ");
  types.push_back(operandType(*this, 0));
  return success();
}

LogicalResult MatMulOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectRank(*this, 0, "lhs", 2)) ||
      failed(expectRank(*this, 1, "rhs", 2)))
    return failure();
  auto a = operandType(*this, 0).getShape();
  auto b = operandType(*this, 1).getShape();
  int64_t m = transpose_lhs() ? a[1] : a[0], ka = transpose_lhs() ? a[0] : a[1];
  int64_t kb = transpose_rhs() ? b[1] : b[0], n = transpose_rhs() ? b[0] : b[1];
  if (failed(verifyCompatibleShape({ka}, {kb})))
    return emitOpError("contracted sizes differ: ")
           << formatShape(a) << " and " << formatShape(b);
  types.push_back(tensorLike(*this, {m, n}));
  return success();
}

LogicalResult
SoftmaxCrossEntropyOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectRank(*this, 0, "logits", 2)) ||
      failed(verifyCompatibleShape(operandType(*this, 0).getShape(),
                                   operandType(*this, 1).getShape())))
    return emitOpError("expects logits and targets of one (N, C) shape");
  int64_t n = operandType(*this, 0).getShape()[0];
  types.push_back(tensorLike(*this, {n}));
  types.push_back(tensorLike(*this, {n}));
  return success();
}

LogicalResult
SoftmaxCrossEntropyGradOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectRank(*this, 0, "logits", 2)) ||
      failed(verifyCompatibleShape(operandType(*this, 0).getShape(),
                                   operandType(*this, 1).getShape())))
    return emitOpError("expects logits and targets of one (N, C) shape");
  types.push_back(operandType(*this, 0));
  return success();
}

LogicalResult AdamUpdateOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  auto w = operandType(*this, 0);
  for (unsigned i = 1; i < 4; ++i)
    if (operandType(*this, i).getShape() != w.getShape())
      return emitOpError("operand ") << i << " has shape "
                                     << formatShape(operandType(*this, i).getShape())
                                     << ", the weight " << formatShape(w.getShape());
  if (operandType(*this, 4).getNumElements() != 1)
    return emitOpError("iterations must be a scalar");
  types.append(3, w);
  return success();
}

LogicalResult ConstantOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  types.push_back(value().getType());
  return success();
}

LogicalResult SoftmaxCrossEntropyOp::buildGradients(
    OpBuilder &b, ArrayRef<Value> resultGrads,
    SmallVectorImpl<Value> &operandGrads) {
  return lossGradient<SoftmaxCrossEntropyGradOp>(*this, b, operandGrads);
}

/// Optimizer updates: every operand but the last scalar-free ones has the
/// weight's shape; one result per updated tensor.
static LogicalResult inferSameAsWeight(Operation *op, unsigned operands,
                                       unsigned results,
                                       SmallVectorImpl<Type> &types) {
  auto w = operandType(op, 0);
  for (unsigned i = 1; i < operands; ++i)
    if (operandType(op, i).getShape() != w.getShape())
      return op->emitOpError("operand ")
             << i << " has shape "
             << formatShape(operandType(op, i).getShape()) << ", the weight "
             << formatShape(w.getShape());
  types.append(results, w);
  return success();
}

LogicalResult SGDUpdateOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  return inferSameAsWeight(*this, 3, 2, types);
}

LogicalResult RMSpropUpdateOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  return inferSameAsWeight(*this, 3, 2, types);
}

LogicalResult FusedOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  for (Value v : body().front().getTerminator()->getOperands())
    types.push_back(v.getType());
  return success();
}

bool Conv2DBackpropInputOp::canAbsorb(ArrayRef<Operation *> group,
                                      Operation *consumer) {
  // The input gradient's kernel fuses the max pool gradient that routes it
  // (computed per tile of the pool's input, the conv rows it reads computed
  // inside), then the gradient of the relu before the pool.
  if (auto pool = dyn_cast<MaxPool2DGradOp>(consumer))
    return group.size() == 1 &&
           pool.output_grad() == group.back()->getResult(0) &&
           pool.input() != pool.output_grad();
  auto relu = dyn_cast<ReluGradOp>(consumer);
  if (group.size() != 2 || !relu)
    return false;
  auto pool = cast<MaxPool2DGradOp>(group.back());
  return relu.output() == pool.input() &&
         relu.output_grad() == pool.input_grad();
}

bool Conv2DBackpropInputOp::fusedByDefault(ArrayRef<Operation *> group) {
  // Measured (docs/PERFORMANCE.md, "Backward fusion"; the seed's training
  // step at batch 128, 2-core AMD EPYC shared with other builds,
  // 2026-11-26): the whole step with the fused conv2d_1 input gradient +
  // pool gradient + relu gradient kernel took 1.014-1.024x the unfused
  // step's time (bench_model --compare-fuse all=1, three interleaved runs);
  // the kernel alone (bench_kernels, one thread) 9.48 ms against 7.75 +
  // 1.04 for the two it replaces. The pool gradient streams 22 MB that
  // interleaving with the convolution's tiles does not hide; fusion saves
  // only the 2.7 MB intermediate. Not by default until a schedule makes it
  // at least as fast.
  return group.size() == 1;
}

bool MaxPool2DGradOp::canAbsorb(ArrayRef<Operation *> group,
                                Operation *consumer) {
  // The pool gradient's kernel fuses the gradient of the relu that produced
  // its input: relu_grad(input, this) keeps what reaches a positive input.
  auto relu = dyn_cast<ReluGradOp>(consumer);
  return group.size() == 1 && relu && relu.output() == input() &&
         relu.output_grad() == input_grad();
}

/// (logits or predictions, targets) of one (N, C) shape.
static LogicalResult expectLossPair(Operation *op) {
  if (failed(expectRank(op, 0, "predictions", 2)) ||
      failed(verifyCompatibleShape(operandType(op, 0).getShape(),
                                   operandType(op, 1).getShape())))
    return op->emitOpError("expects predictions and targets of one (N, C) shape");
  return success();
}

LogicalResult
SigmoidCrossEntropyOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectLossPair(*this)))
    return failure();
  int64_t n = operandType(*this, 0).getShape()[0];
  types.append(2, tensorLike(*this, {n}));
  return success();
}

LogicalResult
SigmoidCrossEntropyGradOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectLossPair(*this)))
    return failure();
  types.push_back(operandType(*this, 0));
  return success();
}

LogicalResult
MeanSquaredErrorGradOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectLossPair(*this)))
    return failure();
  types.push_back(operandType(*this, 0));
  return success();
}

LogicalResult
CategoricalAccuracyOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectLossPair(*this)))
    return failure();
  types.push_back(tensorLike(*this, {operandType(*this, 0).getShape()[0]}));
  return success();
}

LogicalResult SigmoidCrossEntropyOp::buildGradients(
    OpBuilder &b, ArrayRef<Value> resultGrads,
    SmallVectorImpl<Value> &operandGrads) {
  return lossGradient<SigmoidCrossEntropyGradOp>(*this, b, operandGrads);
}

LogicalResult MeanSquaredErrorOp::buildGradients(
    OpBuilder &b, ArrayRef<Value> resultGrads,
    SmallVectorImpl<Value> &operandGrads) {
  return lossGradient<MeanSquaredErrorGradOp>(*this, b, operandGrads);
}

LogicalResult WeightPenaltyOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (l1().convertToDouble() < 0 || l2().convertToDouble() < 0)
    return emitOpError("l1 and l2 must not be negative");
  types.push_back(tensorLike(*this, {}));
  return success();
}

LogicalResult
WeightPenaltyGradOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (operandType(*this, 0) != operandType(*this, 1))
    return emitOpError("weight and grad types differ");
  types.push_back(operandType(*this, 0));
  return success();
}
