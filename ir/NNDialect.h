//===- NNDialect.h - The nn dialect -----------------------------*- C++ -*-===//
//
// Declares the nn dialect, its ops (generated from NNOps.td) and its
// interfaces (NNInterfaces.td), plus the shared verification helpers the
// generated code calls.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_NNDIALECT_H
#define KILN_IR_NNDIALECT_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln::nn {
/// Checks that every result type agrees with what the op's
/// ShapeInferenceOpInterface infers (when all operands are ranked). A result
/// may be less precise (unranked, or `?` where the inference knows a size),
/// never contradictory.
mlir::LogicalResult verifyInferredTypes(mlir::Operation *op);
/// Checks that `axis` names an axis of the op's first operand.
mlir::LogicalResult verifyAxis(mlir::Operation *op, int64_t axis);
/// The gradient of a unary elementwise op: nn.activation_grad of its input
/// and result gradient, named after the op.
mlir::LogicalResult
buildActivationGradient(mlir::Operation *op, mlir::OpBuilder &b,
                        llvm::ArrayRef<mlir::Value> resultGrads,
                        llvm::SmallVectorImpl<mlir::Value> &operandGrads);
/// Checks a dropout rate lies in [0, 1).
mlir::LogicalResult verifyRate(mlir::Operation *op, llvm::APFloat rate);
} // namespace kiln::nn

#include "ir/NNDialect.h.inc"
#include "ir/NNInterfaces.h.inc"

#define GET_OP_CLASSES
#include "ir/NNOps.h.inc"

#endif // KILN_IR_NNDIALECT_H
