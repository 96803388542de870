//===- Reduce.cpp - Reductions and losses: shape inference ----------------===//
//
// Reductions drop (or keep as 1) the reduced axes; per-sample losses reduce
// everything but the batch axis.
//
//===----------------------------------------------------------------------===//
#include "ir/NNDialect.h"
#include "ir/ShapeUtils.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace kiln::nn;

static LogicalResult inferReduce(Operation *op, ArrayAttr axes, bool keepdims,
                                 SmallVectorImpl<Type> &types) {
  auto in = operandType(op, 0).getShape();
  int64_t rank = in.size();
  SmallVector<bool, 4> reduced(rank, axes.empty());
  for (Attribute a : axes) {
    int64_t ax = normalizeAxis(a.cast<IntegerAttr>().getInt(), rank);
    if (ax < 0)
      return op->emitOpError("axis ") << a.cast<IntegerAttr>().getInt()
                                      << " is out of range for rank " << rank;
    reduced[ax] = true;
  }
  SmallVector<int64_t, 4> out;
  for (int64_t i = 0; i < rank; ++i) {
    if (!reduced[i])
      out.push_back(in[i]);
    else if (keepdims)
      out.push_back(1);
  }
  types.push_back(tensorLike(op, out));
  return success();
}

#define NN_REDUCE_OP(Op)                                                       \
  LogicalResult Op::inferResultTypes(SmallVectorImpl<Type> &types) {          \
    return inferReduce(getOperation(), axes(), keepdims(), types);             \
  }
NN_REDUCE_OP(ReduceSumOp)
NN_REDUCE_OP(ReduceMeanOp)
NN_REDUCE_OP(ReduceMaxOp)
#undef NN_REDUCE_OP

/// predictions and targets of one shape (N, ..., C) -> (N).
static LogicalResult inferLoss(Operation *op, SmallVectorImpl<Type> &types) {
  auto p = operandType(op, 0).getShape();
  auto t = operandType(op, 1).getShape();
  if (p.size() < 2)
    return op->emitOpError("predictions must be (batch, ..., classes), got ")
           << formatShape(p);
  if (failed(verifyCompatibleShape(p, t)))
    return op->emitOpError("targets ")
           << formatShape(t) << " do not match predictions " << formatShape(p);
  types.push_back(tensorLike(op, {p[0]}));
  return success();
}

#define NN_LOSS_OP(Op)                                                         \
  LogicalResult Op::inferResultTypes(SmallVectorImpl<Type> &types) {          \
    return inferLoss(getOperation(), types);                                   \
  }
NN_LOSS_OP(CategoricalCrossentropyOp)
NN_LOSS_OP(BinaryCrossentropyOp)
NN_LOSS_OP(MeanSquaredErrorOp)
#undef NN_LOSS_OP

LogicalResult
SparseCategoricalCrossentropyOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  auto p = operandType(*this, 0).getShape();
  auto t = operandType(*this, 1).getShape();
  if (p.size() != 2 || t.size() != 1 ||
      failed(verifyCompatibleShape({p[0]}, {t[0]})))
    return emitOpError("expects predictions (N, C) and targets (N), got ")
           << formatShape(p) << " and " << formatShape(t);
  types.push_back(tensorLike(*this, {p[0]}));
  return success();
}
