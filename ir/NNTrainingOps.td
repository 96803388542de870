//===- NNTrainingOps.td - Gradients, losses, optimizers ----*- tablegen -*-===//
//
// The ops a training step is made of beyond the forward ones: gradient
// kernels that ops' GradientOpInterface implementations emit, the fused
// softmax cross-entropy, optimizer updates, and writing weights back.
// Included from NNOps.td.
//
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// Gradients of structured ops
//===----------------------------------------------------------------------===//

def NN_Conv2DBackpropInputOp : NN_Op<"conv2d_backprop_input",
    [DeclareOpInterfaceMethods<NN_FusableOpInterface, ["fusedByDefault"]>]> {
  let summary = "gradient of nn.conv2d with respect to its input";
  let description = [{
    Given the gradient of a conv2d's output (N, OH, OW, Cout) and its kernel
    (KH, KW, Cin, Cout), computes the gradient of its input (N, H, W, Cin),
    `input_size` = [H, W] (strided convolutions lose it). Attributes as the
    forward op's. Its kernel can absorb the max_pool2d_grad that routes its
    result (and the relu_grad after that), computed at the pool gradient's
    tile; measured no faster on the CPU, that group is formed only with
    nn-fuse-kernels' `all` option.

    Example:
    ```mlir
    %dx = nn.conv2d_backprop_input %dy, %k {input_size = [13, 13], strides = [1, 1], padding = "valid", dilation = [1, 1]}
        : (tensor<?x11x11x64xf32>, tensor<3x3x32x64xf32>) -> tensor<?x13x13x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$output_grad, NN_Tensor:$kernel,
                       I64ArrayAttr:$input_size, I64ArrayAttr:$strides,
                       StrAttr:$padding, I64ArrayAttr:$dilation);
  let results = (outs NN_Tensor:$input_grad);
}

def NN_Conv2DBackpropFilterOp : NN_Op<"conv2d_backprop_filter"> {
  let summary = "gradient of nn.conv2d with respect to its kernel";
  let description = [{
    Given a conv2d's input (N, H, W, Cin) and the gradient of its output
    (N, OH, OW, Cout), computes the gradient of its kernel
    (KH, KW, Cin, Cout), summed over the batch in a fixed order.

    Example:
    ```mlir
    %dk = nn.conv2d_backprop_filter %x, %dy {kernel_size = [3, 3], strides = [1, 1], padding = "valid", dilation = [1, 1]}
        : (tensor<?x13x13x32xf32>, tensor<?x11x11x64xf32>) -> tensor<3x3x32x64xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, NN_Tensor:$output_grad,
                       I64ArrayAttr:$kernel_size, I64ArrayAttr:$strides,
                       StrAttr:$padding, I64ArrayAttr:$dilation);
  let results = (outs NN_Tensor:$kernel_grad);
}

def NN_MaxPool2DGradOp : NN_Op<"max_pool2d_grad",
    [DeclareOpInterfaceMethods<NN_FusableOpInterface>]> {
  let summary = "gradient of nn.max_pool2d";
  let description = [{
    Routes each output gradient to the position of its window's maximum in
    `input` (the first one, in window order, on ties). Attributes as the
    forward op's.

    Example:
    ```mlir
    %dx = nn.max_pool2d_grad %x, %dy {pool_size = [2, 2], strides = [2, 2], padding = "valid"}
        : (tensor<?x26x26x32xf32>, tensor<?x13x13x32xf32>) -> tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, NN_Tensor:$output_grad,
                       I64ArrayAttr:$pool_size, I64ArrayAttr:$strides,
                       StrAttr:$padding);
  let results = (outs NN_Tensor:$input_grad);
}

def NN_AvgPool2DGradOp : NN_Op<"avg_pool2d_grad"> {
  let summary = "gradient of nn.avg_pool2d";
  let description = [{
    Spreads each output gradient evenly over its window's elements inside
    the input: input element (y, x) receives the sum, over the windows that
    hold it, of output_grad / (the window's count of in-bounds elements),
    Keras's divisor with "same" padding. `input_size` = [H, W] is the pool's
    input; the other attributes are the forward op's. nn.global_avg_pool2d's
    gradient is this op with one window the size of the input.

    Example:
    ```mlir
    %dx = nn.avg_pool2d_grad %dy {input_size = [26, 26], pool_size = [2, 2], strides = [2, 2], padding = "valid"}
        : (tensor<?x13x13x32xf32>) -> tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$output_grad, I64ArrayAttr:$input_size,
                       I64ArrayAttr:$pool_size, I64ArrayAttr:$strides,
                       StrAttr:$padding);
  let results = (outs NN_Tensor:$input_grad);
}

def NN_SliceOp : NN_Op<"slice"> {
  let summary = "a box of a tensor: `sizes` elements from `offsets`, per axis";
  let description = [{
    Takes, along each axis but the batch, `sizes[i]` elements starting at
    `offsets[i]` (both one entry per non-batch axis); the box must lie
    inside the input. The gradients of nn.concatenate (one slice per input
    along the axis) and nn.zero_padding2d (the unpadded interior) are
    slices.

    Example:
    ```mlir
    %a = nn.slice %x {offsets = [0, 0, 16], sizes = [8, 8, 32]} : (tensor<?x8x8x48xf32>) -> tensor<?x8x8x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, I64ArrayAttr:$offsets,
                       I64ArrayAttr:$sizes);
  let results = (outs NN_Tensor:$output);
}

def NN_ExtremumGradOp : NN_Op<"extremum_grad"> {
  let summary = "gradient of nn.maximum or nn.minimum (`kind`)";
  let description = [{
    Routes `output_grad` to the operand that was chosen: for "maximum",
    lhs_grad = output_grad where lhs >= rhs, else 0, and rhs_grad the rest;
    for "minimum", lhs_grad where lhs <= rhs. Ties go to lhs, as
    TensorFlow's gradients of maximum and minimum do. All shapes equal.

    Example:
    ```mlir
    %da, %db = nn.extremum_grad %a, %b, %dy {kind = "maximum"}
        : (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>)
    ```
  }];
  let arguments = (ins NN_Tensor:$lhs, NN_Tensor:$rhs, NN_Tensor:$output_grad,
                       StrAttr:$kind);
  let results = (outs NN_Tensor:$lhs_grad, NN_Tensor:$rhs_grad);
}

class NN_SoftmaxLikeGradOp<string mnemonic, string of, string formula>
    : NN_Op<mnemonic, [], /*customShape=*/0> {
  let summary = "gradient of nn." # of # " from its output";
  let description = [{
    From nn.}] # of # [{'s output y and its gradient dy, along `axis`:
    dx = }] # formula # [{. A softmax that the loss follows is fused into
    the loss instead (nn.softmax_cross_entropy).

    Example:
    ```mlir
    %dx = nn.}] # mnemonic # [{ %y, %dy {axis = -1 : i64} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$output, NN_Tensor:$output_grad, I64Attr:$axis);
  let results = (outs NN_Tensor:$input_grad);
  let verifier = [{ return ::kiln::nn::verifyAxis(*this, axis()); }];
}

def NN_SoftmaxGradOp : NN_SoftmaxLikeGradOp<"softmax_grad", "softmax",
    "y (dy - sum(dy y))">;
def NN_LogSoftmaxGradOp : NN_SoftmaxLikeGradOp<"log_softmax_grad",
    "log_softmax", "dy - exp(y) sum(dy)">;

def NN_ReluGradOp : NN_Op<"relu_grad"> {
  let summary = "gradient of nn.relu: output_grad where output > 0, else 0";
  let description = [{
    Takes relu's *output* (positive exactly where its input was), so the
    forward pass need not keep the input.

    Example:
    ```mlir
    %dx = nn.relu_grad %y, %dy : (tensor<?x26x26x32xf32>, tensor<?x26x26x32xf32>) -> tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$output, NN_Tensor:$output_grad);
  let results = (outs NN_Tensor:$input_grad);
}

def NN_MatMulOp : NN_Op<"matmul"> {
  let summary = "2-D matrix product with optional transposes";
  let description = [{
    op(lhs) · op(rhs), op the transpose when the flag is set. Dense's
    gradients: dx = dy · Wᵀ and dW = xᵀ · dy (a sum over the batch, in a
    fixed order).

    Example:
    ```mlir
    %dw = nn.matmul %x, %dy {transpose_lhs = true, transpose_rhs = false}
        : (tensor<?x1600xf32>, tensor<?x10xf32>) -> tensor<1600x10xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$lhs, NN_Tensor:$rhs, BoolAttr:$transpose_lhs,
                       BoolAttr:$transpose_rhs);
  let results = (outs NN_Tensor:$output);
}

//===----------------------------------------------------------------------===//
// Losses and metrics in a training step
//===----------------------------------------------------------------------===//

def NN_SoftmaxCrossEntropyOp : NN_Op<"softmax_cross_entropy",
    [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]> {
  let summary = "softmax then categorical cross-entropy, computed stably";
  let description = [{
    From `logits` (N, C) and one-hot (or soft) `targets` (N, C): the
    per-sample loss -sum(t * log_softmax(z)) (N), and whether the sample is
    classified correctly, 1 or 0 (argmax of logits equals argmax of
    targets, first index on ties) (N). Keras computes softmax followed by
    categorical_crossentropy this way too.

    Example:
    ```mlir
    %loss, %correct = nn.softmax_cross_entropy %z, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> (tensor<?xf32>, tensor<?xf32>)
    ```
  }];
  let arguments = (ins NN_Tensor:$logits, NN_Tensor:$targets);
  let results = (outs NN_Tensor:$loss, NN_Tensor:$correct);
}

def NN_SoftmaxCrossEntropyGradOp : NN_Op<"softmax_cross_entropy_grad"> {
  let summary = "gradient of the batch-mean softmax cross-entropy";
  let description = [{
    (softmax(logits) - targets) / N, N the batch size: the gradient of the
    mean over the batch of nn.softmax_cross_entropy's loss.

    Example:
    ```mlir
    %dz = nn.softmax_cross_entropy_grad %z, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$logits, NN_Tensor:$targets);
  let results = (outs NN_Tensor:$logits_grad);
}

//===----------------------------------------------------------------------===//
// Optimizers and state
//===----------------------------------------------------------------------===//

def NN_AdamUpdateOp : NN_Op<"adam_update"> {
  let summary = "one Adam step for one weight (Keras's update rule)";
  let description = [{
    With t = iterations + 1:
    m' = beta_1 m + (1 - beta_1) g, v' = beta_2 v + (1 - beta_2) g²,
    w' = w - lr · sqrt(1 - beta_2^t) / (1 - beta_1^t) · m' / (sqrt(v') + epsilon),
    exactly as keras.optimizers.Adam (learning_rate 0.001, beta_1 0.9,
    beta_2 0.999, epsilon 1e-7 by default). Results: w', m', v'.

    Example:
    ```mlir
    %w2, %m2, %v2 = nn.adam_update %w, %g, %m, %v, %t {learning_rate = 1.0e-03 : f64, beta_1 = 0.9 : f64, beta_2 = 0.999 : f64, epsilon = 1.0e-07 : f64}
        : (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>, tensor<10xf32>, tensor<f32>) -> (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>)
    ```
  }];
  let arguments = (ins NN_Tensor:$weight, NN_Tensor:$grad, NN_Tensor:$m,
                       NN_Tensor:$v, NN_Tensor:$iterations,
                       F64Attr:$learning_rate, F64Attr:$beta_1,
                       F64Attr:$beta_2, F64Attr:$epsilon);
  let results = (outs NN_Tensor:$new_weight, NN_Tensor:$new_m,
                      NN_Tensor:$new_v);
}

def NN_ConstantOp : NN_Op<"constant"> {
  let summary = "a constant tensor";
  let description = [{
    Example:
    ```mlir
    %one = nn.constant {value = dense<1.0> : tensor<f32>} : tensor<f32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "attr-dict `:` type($output)";
}

def NN_AssignOp : Op<NN_Dialect, "assign"> {
  let summary = "writes a new value into a named weight at the end of a step";
  let description = [{
    The training step's one side effect: weight `name` (an nn.weight of the
    same function, trainable or optimizer state) takes `value` for the next
    step. Reads of the weight in the same step see the old value; the plan
    makes the update in place once nothing reads the old value.

    Example:
    ```mlir
    nn.assign "dense/bias", %b2 : tensor<10xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, NN_Tensor:$value);
  let assemblyFormat = "$name `,` $value attr-dict `:` type($value)";
}

def NN_SGDUpdateOp : NN_Op<"sgd_update"> {
  let summary = "one SGD step for one weight (Keras's rule)";
  let description = [{
    v' = momentum v - lr g; w' = w + momentum v' - lr g with `nesterov`,
    else w' = w + v' (with momentum 0: w - lr g). Results: w', v'.

    Example:
    ```mlir
    %w2, %v2 = nn.sgd_update %w, %g, %v {learning_rate = 1.0e-02 : f64, momentum = 0.0 : f64, nesterov = false}
        : (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>) -> (tensor<10xf32>, tensor<10xf32>)
    ```
  }];
  let arguments = (ins NN_Tensor:$weight, NN_Tensor:$grad, NN_Tensor:$velocity,
                       F64Attr:$learning_rate, F64Attr:$momentum,
                       BoolAttr:$nesterov);
  let results = (outs NN_Tensor:$new_weight, NN_Tensor:$new_velocity);
}

def NN_RMSpropUpdateOp : NN_Op<"rmsprop_update"> {
  let summary = "one RMSprop step for one weight (Keras 3's rule)";
  let description = [{
    v' = rho v + (1 - rho) g²; w' = w - lr g / sqrt(v' + epsilon).
    Results: w', v'.

    Example:
    ```mlir
    %w2, %v2 = nn.rmsprop_update %w, %g, %v {learning_rate = 1.0e-03 : f64, rho = 0.9 : f64, epsilon = 1.0e-07 : f64}
        : (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>) -> (tensor<10xf32>, tensor<10xf32>)
    ```
  }];
  let arguments = (ins NN_Tensor:$weight, NN_Tensor:$grad, NN_Tensor:$velocity,
                       F64Attr:$learning_rate, F64Attr:$rho, F64Attr:$epsilon);
  let results = (outs NN_Tensor:$new_weight, NN_Tensor:$new_velocity);
}

//===----------------------------------------------------------------------===//
// Kernels: fused groups
//===----------------------------------------------------------------------===//

def NN_FusedOp : NN_Op<"fused", [IsolatedFromAbove,
    SingleBlockImplicitTerminator<"YieldOp">]> {
  let summary = "ops that run as one kernel";
  let description = [{
    A group that nn-fuse-kernels formed: the region's ops (over the block
    arguments, which stand for `inputs`) become one kernel, so the values
    between them never go to memory. `kind` names the group ("conv2d+relu",
    "conv2d+relu+max_pool2d", "dense+softmax"); `not_fused`, when present,
    says why the group stopped growing.

    Example:
    ```mlir
    %y = nn.fused "conv2d+relu" (%x, %k, %b) {
    ^bb0(%a: tensor<?x28x28x1xf32>, %w: tensor<3x3x1x32xf32>, %c: tensor<32xf32>):
      %0 = nn.conv2d %a, %w, %c {dilation = [1, 1], padding = "valid", strides = [1, 1]} : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>) -> tensor<?x26x26x32xf32>
      %1 = nn.relu %0 : (tensor<?x26x26x32xf32>) -> tensor<?x26x26x32xf32>
      nn.yield %1 : tensor<?x26x26x32xf32>
    } : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>) -> tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins StrAttr:$kind, Variadic<NN_Tensor>:$inputs,
                       OptionalAttr<StrAttr>:$not_fused);
  let results = (outs Variadic<NN_Tensor>:$outputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $kind `(` $inputs `)` $body attr-dict `:` functional-type($inputs, results)
  }];
}

def NN_YieldOp : Op<NN_Dialect, "yield", [NoSideEffect, Terminator,
    HasParent<"FusedOp">]> {
  let summary = "the results of an nn.fused group";
  let description = [{
    Example:
    ```mlir
    nn.yield %1 : tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins Variadic<NN_Tensor>:$values);
  let builders = [OpBuilder<(ins), [{ /* no values */ }]>];
  let assemblyFormat = "$values attr-dict `:` type($values)";
}

//===----------------------------------------------------------------------===//
// Weight regularizers
//===----------------------------------------------------------------------===//

def NN_WeightPenaltyOp : NN_Op<"weight_penalty"> {
  let summary = "Keras's L1/L2 penalty of one weight: l1 sum|w| + l2 sum w^2";
  let description = [{
    The regularization loss of a weight with a Keras L1, L2 or L1L2
    regularizer, a scalar. nn-build-train-step adds it to the step's mean
    loss once per step (Keras adds the model's regularization losses to the
    batch's mean loss).

    Example:
    ```mlir
    %p = nn.weight_penalty %w {l1 = 0.0 : f64, l2 = 5.0e-04 : f64} : (tensor<3x3x1x32xf32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins NN_Tensor:$weight, F64Attr:$l1, F64Attr:$l2);
  let results = (outs NN_Tensor:$output);
}

def NN_WeightPenaltyGradOp : NN_Op<"weight_penalty_grad"> {
  let summary = "grad + the gradient of nn.weight_penalty: l1 sign(w) + 2 l2 w";
  let description = [{
    Adds the penalty's gradient to the loss's gradient `grad` of `weight`
    (same shape): grad + l1 sign(w) + 2 l2 w, with sign(0) = 0 as
    keras.ops.sign (and TensorFlow's gradient of abs) gives.

    Example:
    ```mlir
    %g2 = nn.weight_penalty_grad %w, %g {l1 = 1.0e-05 : f64, l2 = 1.0e-04 : f64}
        : (tensor<32xf32>, tensor<32xf32>) -> tensor<32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$weight, NN_Tensor:$grad, F64Attr:$l1,
                       F64Attr:$l2);
  let results = (outs NN_Tensor:$output);
}

//===----------------------------------------------------------------------===//
// Batch normalisation in training
//===----------------------------------------------------------------------===//

def NN_MomentsOp : NN_Op<"moments"> {
  let summary = "per-channel mean and (biased) variance over the batch";
  let description = [{
    The statistics batch normalisation uses in training: the mean and the
    biased variance of `input` (N, ..., C) over every axis but the last, as
    keras.ops.moments computes them. Summed in a fixed order.

    Example:
    ```mlir
    %mean, %variance = nn.moments %x : (tensor<?x8x8x16xf32>) -> (tensor<16xf32>, tensor<16xf32>)
    ```
  }];
  let arguments = (ins NN_Tensor:$input);
  let results = (outs NN_Tensor:$mean, NN_Tensor:$variance);
}

def NN_BatchNormGradOp : NN_Op<"batch_norm_grad"> {
  let summary = "gradient of nn.batch_norm normalising with its batch's moments";
  let description = [{
    With xhat = (x - mean) / sqrt(variance + epsilon) over the last axis and
    M the number of values per channel (N·H·W):
    dx = gamma / sqrt(variance + epsilon) · (dy - sum(dy)/M - xhat · sum(dy · xhat)/M),
    dgamma = sum(dy · xhat), dbeta = sum(dy), sums over all but the last
    axis. (The moments' own dependence on x is in dx.)

    Example:
    ```mlir
    %dx, %dgamma, %dbeta = nn.batch_norm_grad %x, %mean, %var, %gamma, %dy {epsilon = 1.0e-03 : f64}
        : (tensor<?x8x8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<?x8x8x16xf32>) -> (tensor<?x8x8x16xf32>, tensor<16xf32>, tensor<16xf32>)
    ```
  }];
  let arguments = (ins NN_Tensor:$input, NN_Tensor:$mean, NN_Tensor:$variance,
                       NN_Tensor:$gamma, NN_Tensor:$output_grad,
                       F64Attr:$epsilon);
  let results = (outs NN_Tensor:$input_grad, NN_Tensor:$gamma_grad,
                      NN_Tensor:$beta_grad);
}

//===----------------------------------------------------------------------===//
// More losses in a training step
//===----------------------------------------------------------------------===//

def NN_SigmoidCrossEntropyOp : NN_Op<"sigmoid_cross_entropy",
    [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]> {
  let summary = "sigmoid then binary cross-entropy, computed stably";
  let description = [{
    From `logits` (N, C) and targets in [0, 1] (N, C): the per-sample loss
    mean_c(max(z, 0) - z t + log(1 + exp(-|z|))) (N) (what Keras computes for
    a sigmoid output followed by binary_crossentropy), and the fraction of
    the sample's outputs classified correctly ((z > 0) == (t > 0.5)) (N), as
    Keras's binary accuracy counts it.

    Example:
    ```mlir
    %loss, %correct = nn.sigmoid_cross_entropy %z, %t : (tensor<?x1xf32>, tensor<?x1xf32>) -> (tensor<?xf32>, tensor<?xf32>)
    ```
  }];
  let arguments = (ins NN_Tensor:$logits, NN_Tensor:$targets);
  let results = (outs NN_Tensor:$loss, NN_Tensor:$correct);
}

def NN_SigmoidCrossEntropyGradOp : NN_Op<"sigmoid_cross_entropy_grad"> {
  let summary = "gradient of the batch-mean sigmoid cross-entropy";
  let description = [{
    (sigmoid(logits) - targets) / (N C).

    Example:
    ```mlir
    %dz = nn.sigmoid_cross_entropy_grad %z, %t : (tensor<?x1xf32>, tensor<?x1xf32>) -> tensor<?x1xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$logits, NN_Tensor:$targets);
  let results = (outs NN_Tensor:$logits_grad);
}

def NN_MeanSquaredErrorGradOp : NN_Op<"mean_squared_error_grad"> {
  let summary = "gradient of the batch-mean mean squared error";
  let description = [{
    2 (predictions - targets) / (N C): the gradient of the mean over the
    batch of nn.mean_squared_error.

    Example:
    ```mlir
    %dp = nn.mean_squared_error_grad %p, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$predictions, NN_Tensor:$targets);
  let results = (outs NN_Tensor:$predictions_grad);
}

def NN_CategoricalAccuracyOp : NN_Op<"categorical_accuracy"> {
  let summary = "per-sample 1 where argmax(predictions) == argmax(targets)";
  let description = [{
    Keras's categorical accuracy per sample (first index on ties), for
    losses that do not compute it themselves.

    Example:
    ```mlir
    %c = nn.categorical_accuracy %p, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$predictions, NN_Tensor:$targets);
  let results = (outs NN_Tensor:$output);
}

def NN_ActivationGradOp : NN_Op<"activation_grad", [], /*customShape=*/0> {
  let summary = "gradient of a unary elementwise op: output_grad · f'(input)";
  let description = [{
    `activation` names the unary nn op f ("sigmoid", "tanh", "gelu", ...);
    its derivative comes from the activation table that codegen and the
    references share. `alpha` is leaky_relu's slope.

    Example:
    ```mlir
    %dx = nn.activation_grad %x, %dy {activation = "tanh"} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, NN_Tensor:$output_grad,
                       StrAttr:$activation, OptionalAttr<F64Attr>:$alpha);
  let results = (outs NN_Tensor:$input_grad);
  let verifier = [{
    if (!getContext()->isOperationRegistered(("nn." + activation()).str()))
      return emitOpError("activation '") << activation()
             << "' is not a unary nn op";
    return ::mlir::success();
  }];
}
