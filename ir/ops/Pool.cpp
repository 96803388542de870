//===- Pool.cpp - Pooling ops: shape inference ----------------------------===//
//
// Keras's MaxPooling2D / AveragePooling2D windows (pool size, strides,
// padding), the global poolings that reduce H and W, and their gradients
// (a global pool's is its windowed pool's with one window).
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

LogicalResult AvgPool2DGradOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  if (failed(expectRank(*this, 0, "output_grad", 4)))
    return failure();
  SmallVector<int64_t, 2> size, ps, st;
  FailureOr<bool> same = readWindowPadding(*this, padding());
  if (failed(same) ||
      failed(readInts(*this, input_size(), "input_size", 2, 1, size)) ||
      failed(readInts(*this, pool_size(), "pool_size", 2, 1, ps)) ||
      failed(readInts(*this, strides(), "strides", 2, 1, st)))
    return failure();
  auto dy = operandType(*this, 0).getShape();
  int64_t oh = windowOutputSize(size[0], ps[0], st[0], 1, *same);
  int64_t ow = windowOutputSize(size[1], ps[1], st[1], 1, *same);
  if ((dy[1] != kDynamic && dy[1] != oh) || (dy[2] != kDynamic && dy[2] != ow))
    return emitOpError("output_grad ")
           << formatShape(dy) << " does not match the pool of input_size "
           << formatPair(size[0], size[1]) << ", which gives "
           << formatPair(oh, ow);
  types.push_back(tensorLike(*this, {dy[0], size[0], size[1], dy[3]}));
  return success();
}

LogicalResult AvgPool2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                          SmallVectorImpl<Value> &operandGrads) {
  auto in = input().getType().cast<RankedTensorType>().getShape();
  auto g = createInferred<AvgPool2DGradOp>(
      b, getLoc(), 1, grads[0], b.getI64ArrayAttr({in[1], in[2]}),
      pool_size(), strides(), paddingAttr());
  if (!g)
    return failure();
  operandGrads.push_back(g.input_grad());
  return success();
}

/// A global pool's gradient is its windowed pool's with one window the
/// size of the input: dy (N, C) is first viewed as (N, 1, 1, C).
template <typename GradFn>
static LogicalResult globalPoolGradient(Operation *op, OpBuilder &b,
                                        Value input, Value dy,
                                        SmallVectorImpl<Value> &operandGrads,
                                        GradFn makeGrad) {
  auto in = input.getType().cast<RankedTensorType>().getShape();
  if (in[1] == kDynamic || in[2] == kDynamic)
    return op->emitOpError("trains only with a static height and width");
  if (dy.getType().cast<RankedTensorType>().getRank() == 2) {
    auto r = createInferred<ReshapeOp>(b, op->getLoc(), 1, dy,
                                       b.getI64ArrayAttr({1, 1, in[3]}));
    if (!r)
      return failure();
    dy = r.output();
  }
  ArrayAttr window = b.getI64ArrayAttr({in[1], in[2]});
  Value g = makeGrad(dy, window);
  if (!g)
    return failure();
  operandGrads.push_back(g);
  return success();
}

LogicalResult GlobalAvgPool2DOp::buildGradients(
    OpBuilder &b, ArrayRef<Value> grads, SmallVectorImpl<Value> &operandGrads) {
  auto in = input().getType().cast<RankedTensorType>().getShape();
  return globalPoolGradient(
      *this, b, input(), grads[0], operandGrads,
      [&](Value dy, ArrayAttr window) -> Value {
        auto g = createInferred<AvgPool2DGradOp>(
            b, getLoc(), 1, dy, b.getI64ArrayAttr({in[1], in[2]}), window,
            window, b.getStringAttr("valid"));
        return g ? g.input_grad() : Value();
      });
}

LogicalResult GlobalMaxPool2DOp::buildGradients(
    OpBuilder &b, ArrayRef<Value> grads, SmallVectorImpl<Value> &operandGrads) {
  return globalPoolGradient(
      *this, b, input(), grads[0], operandGrads,
      [&](Value dy, ArrayAttr window) -> Value {
        auto g = createInferred<MaxPool2DGradOp>(b, getLoc(), 1, input(), dy,
                                                 window, window,
                                                 b.getStringAttr("valid"));
        return g ? g.input_grad() : Value();
      });
}
