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
