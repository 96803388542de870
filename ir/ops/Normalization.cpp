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
                                     rateAttr(), seedAttr());
  if (!d)
    return failure();
  operandGrads.push_back(d.output());
  operandGrads.push_back(nullptr);
  return success();
}
