//===- Dense.cpp - nn.dense, nn.bias_add and nn.weight: shape inference ---===//
//
// Dense multiplies the last axis (Keras applies Dense to inputs of any rank
// that way); bias_add adds along the last axis; a weight's type is its own.
//
//===----------------------------------------------------------------------===//
#include "ir/NNDialect.h"
#include "ir/ShapeUtils.h"

using namespace mlir;
using namespace kiln::nn;

LogicalResult DenseOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  Operation *op = getOperation();
  auto in = operandType(op, 0).getShape();
  if (in.empty())
    return emitOpError("input must have rank >= 1");
  if (failed(expectRank(op, 1, "kernel", 2)))
    return failure();
  auto k = operandType(op, 1).getShape();
  if (in.back() != kDynamic && in.back() != k[0])
    return emitOpError("kernel expects ")
           << k[0] << " input features but the input's last axis has "
           << in.back();
  if (bias()) {
    auto b = bias().getType().cast<RankedTensorType>().getShape();
    if (b.size() != 1 || b[0] != k[1])
      return emitOpError("bias must have shape (") << k[1] << ",), got "
                                                   << formatShape(b);
  }
  SmallVector<int64_t, 4> out(in.begin(), in.end());
  out.back() = k[1];
  types.push_back(tensorLike(op, out));
  return success();
}

LogicalResult BiasAddOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  Operation *op = getOperation();
  auto in = operandType(op, 0).getShape();
  auto b = operandType(op, 1).getShape();
  if (in.empty() || b.size() != 1 ||
      (in.back() != kDynamic && b[0] != in.back()))
    return emitOpError("bias of shape ")
           << formatShape(b) << " does not match the last axis of "
           << formatShape(in);
  types.push_back(operandType(op, 0));
  return success();
}

LogicalResult WeightOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  auto t = getType().dyn_cast<RankedTensorType>();
  if (!t || !t.hasStaticShape())
    return emitOpError("weight '") << name() << "' must have a static shape";
  if (name().empty())
    return emitOpError("weight name must not be empty");
  types.push_back(t);
  return success();
}

LogicalResult DenseOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                      SmallVectorImpl<Value> &operandGrads) {
  Value dy = grads[0];
  if (input().getType().cast<RankedTensorType>().getRank() != 2)
    return emitOpError("gradient needs a 2-D input (flatten first)");
  // dx = dy . W^T, dW = x^T . dy, db = sum over the batch of dy.
  Value dx;
  if (!input().isa<BlockArgument>()) {
    auto op = createInferred<MatMulOp>(b, getLoc(), 1, dy, kernel(),
                                       b.getBoolAttr(false),
                                       b.getBoolAttr(true));
    if (!op)
      return failure();
    dx = op.output();
  }
  auto dw = createInferred<MatMulOp>(b, getLoc(), 1, input(), dy,
                                     b.getBoolAttr(true), b.getBoolAttr(false));
  if (!dw)
    return failure();
  operandGrads.push_back(dx);
  operandGrads.push_back(dw.output());
  if (bias()) {
    auto db = createInferred<ReduceSumOp>(b, getLoc(), 1, dy,
                                          b.getI64ArrayAttr({0}),
                                          b.getBoolAttr(false));
    if (!db)
      return failure();
    operandGrads.push_back(db.output());
  }
  return success();
}

LogicalResult BiasAddOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                        SmallVectorImpl<Value> &operandGrads) {
  int64_t rank = input().getType().cast<RankedTensorType>().getRank();
  SmallVector<int64_t, 4> axes;
  for (int64_t i = 0; i + 1 < rank; ++i)
    axes.push_back(i);
  auto db = createInferred<ReduceSumOp>(b, getLoc(), 1, grads[0],
                                        b.getI64ArrayAttr(axes),
                                        b.getBoolAttr(false));
  if (!db)
    return failure();
  operandGrads.push_back(grads[0]);
  operandGrads.push_back(db.output());
  return success();
}

bool DenseOp::canAbsorb(ArrayRef<Operation *> group, Operation *consumer) {
  // The dense kernel fuses a relu or a softmax over the units.
  if (group.size() != 1)
    return false;
  if (isa<ReluOp>(consumer))
    return true;
  if (auto sm = dyn_cast<SoftmaxOp>(consumer))
    return normalizeAxis(static_cast<int64_t>(sm.axis()), 2) == 1 &&
           output().getType().cast<RankedTensorType>().getRank() == 2;
  return false;
}
