//===- ShapeUtils.cpp - Helpers for nn shape inference --------------------===//
//
// Operand and attribute readers with located errors, and Keras's output-size
// arithmetic for windowed ops.
//
//===----------------------------------------------------------------------===//
#include "ir/ShapeUtils.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;

namespace kiln::nn {

RankedTensorType operandType(Operation *op, unsigned i) {
  return op->getOperand(i).getType().cast<RankedTensorType>();
}

RankedTensorType tensorLike(Operation *op, ArrayRef<int64_t> shape) {
  Type elem = op->getOperand(0).getType().cast<TensorType>().getElementType();
  return RankedTensorType::get(shape, elem);
}

LogicalResult readInts(Operation *op, ArrayAttr attr, StringRef what, size_t n,
                       int64_t min, SmallVectorImpl<int64_t> &out) {
  out.clear();
  for (Attribute a : attr) {
    auto i = a.dyn_cast<IntegerAttr>();
    if (!i)
      return op->emitOpError(what) << " must hold integers";
    out.push_back(i.getInt());
  }
  if (out.size() != n)
    return op->emitOpError(what) << " must have " << n << " entries, got "
                                 << out.size();
  for (int64_t v : out)
    if (v < min)
      return op->emitOpError(what) << " entries must be >= " << min << ", got "
                                   << v;
  return success();
}

LogicalResult expectRank(Operation *op, unsigned operand, StringRef what,
                         int64_t rank) {
  auto t = operandType(op, operand);
  if (t.getRank() != rank)
    return op->emitOpError(what) << " must be rank " << rank << ", got "
                                 << formatShape(t.getShape());
  return success();
}

int64_t windowOutputSize(int64_t in, int64_t window, int64_t stride,
                         int64_t dilation, bool same) {
  if (in == kDynamic)
    return kDynamic;
  if (same)
    return (in + stride - 1) / stride;
  int64_t span = (window - 1) * dilation + 1;
  if (span > in)
    return -1;
  return (in - span) / stride + 1;
}

std::string formatPair(int64_t a, int64_t b) {
  return "(" + std::to_string(a) + ", " + std::to_string(b) + ")";
}

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += shape[i] == kDynamic ? "?" : std::to_string(shape[i]);
  }
  return s + (shape.size() == 1 ? ",)" : ")");
}

int64_t normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < 0)
    axis += rank;
  return axis >= 0 && axis < rank ? axis : -1;
}

} // namespace kiln::nn

#include "ir/NNDialect.h"

namespace kiln::nn {
LogicalResult inferInPlace(Operation *op) {
  SmallVector<Type, 2> types;
  if (failed(cast<ShapeInferenceOpInterface>(op).inferResultTypes(types)))
    return failure();
  for (auto [r, t] : llvm::zip(op->getResults(), types))
    r.setType(t);
  return success();
}
} // namespace kiln::nn
