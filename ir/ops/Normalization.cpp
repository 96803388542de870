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

/// The inference form (a frozen layer: fixed statistics, gamma and beta not
/// trained) is affine in x: dx = dy * gamma / sqrt(variance + epsilon).
LogicalResult BatchNormOp::buildInferenceGradients(
    OpBuilder &b, Value dy, SmallVectorImpl<Value> &operandGrads) {
  auto trainable = [](Value v) {
    auto w = v ? v.getDefiningOp<WeightOp>() : WeightOp();
    return v && (!w || w.isTrainable());
  };
  if (trainable(gamma()) || trainable(beta()))
    return emitOpError("with fixed statistics differentiates only a frozen "
                       "layer (gamma and beta non-trainable weights)");
  Location loc = getLoc();
  auto scalar = RankedTensorType::get({}, b.getF32Type());
  Value eps = b.create<ConstantOp>(
                   loc, scalar,
                   DenseElementsAttr::get(
                       scalar, static_cast<float>(epsilon().convertToDouble())))
                  .output();
  auto shifted = createInferred<AddOp>(b, loc, 1, moving_variance(), eps);
  if (!shifted)
    return failure();
  auto deviation = createInferred<SqrtOp>(b, loc, 1, shifted.output());
  if (!deviation)
    return failure();
  Value scale = deviation.output();
  if (gamma()) {
    auto s = createInferred<DivOp>(b, loc, 1, gamma(), scale);
    if (!s)
      return failure();
    scale = s.output();
    auto dx = createInferred<MulOp>(b, loc, 1, dy, scale);
    if (!dx)
      return failure();
    operandGrads.push_back(dx.output());
  } else {
    auto dx = createInferred<DivOp>(b, loc, 1, dy, scale);
    if (!dx)
      return failure();
    operandGrads.push_back(dx.output());
  }
  operandGrads.append(getNumOperands() - 1, nullptr);
  return success();
}

LogicalResult BatchNormOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                          SmallVectorImpl<Value> &operandGrads) {
  int64_t rank = input().getType().cast<RankedTensorType>().getRank();
  if (static_cast<int64_t>(axis()) != rank - 1)
    return emitOpError("gradient needs the channels on the last axis");
  auto moments = moving_mean().getDefiningOp<MomentsOp>();
  bool training = moments && moments.input() == input() &&
                  moving_variance() == moments.variance();
  if (!training)
    return buildInferenceGradients(b, grads[0], operandGrads);
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
