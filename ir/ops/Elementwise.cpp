//===- Elementwise.cpp - Binary elementwise ops: broadcasting -------------===//
//
// Unary elementwise ops, softmax and dropout keep their operand's type (the
// interface's default); the gradients of the binary ops and of softmax and
// log_softmax (a softmax the loss follows is fused into it instead). Binary ops broadcast as NumPy does: trailing axes
// aligned, a size of 1 stretches, `?` is kept unless the other side knows.
//
//===----------------------------------------------------------------------===//
#include "ir/NNDialect.h"
#include "ir/ShapeUtils.h"

using namespace mlir;
using namespace kiln::nn;

/// NumPy broadcasting of two operand shapes.
static LogicalResult inferBroadcast(Operation *op,
                                    SmallVectorImpl<Type> &types) {
  auto a = operandType(op, 0).getShape();
  auto b = operandType(op, 1).getShape();
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t, 4> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x == 1)
      out[i] = y;
    else if (y == 1)
      out[i] = x;
    else if (x == kDynamic)
      out[i] = y;
    else if (y == kDynamic || x == y)
      out[i] = x;
    else
      return op->emitOpError("shapes ")
             << formatShape(a) << " and " << formatShape(b)
             << " do not match (nor broadcast)";
  }
  if (operandType(op, 0).getElementType() !=
      operandType(op, 1).getElementType())
    return op->emitOpError("operands have different element types");
  types.push_back(tensorLike(op, out));
  return success();
}

#define NN_BROADCASTING_OP(Op)                                                 \
  LogicalResult Op::inferResultTypes(SmallVectorImpl<Type> &types) {          \
    return inferBroadcast(getOperation(), types);                              \
  }
NN_BROADCASTING_OP(AddOp)
NN_BROADCASTING_OP(SubOp)
NN_BROADCASTING_OP(MulOp)
NN_BROADCASTING_OP(DivOp)
NN_BROADCASTING_OP(MaximumOp)
NN_BROADCASTING_OP(MinimumOp)
#undef NN_BROADCASTING_OP

LogicalResult ReluOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                     SmallVectorImpl<Value> &operandGrads) {
  auto g = createInferred<ReluGradOp>(b, getLoc(), 1, output(), grads[0]);
  if (!g)
    return failure();
  operandGrads.push_back(g.input_grad());
  return success();
}


/// Sums `g` (the binary op's output shape) down to `operand`'s shape, the
/// broadcasts the kernels have: the same shape, a scalar [] (all axes
/// summed) or a vector [C] along the last axis (all axes but the last).
/// Null, with an error at `op`, for any other broadcast. A constant
/// operand gets no gradient (null, no error).
static FailureOr<Value> sumToOperand(Operation *op, OpBuilder &b, Value g,
                                     Value operand) {
  if (operand.getDefiningOp<ConstantOp>())
    return Value();
  auto from = g.getType().cast<RankedTensorType>();
  auto to = operand.getType().cast<RankedTensorType>();
  if (from == to)
    return g;
  SmallVector<int64_t, 4> axes;
  if (to.getRank() == 0) {
    // empty axes: every axis
  } else if (to.getRank() == 1 && from.getRank() >= 1 &&
             to.getShape()[0] == from.getShape().back() &&
             to.getShape()[0] != kDynamic) {
    for (int64_t i = 0; i + 1 < from.getRank(); ++i)
      axes.push_back(i);
  } else {
    op->emitOpError("gradient of a broadcasting ")
        << op->getName().stripDialect() << " from "
        << formatShape(to.getShape()) << " to "
        << formatShape(from.getShape()) << " is not supported yet";
    return failure();
  }
  auto sum = createInferred<ReduceSumOp>(b, op->getLoc(), 1, g,
                                         b.getI64ArrayAttr(axes),
                                         b.getBoolAttr(false));
  if (!sum)
    return failure();
  return sum.output();
}

/// Pushes the gradients `dl` and `dr` (output-shaped) of both operands,
/// summed down to each operand's shape.
static LogicalResult pushBinaryGrads(Operation *op, OpBuilder &b, Value dl,
                                     Value dr,
                                     SmallVectorImpl<Value> &operandGrads) {
  for (auto [g, operand] : {std::pair{dl, op->getOperand(0)},
                            std::pair{dr, op->getOperand(1)}}) {
    FailureOr<Value> s = sumToOperand(op, b, g, operand);
    if (failed(s))
      return failure();
    operandGrads.push_back(*s);
  }
  return success();
}

LogicalResult AddOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                    SmallVectorImpl<Value> &operandGrads) {
  return pushBinaryGrads(*this, b, grads[0], grads[0], operandGrads);
}

LogicalResult SubOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                    SmallVectorImpl<Value> &operandGrads) {
  auto neg = createInferred<NegOp>(b, getLoc(), 1, grads[0]);
  if (!neg)
    return failure();
  return pushBinaryGrads(*this, b, grads[0], neg.output(), operandGrads);
}

LogicalResult MulOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                    SmallVectorImpl<Value> &operandGrads) {
  auto dl = createInferred<MulOp>(b, getLoc(), 1, grads[0], rhs());
  auto dr = createInferred<MulOp>(b, getLoc(), 1, grads[0], lhs());
  if (!dl || !dr)
    return failure();
  return pushBinaryGrads(*this, b, dl.output(), dr.output(), operandGrads);
}

LogicalResult DivOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                    SmallVectorImpl<Value> &operandGrads) {
  // d(l/r)/dl = 1/r; d(l/r)/dr = -(l/r)/r: dl = g/r, dr = -(g/r)(l/r).
  auto dl = createInferred<DivOp>(b, getLoc(), 1, grads[0], rhs());
  if (!dl)
    return failure();
  auto prod = createInferred<MulOp>(b, getLoc(), 1, dl.output(), output());
  if (!prod)
    return failure();
  auto dr = createInferred<NegOp>(b, getLoc(), 1, prod.output());
  if (!dr)
    return failure();
  return pushBinaryGrads(*this, b, dl.output(), dr.output(), operandGrads);
}

/// maximum and minimum need operands of one shape.
static LogicalResult sameShapes(Operation *op) {
  if (op->getOperand(0).getType() != op->getOperand(1).getType())
    return op->emitOpError("gradient of a broadcasting ")
           << op->getName().stripDialect() << " is not supported yet";
  return success();
}

/// maximum and minimum route the gradient to the chosen operand.
static LogicalResult extremumGradient(Operation *op, OpBuilder &b,
                                      StringRef kind, Value grad,
                                      SmallVectorImpl<Value> &operandGrads) {
  if (failed(sameShapes(op)))
    return failure();
  auto g = createInferred<ExtremumGradOp>(b, op->getLoc(), 2,
                                          op->getOperand(0), op->getOperand(1),
                                          grad, b.getStringAttr(kind));
  if (!g)
    return failure();
  operandGrads.push_back(g.lhs_grad());
  operandGrads.push_back(g.rhs_grad());
  return success();
}

LogicalResult MaximumOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                        SmallVectorImpl<Value> &operandGrads) {
  return extremumGradient(*this, b, "maximum", grads[0], operandGrads);
}

LogicalResult MinimumOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                        SmallVectorImpl<Value> &operandGrads) {
  return extremumGradient(*this, b, "minimum", grads[0], operandGrads);
}

LogicalResult SoftmaxOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                        SmallVectorImpl<Value> &operandGrads) {
  auto g = createInferred<SoftmaxGradOp>(b, getLoc(), 1, output(), grads[0],
                                         axisAttr());
  if (!g)
    return failure();
  operandGrads.push_back(g.input_grad());
  return success();
}

LogicalResult
LogSoftmaxOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                             SmallVectorImpl<Value> &operandGrads) {
  auto g = createInferred<LogSoftmaxGradOp>(b, getLoc(), 1, output(),
                                            grads[0], axisAttr());
  if (!g)
    return failure();
  operandGrads.push_back(g.input_grad());
  return success();
}

LogicalResult kiln::nn::buildActivationGradient(
    Operation *op, OpBuilder &b, ArrayRef<Value> resultGrads,
    SmallVectorImpl<Value> &operandGrads) {
  if (op->getNumOperands() != 1 || op->getNumResults() != 1)
    return op->emitOpError("has no gradient (not a unary elementwise op)");
  FloatAttr alpha = op->getAttrOfType<FloatAttr>("alpha");
  auto g = createInferred<ActivationGradOp>(
      b, op->getLoc(), 1, op->getOperand(0), resultGrads[0],
      b.getStringAttr(op->getName().stripDialect()), alpha);
  if (!g)
    return failure();
  operandGrads.push_back(g.input_grad());
  return success();
}
