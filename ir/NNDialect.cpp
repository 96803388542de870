//===- NNDialect.cpp - The nn dialect: registration and verifiers ---------===//
//
// Registers the nn ops and holds the verification helpers every op shares:
// result types must agree with the op's own shape inference, axes must be
// in range, rates must be probabilities.
//
//===----------------------------------------------------------------------===//
#include "ir/NNDialect.h"
#include "ir/ShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace kiln::nn;

#include "ir/NNDialect.cpp.inc"
#include "ir/NNInterfaces.cpp.inc"

void NNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/NNOps.cpp.inc"
      >();
}

LogicalResult kiln::nn::verifyInferredTypes(Operation *op) {
  for (Type t : op->getOperandTypes())
    if (!t.isa<RankedTensorType>())
      return success();  // Not inferable yet: nn-infer-shapes will do it.
  // MLIR 14 runs interface verifiers before the op's own ODS checks
  // (required attributes, their types), and inference reads those
  // attributes: a parsed op missing one would be dereferenced here (found
  // by fuzz_nn_ir). So the op's invariants run first, this check being
  // skipped inside that nested run.
  static thread_local Operation *checking = nullptr;
  if (checking == op)
    return success();
  Operation *outer = checking;
  checking = op;
  LogicalResult own = op->getRegisteredInfo()->verifyInvariants(op);
  checking = outer;
  if (failed(own))
    return failure();
  SmallVector<Type, 2> inferred;
  if (failed(cast<ShapeInferenceOpInterface>(op).inferResultTypes(inferred)))
    return failure();
  if (inferred.size() != op->getNumResults())
    return op->emitOpError("infers ")
           << inferred.size() << " result types for " << op->getNumResults()
           << " results";
  for (auto [result, want] : llvm::zip(op->getResults(), inferred)) {
    auto have = result.getType().dyn_cast<TensorType>();
    auto wantT = want.cast<TensorType>();
    if (!have)
      return op->emitOpError("result must be a tensor");
    if (have.getElementType() != wantT.getElementType())
      return op->emitOpError("result element type ")
             << have.getElementType() << " differs from the inferred "
             << wantT.getElementType();
    if (!have.hasRank())
      continue;
    if (failed(verifyCompatibleShape(have.getShape(), wantT.getShape())))
      return op->emitOpError("result type ")
             << have << " contradicts the inferred type " << want;
  }
  return success();
}

LogicalResult kiln::nn::verifyAxis(Operation *op, int64_t axis) {
  auto type = op->getOperand(0).getType().dyn_cast<RankedTensorType>();
  if (type && normalizeAxis(axis, type.getRank()) < 0)
    return op->emitOpError("axis ")
           << axis << " is out of range for a rank-" << type.getRank()
           << " input";
  return success();
}

LogicalResult kiln::nn::verifyRate(Operation *op, llvm::APFloat rate) {
  double r = rate.convertToDouble();
  if (!(r >= 0.0 && r < 1.0))
    return op->emitOpError("rate must be in [0, 1), got ") << r;
  return success();
}

#define GET_OP_CLASSES
#include "ir/NNOps.cpp.inc"
