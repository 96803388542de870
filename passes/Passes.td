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

def BuildTrainStep : Pass<"nn-build-train-step", "mlir::ModuleOp"> {
  let summary = "Differentiate @forward into @train_step and @eval_step";
  let description = [{
    Builds, from @forward and the module's nn.compile settings (loss,
    optimizer), two functions:

    * `@train_step(x, targets, step) -> (loss_sum, correct_sum)`: the forward
      computation with dropout active (its mask keyed by the layer's seed,
      or by the run's seed given at run time and the layer's `stream`, and by
      `step`), the loss, the gradient of the batch-mean loss with respect to
      every trainable weight, and the optimizer's update of each weight and
      of its state, written back with `nn.assign`.
    * `@eval_step(x, targets) -> (loss_sum, correct_sum)`: the same loss and
      metric without dropout or updates.

    Gradients come from each op's GradientOpInterface, walking the forward
    ops in reverse and summing the gradients of values used more than once;
    the pass knows no op by name. Softmax followed by categorical
    cross-entropy is computed as one stable nn.softmax_cross_entropy, as
    Keras does.

    Needs: shape-inferred @forward with one input and one output. Fails with
    an error naming the op when a gradient is missing, or the loss or
    optimizer is not supported.
  }];
  let constructor = "kiln::createBuildTrainStepPass()";
  let options = [
    Option<"seed", "seed", "int64_t", /*default=*/"0",
           "ignored: dropout masks take the run's seed at run time (see "
           "nn.dropout); kept so that existing option strings parse">,
    Option<"optimizer", "optimizer", "std::string", /*default=*/"\"\"",
           "optimizer overriding nn.compile's (adam)">,
    Option<"learningRate", "learning-rate", "double", /*default=*/"-1",
           "learning rate overriding the optimizer's">
  ];
}

def FuseKernels : Pass<"nn-fuse-kernels", "mlir::FuncOp"> {
  let summary = "Group ops that one kernel computes into nn.fused ops";
  let description = [{
    For each op with a FusableOpInterface (the head of a kernel), grows a
    group by the sole consumer of the group's result while the head says its
    kernel can absorb it (conv2d + relu + max_pool2d, dense + softmax,
    conv2d_backprop_input + max_pool2d_grad + relu_grad, max_pool2d_grad +
    relu_grad), and wraps the group in an `nn.fused` op whose region holds
    the ops. A group never heads another: an op absorbed by an earlier
    group is not a head. Groups whose fused kernel measured no faster
    (conv2d_backprop_input's) are formed only with `all`. Where a
    group stops because its result has other users, the reason goes in the
    `not_fused` attribute (of the nn.fused op, or `nn.not_fused` on a lone
    head), so IR dumps show what was fused and why not.

    Needs: shape-inferred IR. Guarantees: the function computes the same
    values; every nn.fused region is isolated from above.
  }];
  let constructor = "kiln::createFuseKernelsPass()";
  let options = [
    ListOption<"skip", "skip", "std::string",
               "ops (by name, e.g. nn.conv2d_backprop_input) that head no "
               "group: to measure a fusion against its absence",
               "llvm::cl::MiscFlags::CommaSeparated">,
    Option<"all", "all", "bool", /*default=*/"false",
           "also form the groups their heads measured no faster "
           "(FusableOpInterface::fusedByDefault)">
  ];
}

#endif // KILN_PASSES
