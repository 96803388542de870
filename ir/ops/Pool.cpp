//===- Pool.cpp - Pooling ops: shape inference ----------------------------===//
//
// Keras's MaxPooling2D / AveragePooling2D windows (pool size, strides,
// padding), and the global poolings that reduce H and W.
//
//===----------------------------------------------------------------------===//
#include "ir/NNDialect.h"
#include "ir/ShapeUtils.h"

using namespace mlir;
using namespace kiln::nn;

namespace kiln::nn {
FailureOr<bool> readWindowPadding(Operation *op, StringRef padding);
}

/// Shape of a windowed pooling of a rank-4 NHWC operand.
static LogicalResult inferPool(Operation *op, ArrayAttr poolSize,
                               ArrayAttr strides, StringRef padding,
                               SmallVectorImpl<Type> &types) {
  if (failed(expectRank(op, 0, "input", 4)))
    return failure();
  auto in = operandType(op, 0).getShape();
  SmallVector<int64_t, 2> ps, st;
  FailureOr<bool> same = readWindowPadding(op, padding);
  if (failed(same) || failed(readInts(op, poolSize, "pool_size", 2, 1, ps)) ||
      failed(readInts(op, strides, "strides", 2, 1, st)))
    return failure();
  int64_t oh = windowOutputSize(in[1], ps[0], st[0], 1, *same);
  int64_t ow = windowOutputSize(in[2], ps[1], st[1], 1, *same);
  if (oh < 0 || ow < 0)
    return op->emitOpError("pool size ")
           << formatPair(ps[0], ps[1]) << " is larger than its input "
           << formatPair(in[1], in[2]) << " with padding \"valid\"";
  types.push_back(tensorLike(op, {in[0], oh, ow, in[3]}));
  return success();
}

LogicalResult MaxPool2DOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  return inferPool(*this, pool_size(), strides(), padding(), types);
}

LogicalResult AvgPool2DOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  return inferPool(*this, pool_size(), strides(), padding(), types);
}

static LogicalResult inferGlobalPool(Operation *op, bool keepdims,
                                     SmallVectorImpl<Type> &types) {
  if (failed(expectRank(op, 0, "input", 4)))
    return failure();
  auto in = operandType(op, 0).getShape();
  if (keepdims)
    types.push_back(tensorLike(op, {in[0], 1, 1, in[3]}));
  else
    types.push_back(tensorLike(op, {in[0], in[3]}));
  return success();
}

LogicalResult GlobalAvgPool2DOp::inferResultTypes(SmallVectorImpl<Type> &t) {
  return inferGlobalPool(*this, keepdims(), t);
}

LogicalResult GlobalMaxPool2DOp::inferResultTypes(SmallVectorImpl<Type> &t) {
  return inferGlobalPool(*this, keepdims(), t);
}

LogicalResult MaxPool2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                          SmallVectorImpl<Value> &operandGrads) {
  auto g = createInferred<MaxPool2DGradOp>(b, getLoc(), 1, input(), grads[0],
                                           pool_size(), strides(),
                                           paddingAttr());
  if (!g)
    return failure();
  operandGrads.push_back(g.input_grad());
  return success();
}

LogicalResult AvgPool2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                          SmallVectorImpl<Value> &operandGrads) {
  return emitOpError("has no gradient yet");
}
