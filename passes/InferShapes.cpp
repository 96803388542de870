//===- InferShapes.cpp - nn-infer-shapes ----------------------------------===//
//
// Propagates shapes forward through a function, Toy-tutorial style, through
// ShapeInferenceOpInterface only.
//
// 1. Visit the ops of the body in order (SSA order is a topological order
//    in one block), so each op's operands are final when it is visited.
// 2. Ask the op for its result types; merge each with the current type
//    (the more precise wins; a contradiction is an error at the op).
// 3. Make the function's result types those of its return.
//
//===----------------------------------------------------------------------===//
#include "passes/PassDetail.h"
#include "passes/Passes.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace {

/// The more precise of two compatible tensor types; null if they conflict.
Type refine(Type have, Type inferred) {
  auto h = have.dyn_cast<TensorType>();
  auto i = inferred.cast<TensorType>();
  if (!h || !h.hasRank())
    return inferred;
  if (h.getElementType() != i.getElementType() ||
      failed(verifyCompatibleShape(h.getShape(), i.getShape())))
    return nullptr;
  SmallVector<int64_t, 4> shape;
  for (auto [a, b] : llvm::zip(h.getShape(), i.getShape()))
    shape.push_back(a == ShapedType::kDynamicSize ? b : a);
  return RankedTensorType::get(shape, h.getElementType());
}

struct InferShapesPass : kiln::InferShapesBase<InferShapesPass> {
  void runOnOperation() override {
    FuncOp func = getOperation();
    WalkResult walk = func.walk([&](Operation *op) -> WalkResult {
      auto shaped = dyn_cast<kiln::nn::ShapeInferenceOpInterface>(op);
      if (!shaped)
        return WalkResult::advance();
      for (Value v : op->getOperands())
        if (!v.getType().isa<RankedTensorType>()) {
          op->emitOpError("cannot infer shapes: operand of type ")
              << v.getType() << " is not ranked";
          return WalkResult::interrupt();
        }
      SmallVector<Type, 2> types;
      if (failed(shaped.inferResultTypes(types)))
        return WalkResult::interrupt();
      for (auto [result, type] : llvm::zip(op->getResults(), types)) {
        Type merged = refine(result.getType(), type);
        if (!merged) {
          op->emitOpError("result type ")
              << result.getType() << " contradicts the inferred type " << type;
          return WalkResult::interrupt();
        }
        result.setType(merged);
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();

    // The function's signature follows its return.
    Operation *ret = func.getBody().back().getTerminator();
    if (ret)
      func.setType(FunctionType::get(func.getContext(),
                                     func.getType().getInputs(),
                                     ret->getOperandTypes()));
  }
};

} // namespace

std::unique_ptr<Pass> kiln::createInferShapesPass() {
  return std::make_unique<InferShapesPass>();
}
