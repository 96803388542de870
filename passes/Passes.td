//===- Passes.td - kiln's passes -----------------------------*- tablegen -*-===//
//
// Every kiln pass, with what it needs and what it guarantees. Flags are
// nn-<verb>-<noun>.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES
#define KILN_PASSES

include "mlir/Pass/PassBase.td"

def InferShapes : Pass<"nn-infer-shapes", "mlir::FuncOp"> {
  let summary = "Infer every tensor's shape from the function's arguments";
  let description = [{
    Walks the function in order and asks each op's ShapeInferenceOpInterface
    for its result types, refining unranked or `?` results and the
    function's result types. It knows no op by name.

    Needs: ranked function arguments. Guarantees: every result of an nn op
    is ranked, with every size known that follows from the arguments (the
    batch stays `?`). Fails, with an error at the op, when operand shapes
    do not fit or when a result type contradicts the inferred one.

    Example: `nn.relu %x : (tensor<?x4xf32>) -> tensor<*xf32>` becomes
    `nn.relu %x : (tensor<?x4xf32>) -> tensor<?x4xf32>`.
  }];
  let constructor = "kiln::createInferShapesPass()";
}

#endif // KILN_PASSES
