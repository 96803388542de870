//===- Normalization.cpp - nn.batch_norm: shape inference -----------------===//
//
// Batch normalisation keeps its input's shape; every parameter vector must
// have the size of the normalised axis.
//
//===----------------------------------------------------------------------===//
#include "ir/NNDialect.h"
#include "ir/ShapeUtils.h"

using namespace mlir;
using namespace kiln::nn;

LogicalResult BatchNormOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  auto in = operandType(*this, 0);
  int64_t ax = normalizeAxis(static_cast<int64_t>(axis()), in.getRank());
  if (ax < 0)
    return emitOpError("axis ") << static_cast<int64_t>(axis())
                                << " is out of range for rank "
                                << in.getRank();
  int64_t c = in.getShape()[ax];
  for (unsigned i = 1, e = getNumOperands(); i < e; ++i) {
    auto s = operandType(*this, i).getShape();
    if (s.size() != 1 || (c != kDynamic && s[0] != c))
      return emitOpError("parameter ")
             << i << " has shape " << formatShape(s) << ", expected (" << c
             << ",) for axis " << ax;
  }
  if (epsilon().convertToDouble() <= 0)
    return emitOpError("epsilon must be positive");
  types.push_back(in);
  return success();
}

LogicalResult DropoutOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                        SmallVectorImpl<Value> &operandGrads) {
  // Dropout is linear: its gradient is dropout of the gradient with the
  // same seed and step, hence the same mask.
  if (!step()) {
    operandGrads.push_back(grads[0]);
    return success();
  }
  auto d = createInferred<DropoutOp>(b, getLoc(), 1, grads[0], step(),
                                     rateAttr(), seedAttr(), streamAttr());
  if (!d)
    return failure();
  operandGrads.push_back(d.output());
  operandGrads.push_back(nullptr);
  return success();
}

LogicalResult MomentsOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  auto in = operandType(*this, 0);
  if (in.getRank() < 2)
    return emitOpError("input must have a batch and a channel axis");
  auto c = tensorLike(*this, {in.getShape().back()});
  types.append(2, c);
  return success();
}

LogicalResult BatchNormGradOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  auto in = operandType(*this, 0);
  int64_t c = in.getShape().back();
  for (unsigned i = 1; i < 4; ++i) {
    auto s = operandType(*this, i).getShape();
    if (s.size() != 1 || s[0] != c)
      return emitOpError("operand ") << i << " must have shape (" << c << ",)";
  }
  if (operandType(*this, 4) != in)
    return emitOpError("output_grad must have the input's type");
  auto vec = tensorLike(*this, {c});
  types.push_back(in);
  types.append(2, vec);
  return success();
}

LogicalResult BatchNormOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                          SmallVectorImpl<Value> &operandGrads) {
  // Only the training form (statistics from nn.moments of this input) is
  // differentiated; frozen moving statistics would need the other formula.
  auto moments = moving_mean().getDefiningOp<MomentsOp>();
  int64_t rank = input().getType().cast<RankedTensorType>().getRank();
  if (!moments || moments.input() != input() ||
      moving_variance() != moments.variance() ||
      static_cast<int64_t>(axis()) != rank - 1)
    return emitOpError("gradient needs the batch's statistics on the last "
                       "axis (a training step)");
  Value gamma = this->gamma();
  if (!gamma) {
    int64_t c = input().getType().cast<RankedTensorType>().getShape().back();
    auto t = RankedTensorType::get({c}, b.getF32Type());
    gamma = b.create<ConstantOp>(getLoc(), t, DenseElementsAttr::get(t, 1.0f))
                .output();
  }
  auto g = createInferred<BatchNormGradOp>(b, getLoc(), 3, input(),
                                           moving_mean(), moving_variance(),
                                           gamma, grads[0], epsilonAttr());
  if (!g)
    return failure();
  operandGrads.push_back(g.input_grad());
  operandGrads.push_back(nullptr);  // mean, variance: inside dx already
  operandGrads.push_back(nullptr);
  if (this->gamma())
    operandGrads.push_back(g.gamma_grad());
  if (beta())
    operandGrads.push_back(g.beta_grad());
  return success();
}
