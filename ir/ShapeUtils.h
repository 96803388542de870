//===- ShapeUtils.h - Helpers for nn shape inference ------------*- C++ -*-===//
//
// Small helpers shared by the per-family shape functions in ir/ops/: reading
// operand shapes, reading integer-array attributes, and Keras's arithmetic
// for windowed ops (convolution and pooling output sizes, "same" padding).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_SHAPEUTILS_H
#define KILN_IR_SHAPEUTILS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

#include <string>

namespace kiln::nn {

/// The dynamic size marker (`?`).
constexpr int64_t kDynamic = mlir::ShapedType::kDynamicSize;

/// The ranked type of operand `i`; shape inference only runs when every
/// operand is ranked.
mlir::RankedTensorType operandType(mlir::Operation *op, unsigned i);

/// A ranked tensor type with `shape` and the element type of operand 0.
mlir::RankedTensorType tensorLike(mlir::Operation *op,
                                  llvm::ArrayRef<int64_t> shape);

/// Reads an I64ArrayAttr of exactly `n` entries, each >= `min`; emits an
/// error naming `what` and fails otherwise.
mlir::LogicalResult readInts(mlir::Operation *op, mlir::ArrayAttr attr,
                             llvm::StringRef what, size_t n, int64_t min,
                             llvm::SmallVectorImpl<int64_t> &out);

/// Checks the operand has rank `rank`; emits "<what> must be rank-N" else.
mlir::LogicalResult expectRank(mlir::Operation *op, unsigned operand,
                               llvm::StringRef what, int64_t rank);

/// Output extent of one spatial axis of a windowed op, Keras's rule.
/// Returns -1 when the window does not fit the (padded) input.
int64_t windowOutputSize(int64_t in, int64_t window, int64_t stride,
                         int64_t dilation, bool same);

/// "(a, b)" for messages.
std::string formatPair(int64_t a, int64_t b);
/// "(?, 28, 28, 1)" for messages.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// Normalises a possibly negative axis against `rank`; -1 if out of range.
int64_t normalizeAxis(int64_t axis, int64_t rank);

/// Sets the op's result types to what its ShapeInferenceOpInterface infers.
mlir::LogicalResult inferInPlace(mlir::Operation *op);

} // namespace kiln::nn

#endif // KILN_IR_SHAPEUTILS_H

#include "mlir/IR/Builders.h"

namespace kiln::nn {
/// Creates an nn op with unranked f32 results, then gives each result the
/// type its ShapeInferenceOpInterface computes. Returns null (the op erased,
/// an error emitted at it) when inference fails. Used by builders that make
/// ops from ops whose shapes are known (the frontend, gradients).
template <typename OpTy, typename... Args>
OpTy createInferred(mlir::OpBuilder &b, mlir::Location loc, unsigned results,
                    Args &&...args) {
  auto unranked = mlir::UnrankedTensorType::get(b.getF32Type());
  llvm::SmallVector<mlir::Type, 2> types(results, unranked);
  auto op = b.create<OpTy>(loc, mlir::TypeRange(types),
                           std::forward<Args>(args)...);
  if (mlir::failed(inferInPlace(op.getOperation()))) {
    op->erase();
    return nullptr;
  }
  return op;
}
} // namespace kiln::nn
