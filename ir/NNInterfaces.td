//===- NNInterfaces.td - Interfaces of nn ops --------------*- tablegen -*-===//
//
// The interfaces through which passes see nn ops without knowing them by
// name. Shape inference asks ShapeInferenceOpInterface.
//
//===----------------------------------------------------------------------===//
#ifndef NN_INTERFACES
#define NN_INTERFACES

include "mlir/IR/OpBase.td"

def NN_ShapeInferenceOpInterface : OpInterface<"ShapeInferenceOpInterface"> {
  let cppNamespace = "::kiln::nn";
  let description = [{
    An op whose result types follow from its operand types and attributes.
    `inferResultTypes` computes them, or emits an error on the op and fails
    when the operands do not fit (a kernel larger than its input, shapes that
    do not match in an add, ...). The nn-infer-shapes pass and the frontends
    call it; the verifier calls it too whenever every operand is ranked, so a
    result type that contradicts the operands never verifies.

    The default implementation gives every result the first operand's type:
    right for elementwise ops.
  }];
  let methods = [
    InterfaceMethod<[{
        Computes one type per result from the operand types and attributes.
        Emits an error on the op and returns failure when they do not fit.
        Called only when every operand is ranked.
      }],
      "::mlir::LogicalResult", "inferResultTypes",
      (ins "::llvm::SmallVectorImpl<::mlir::Type> &":$types), [{}], [{
        for (unsigned i = 0, e = $_op->getNumResults(); i < e; ++i)
          types.push_back($_op->getOperand(0).getType());
        return ::mlir::success();
      }]>
  ];
  let verify = [{ return ::kiln::nn::verifyInferredTypes($_op); }];
}

def NN_GradientOpInterface : OpInterface<"GradientOpInterface"> {
  let cppNamespace = "::kiln::nn";
  let description = [{
    An op that knows its own derivative. Given the gradient of each of its
    results (null where a result does not reach the loss), it emits nn ops
    computing the gradient of each operand (null where none flows: integer
    targets, or an operand that needs none). The nn-autodiff pass walks a
    function backwards through this interface, summing the gradients of
    values used more than once; it knows no op by name. An op that does not
    implement it is an error when a gradient must flow through it.
  }];
  let methods = [
    InterfaceMethod<[{
        Emits the gradients of the operands at the builder's insertion point.
        `resultGrads` has one entry per result (null where none flows);
        `operandGrads` receives one entry per operand (null where none).
        Emits an error and fails where a gradient cannot be formed.
      }],
      "::mlir::LogicalResult", "buildGradients",
      (ins "::mlir::OpBuilder &":$b,
           "::llvm::ArrayRef<::mlir::Value>":$resultGrads,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads),
      [{}], [{
        // The default serves the unary elementwise ops: dy * f'(x), with
        // f' from the activation table, as nn.activation_grad.
        return ::kiln::nn::buildActivationGradient($_op, b, resultGrads,
                                                   operandGrads);
      }]>
  ];
}

def NN_FusableOpInterface : OpInterface<"FusableOpInterface"> {
  let cppNamespace = "::kiln::nn";
  let description = [{
    An op whose kernel can absorb the ops that consume its result: an
    elementwise epilogue (conv2d + relu, dense + softmax) or a following
    pool computed at the pool's tile. nn-fuse-kernels asks the head of each
    group, one consumer at a time, whether the group may grow; the op knows
    what its family's kernel can fuse, the pass knows no op by name.
  }];
  let methods = [
    InterfaceMethod<[{
        Whether the kernel of `group` (this op first, then what it absorbed)
        can also compute `consumer`, the sole user of the group's result.
      }],
      "bool", "canAbsorb",
      (ins "::llvm::ArrayRef<::mlir::Operation *>":$group,
           "::mlir::Operation *":$consumer)>,
    InterfaceMethod<[{
        Whether `group`'s fused kernel measured at least as fast as its ops'
        own kernels, so that nn-fuse-kernels forms it by default (with
        `all`, it forms every group canAbsorb allows). The measurement
        belongs beside the implementation.
      }],
      "bool", "fusedByDefault",
      (ins "::llvm::ArrayRef<::mlir::Operation *>":$group), [{}],
      [{ return true; }]>
  ];
}

#endif // NN_INTERFACES
