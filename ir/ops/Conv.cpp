//===- Conv.cpp - nn.conv2d: shape inference ------------------------------===//
//
// Keras Conv2D's shape rules: NHWC input, HWIO kernel whose input channels
// match, a bias of Cout, "valid" or "same" padding, strides and dilation.
//
//===----------------------------------------------------------------------===//
#include "ir/NNDialect.h"
#include "ir/ShapeUtils.h"

using namespace mlir;
using namespace kiln::nn;

/// Reads "valid" / "same"; emits an error for anything else.
static FailureOr<bool> readPadding(Operation *op, StringRef padding) {
  if (padding == "valid")
    return false;
  if (padding == "same")
    return true;
  op->emitOpError("padding must be \"valid\" or \"same\", got \"")
      << padding << "\"";
  return failure();
}

LogicalResult Conv2DOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  Operation *op = getOperation();
  if (failed(expectRank(op, 0, "input", 4)) ||
      failed(expectRank(op, 1, "kernel", 4)))
    return failure();
  auto in = operandType(op, 0).getShape();
  auto k = operandType(op, 1).getShape();
  SmallVector<int64_t, 2> st, dil;
  FailureOr<bool> same = readPadding(op, padding());
  if (failed(same) || failed(readInts(op, strides(), "strides", 2, 1, st)) ||
      failed(readInts(op, dilation(), "dilation", 2, 1, dil)))
    return failure();
  if (in[3] != kDynamic && k[2] != kDynamic && in[3] != k[2])
    return emitOpError("kernel expects ")
           << k[2] << " input channels but the input has " << in[3];
  if (bias()) {
    auto b = bias().getType().cast<RankedTensorType>().getShape();
    if (b.size() != 1 || b[0] != k[3])
      return emitOpError("bias must have shape (") << k[3] << ",), got "
                                                   << formatShape(b);
  }
  int64_t oh = windowOutputSize(in[1], k[0], st[0], dil[0], *same);
  int64_t ow = windowOutputSize(in[2], k[1], st[1], dil[1], *same);
  if (oh < 0 || ow < 0)
    return emitOpError("kernel ")
           << formatPair(k[0], k[1]) << (dil[0] > 1 || dil[1] > 1
                                             ? " (dilated)"
                                             : "")
           << " is larger than its input " << formatPair(in[1], in[2])
           << " with padding \"valid\"";
  types.push_back(tensorLike(op, {in[0], oh, ow, k[3]}));
  return success();
}

namespace kiln::nn {
/// Shared with pooling: the padding attribute reader.
FailureOr<bool> readWindowPadding(Operation *op, StringRef padding) {
  return readPadding(op, padding);
}
} // namespace kiln::nn

LogicalResult Conv2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                       SmallVectorImpl<Value> &operandGrads) {
  Value dy = grads[0];
  auto in = input().getType().cast<RankedTensorType>().getShape();
  auto k = kernel().getType().cast<RankedTensorType>().getShape();
  // The input of a model's first layer needs no gradient: the autodiff pass
  // drops it (its value is a function argument), so build it only when the
  // input is computed.
  Value dx;
  if (!input().isa<BlockArgument>()) {
    auto op = createInferred<Conv2DBackpropInputOp>(
        b, getLoc(), 1, dy, kernel(), b.getI64ArrayAttr({in[1], in[2]}),
        strides(), paddingAttr(), dilation());
    if (!op)
      return failure();
    dx = op.input_grad();
  }
  auto dk = createInferred<Conv2DBackpropFilterOp>(
      b, getLoc(), 1, input(), dy, b.getI64ArrayAttr({k[0], k[1]}), strides(),
      paddingAttr(), dilation());
  if (!dk)
    return failure();
  operandGrads.push_back(dx);
  operandGrads.push_back(dk.kernel_grad());
  if (bias()) {
    auto db = createInferred<ReduceSumOp>(b, getLoc(), 1, dy,
                                          b.getI64ArrayAttr({0, 1, 2}),
                                          b.getBoolAttr(false));
    if (!db)
      return failure();
    operandGrads.push_back(db.output());
  }
  return success();
}

bool Conv2DOp::canAbsorb(ArrayRef<Operation *> group, Operation *consumer) {
  // The conv kernel fuses a relu epilogue, then a valid max pool computed at
  // the pool's tile (codegen's FusedPool).
  if (group.size() == 1 && isa<ReluOp>(consumer))
    return true;
  if (auto pool = dyn_cast<MaxPool2DOp>(consumer))
    return pool.padding() == "valid" && group.size() <= 2 &&
           !isa<MaxPool2DOp>(group.back());
  return false;
}
