//===- NNOps.td - The ops of the nn dialect ----------------*- tablegen -*-===//
//
// Every nn op, one banner per family. This file is the table of contents of
// the dialect: each op documents its semantics (Keras's), its attributes and
// an IR example. Shape inference for each family lives in ir/ops/<Family>.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef NN_OPS
#define NN_OPS

include "ir/NNBase.td"
include "ir/NNInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

/// Every nn op is pure and infers its result types. Ops that compute their
/// types differently from "same as the first operand" set `customShape`.
class NN_Op<string mnemonic, list<Trait> traits = [], bit customShape = 1>
    : Op<NN_Dialect, mnemonic, !listconcat(traits, [NoSideEffect,
        !if(customShape,
            DeclareOpInterfaceMethods<NN_ShapeInferenceOpInterface, ["inferResultTypes"]>,
            NN_ShapeInferenceOpInterface)])> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def NN_WeightOp : NN_Op<"weight"> {
  let summary = "a named model weight (a Keras variable)";
  let description = [{
    Reads the model weight called `name`, as Keras names it
    (`conv2d/kernel`, `dense/bias`, `batch_normalization/moving_mean`). The
    runtime binds it by that name to a tensor loaded from a safetensors file
    or created by `initializer` (a Keras initializer name such as
    "glorot_uniform", with its arguments in `initializer_config`).
    `trainable = false` marks state the optimizer does not update
    (batch_norm's moving statistics). `regularizer` (for example
    {name = "l1l2", l1 = 0.0, l2 = 5.0e-04}) adds Keras's penalty on this
    weight to the training loss. The type is static.

    Example:
    ```mlir
    %k = nn.weight "conv2d/kernel" {initializer = "glorot_uniform"} : tensor<3x3x1x32xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, StrAttr:$initializer,
                       OptionalAttr<DictionaryAttr>:$initializer_config,
                       OptionalAttr<DictionaryAttr>:$regularizer,
                       OptionalAttr<BoolAttr>:$trainable);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$name attr-dict `:` type($output)";
  let extraClassDeclaration = [{
    /// Whether the optimizer updates this weight (Keras's `trainable`).
    bool isTrainable() { return !trainable().hasValue() || *trainable(); }
  }];
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

def NN_Conv2DOp : NN_Op<"conv2d", [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>,
    DeclareOpInterfaceMethods<NN_FusableOpInterface>]> {
  let summary = "2-D convolution, NHWC input, HWIO kernel (Keras Conv2D)";
  let description = [{
    Cross-correlates `input` (N, H, W, Cin) with `kernel` (KH, KW, Cin, Cout)
    as Keras's Conv2D does, adding `bias` (Cout) when present. `padding` is
    "valid" (no padding) or "same" (TensorFlow's rule: the output has
    ceil(H / stride) rows, the padding split with the smaller half before).
    `dilation` spaces the kernel taps. Output: (N, OH, OW, Cout) with
    OH = floor((H + pad - (KH - 1) * dilation - 1) / stride) + 1.

    Example:
    ```mlir
    %y = nn.conv2d %x, %k, %b {strides = [1, 1], padding = "valid", dilation = [1, 1]}
        : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>) -> tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, NN_Tensor:$kernel,
                       Optional<NN_Tensor>:$bias,
                       I64ArrayAttr:$strides, StrAttr:$padding,
                       I64ArrayAttr:$dilation);
  let results = (outs NN_Tensor:$output);
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

class NN_Pool2DOp<string mnemonic, string what>
    : NN_Op<mnemonic, [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]> {
  let summary = what # " pooling over 2-D windows, NHWC";
  let description = [{
    Pools each channel of `input` (N, H, W, C) over `pool_size` windows moved
    by `strides` (Keras's default strides are the pool size), with "valid" or
    "same" padding as Conv2D. Averages count only the elements inside the
    input, as Keras does with "same" padding.

    Example:
    ```mlir
    %y = nn.}] # mnemonic # [{ %x {pool_size = [2, 2], strides = [2, 2], padding = "valid"}
        : (tensor<?x26x26x32xf32>) -> tensor<?x13x13x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, I64ArrayAttr:$pool_size,
                       I64ArrayAttr:$strides, StrAttr:$padding);
  let results = (outs NN_Tensor:$output);
}

def NN_MaxPool2DOp : NN_Pool2DOp<"max_pool2d", "Maximum">;
def NN_AvgPool2DOp : NN_Pool2DOp<"avg_pool2d", "Average">;

class NN_GlobalPool2DOp<string mnemonic, string what>
    : NN_Op<mnemonic, [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]> {
  let summary = what # " over all of H and W, NHWC";
  let description = [{
    Reduces (N, H, W, C) to (N, C), or to (N, 1, 1, C) with `keepdims`.

    Example:
    ```mlir
    %y = nn.}] # mnemonic # [{ %x {keepdims = false} : (tensor<?x7x7x64xf32>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, BoolAttr:$keepdims);
  let results = (outs NN_Tensor:$output);
}

def NN_GlobalAvgPool2DOp : NN_GlobalPool2DOp<"global_avg_pool2d", "Average">;
def NN_GlobalMaxPool2DOp : NN_GlobalPool2DOp<"global_max_pool2d", "Maximum">;

//===----------------------------------------------------------------------===//
// Dense
//===----------------------------------------------------------------------===//

def NN_DenseOp : NN_Op<"dense", [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>,
    DeclareOpInterfaceMethods<NN_FusableOpInterface>]> {
  let summary = "matrix product on the last axis, plus bias (Keras Dense)";
  let description = [{
    Multiplies the last axis of `input` (..., K) by `kernel` (K, M) and adds
    `bias` (M) when present, as Keras's Dense does for inputs of any rank.

    Example:
    ```mlir
    %y = nn.dense %x, %k, %b : (tensor<?x1600xf32>, tensor<1600x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, NN_Tensor:$kernel,
                       Optional<NN_Tensor>:$bias);
  let results = (outs NN_Tensor:$output);
}

def NN_BiasAddOp : NN_Op<"bias_add", [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]> {
  let summary = "adds a vector along the last axis";
  let description = [{
    Adds `bias` (C) to every element of `input` (..., C) along its last axis.

    Example:
    ```mlir
    %y = nn.bias_add %x, %b : (tensor<?x26x26x32xf32>, tensor<32xf32>) -> tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, NN_Tensor:$bias);
  let results = (outs NN_Tensor:$output);
}

//===----------------------------------------------------------------------===//
// Unary elementwise: one record each. The result has the operand's type.
//===----------------------------------------------------------------------===//

class NN_UnaryOp<string mnemonic, string formula,
                 list<Trait> traits = [NN_GradientOpInterface]>
    : NN_Op<mnemonic, traits, /*customShape=*/0> {
  let summary = "elementwise " # formula;
  let description = [{
    Applies }] # formula # [{ to every element; the result has the operand's type.

    Example:
    ```mlir
    %y = nn.}] # mnemonic # [{ %x : (tensor<?x10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input);
  let results = (outs NN_Tensor:$output);
}

def NN_ReluOp : NN_UnaryOp<"relu", "max(x, 0)",
    [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]>;
def NN_Relu6Op : NN_UnaryOp<"relu6", "min(max(x, 0), 6)">;
def NN_SigmoidOp : NN_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def NN_TanhOp : NN_UnaryOp<"tanh", "tanh(x)">;
def NN_EluOp : NN_UnaryOp<"elu", "x if x > 0 else exp(x) - 1">;
def NN_SeluOp : NN_UnaryOp<"selu", "1.0507 * (x if x > 0 else 1.67326 * (exp(x) - 1))">;
def NN_SoftplusOp : NN_UnaryOp<"softplus", "log(1 + exp(x))">;
def NN_SoftsignOp : NN_UnaryOp<"softsign", "x / (1 + |x|)">;
def NN_SiluOp : NN_UnaryOp<"silu", "x * sigmoid(x) (Keras's swish)">;
def NN_GeluOp : NN_UnaryOp<"gelu", "x * Phi(x), Phi the standard normal CDF (erf form)">;
def NN_HardSigmoidOp : NN_UnaryOp<"hard_sigmoid", "relu6(x + 3) / 6 (Keras 3)">;
def NN_ExpOp : NN_UnaryOp<"exp", "exp(x)">;
def NN_LogOp : NN_UnaryOp<"log", "log(x)">;
def NN_NegOp : NN_UnaryOp<"neg", "-x">;
def NN_SqrtOp : NN_UnaryOp<"sqrt", "sqrt(x)">;
def NN_SquareOp : NN_UnaryOp<"square", "x * x">;

def NN_LeakyReluOp : NN_Op<"leaky_relu", [NN_GradientOpInterface],
                           /*customShape=*/0> {
  let summary = "elementwise x if x > 0 else alpha * x";
  let description = [{
    Keras's LeakyReLU (`negative_slope` in Keras 3, `alpha` in Keras 2).

    Example:
    ```mlir
    %y = nn.leaky_relu %x {alpha = 3.000000e-01 : f64} : (tensor<?x10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, F64Attr:$alpha);
  let results = (outs NN_Tensor:$output);
}

//===----------------------------------------------------------------------===//
// Binary elementwise, with NumPy broadcasting.
//===----------------------------------------------------------------------===//

class NN_BinaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : NN_Op<mnemonic, traits> {
  let summary = "elementwise " # formula # ", broadcasting as NumPy does";
  let description = [{
    Computes }] # formula # [{ elementwise. Shapes broadcast as in NumPy
    (trailing axes aligned; an axis of 1 stretches); Keras's Add, Subtract,
    Multiply, Maximum and Minimum merge layers lower to these.

    Example:
    ```mlir
    %z = nn.}] # mnemonic # [{ %x, %y : (tensor<?x8x8x16xf32>, tensor<?x8x8x16xf32>) -> tensor<?x8x8x16xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$lhs, NN_Tensor:$rhs);
  let results = (outs NN_Tensor:$output);
}

def NN_AddOp : NN_BinaryOp<"add", "lhs + rhs",
    [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]>;
def NN_SubOp : NN_BinaryOp<"sub", "lhs - rhs",
    [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]>;
def NN_MulOp : NN_BinaryOp<"mul", "lhs * rhs",
    [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]>;
def NN_DivOp : NN_BinaryOp<"div", "lhs / rhs",
    [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]>;
def NN_MaximumOp : NN_BinaryOp<"maximum", "max(lhs, rhs)",
    [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]>;
def NN_MinimumOp : NN_BinaryOp<"minimum", "min(lhs, rhs)",
    [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]>;

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

class NN_SoftmaxLikeOp<string mnemonic, string formula>
    : NN_Op<mnemonic, [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>],
            /*customShape=*/0> {
  let summary = formula # " along one axis";
  let description = [{
    Computes }] # formula # [{ along `axis` (negative counts from the end),
    subtracting the maximum first for numerical stability.

    Example:
    ```mlir
    %y = nn.}] # mnemonic # [{ %x {axis = -1 : i64} : (tensor<?x10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, I64Attr:$axis);
  let results = (outs NN_Tensor:$output);
  let verifier = [{ return ::kiln::nn::verifyAxis(*this, axis()); }];
}

def NN_SoftmaxOp : NN_SoftmaxLikeOp<"softmax", "exp(x) / sum(exp(x))">;
def NN_LogSoftmaxOp : NN_SoftmaxLikeOp<"log_softmax", "x - log(sum(exp(x)))">;

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

def NN_FlattenOp : NN_Op<"flatten", [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]> {
  let summary = "(N, d1, ..., dk) -> (N, d1 * ... * dk) (Keras Flatten)";
  let description = [{
    Keeps the batch axis and flattens the rest in C order (NHWC's order).

    Example:
    ```mlir
    %y = nn.flatten %x : (tensor<?x5x5x64xf32>) -> tensor<?x1600xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input);
  let results = (outs NN_Tensor:$output);
}

def NN_ReshapeOp : NN_Op<"reshape", [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]> {
  let summary = "reshapes all but the batch axis (Keras Reshape)";
  let description = [{
    Reshapes (N, ...) to (N, shape...) in C order; one entry of `shape` may
    be -1 and is then inferred. The element count must be preserved.

    Example:
    ```mlir
    %y = nn.reshape %x {shape = [7, 7, -1]} : (tensor<?x784xf32>) -> tensor<?x7x7x16xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, I64ArrayAttr:$shape);
  let results = (outs NN_Tensor:$output);
}

def NN_ConcatenateOp : NN_Op<"concatenate",
    [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]> {
  let summary = "joins tensors along one axis (Keras Concatenate)";
  let description = [{
    Concatenates `inputs` along `axis` (default -1, the channels); all other
    axes must match.

    Example:
    ```mlir
    %y = nn.concatenate %a, %b {axis = -1 : i64}
        : (tensor<?x8x8x16xf32>, tensor<?x8x8x32xf32>) -> tensor<?x8x8x48xf32>
    ```
  }];
  let arguments = (ins Variadic<NN_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs NN_Tensor:$output);
}

def NN_ZeroPadding2DOp : NN_Op<"zero_padding2d",
    [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]> {
  let summary = "pads H and W with zeros (Keras ZeroPadding2D)";
  let description = [{
    Adds `padding` = [top, bottom, left, right] rows and columns of zeros
    around each image of (N, H, W, C).

    Example:
    ```mlir
    %y = nn.zero_padding2d %x {padding = [1, 1, 2, 2]} : (tensor<?x8x8x3xf32>) -> tensor<?x10x12x3xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, I64ArrayAttr:$padding);
  let results = (outs NN_Tensor:$output);
}

//===----------------------------------------------------------------------===//
// Regularisation and normalisation
//===----------------------------------------------------------------------===//

def NN_DropoutOp : NN_Op<"dropout",
    [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>], /*customShape=*/0> {
  let summary = "inverted dropout in training; identity at inference";
  let description = [{
    With a `step` operand (in a training step), zeroes each element with
    probability `rate` and scales the kept ones by 1 / (1 - rate); the mask
    comes from a counter-based hash of (seed, step, element index), so a
    run is reproducible and the backward pass (dropout of the gradient with
    the same seed and step) recomputes the same mask. Without `seed` (Keras's
    `seed=` argument) the mask is keyed by the seed given at run time and
    `stream` (the layer's index, set by nn-build-train-step): seed * 1000003
    + stream, modulo 2^24. Without `step` (inference) it is the identity.

    Example:
    ```mlir
    %y = nn.dropout %x {rate = 5.000000e-01 : f64, seed = 0 : i64} : (tensor<?x1600xf32>) -> tensor<?x1600xf32>
    %z = nn.dropout %x, %step {rate = 5.000000e-01 : f64, seed = 7 : i64} : (tensor<?x1600xf32>, tensor<f32>) -> tensor<?x1600xf32>
    %w = nn.dropout %x, %step {rate = 5.000000e-01 : f64, stream = 1 : i64} : (tensor<?x1600xf32>, tensor<f32>) -> tensor<?x1600xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, Optional<NN_Tensor>:$step,
                       F64Attr:$rate, OptionalAttr<I64Attr>:$seed,
                       OptionalAttr<I64Attr>:$stream);
  let results = (outs NN_Tensor:$output);
  let verifier = [{ return ::kiln::nn::verifyRate(*this, rate()); }];
}

def NN_BatchNormOp : NN_Op<"batch_norm", [AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]> {
  let summary = "batch normalisation along one axis (Keras BatchNormalization)";
  let description = [{
    (x - mean) / sqrt(variance + epsilon) * gamma + beta along `axis` (the
    channels). At inference the statistics are the moving ones; in a
    training step (nn-build-train-step) they are the batch's nn.moments, and
    the moving statistics are updated as Keras does (moving = moving ·
    momentum + batch · (1 - momentum)). `gamma` is absent when Keras's
    `scale` is false, `beta` when `center` is false.

    Example:
    ```mlir
    %y = nn.batch_norm %x, %mean, %var, %gamma, %beta {axis = -1 : i64, epsilon = 1.0e-03 : f64, momentum = 0.99 : f64}
        : (tensor<?x8x8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x8x8x16xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, NN_Tensor:$moving_mean,
                       NN_Tensor:$moving_variance, Optional<NN_Tensor>:$gamma,
                       Optional<NN_Tensor>:$beta, I64Attr:$axis,
                       F64Attr:$epsilon, F64Attr:$momentum);
  let results = (outs NN_Tensor:$output);
  let extraClassDeclaration = [{
    /// The gradient of the inference form (fixed statistics, a frozen
    /// layer): ir/ops/Normalization.cpp.
    ::mlir::LogicalResult buildInferenceGradients(
        ::mlir::OpBuilder &b, ::mlir::Value dy,
        ::llvm::SmallVectorImpl<::mlir::Value> &operandGrads);
  }];
  let assemblyFormat = [{
    $input `,` $moving_mean `,` $moving_variance (`gamma` $gamma^)? (`beta` $beta^)?
    attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Reductions, losses and metrics (what training builds on)
//===----------------------------------------------------------------------===//

class NN_ReduceOp<string mnemonic, string what> : NN_Op<mnemonic> {
  let summary = what # " over the given axes";
  let description = [{
    Reduces `input` over `axes` (negative counts from the end; empty means
    all), keeping them as size 1 when `keepdims` is set.

    Example:
    ```mlir
    %s = nn.}] # mnemonic # [{ %x {axes = [], keepdims = false} : (tensor<?xf32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, I64ArrayAttr:$axes, BoolAttr:$keepdims);
  let results = (outs NN_Tensor:$output);
}

def NN_ReduceSumOp : NN_ReduceOp<"reduce_sum", "Sum">;
def NN_ReduceMeanOp : NN_ReduceOp<"reduce_mean", "Mean">;
def NN_ReduceMaxOp : NN_ReduceOp<"reduce_max", "Maximum">;

class NN_LossOp<string mnemonic, string formula, list<Trait> traits = []>
    : NN_Op<mnemonic, traits> {
  let summary = "per-sample " # formula # " (Keras's loss semantics)";
  let description = [{
    Computes }] # formula # [{ for each sample of a batch: `predictions` and
    `targets` are (N, ..., C); the result is (N). Probabilities are clipped to
    [1e-7, 1 - 1e-7] as Keras does. The mean over the batch is a separate
    nn.reduce_mean.

    Example:
    ```mlir
    %l = nn.}] # mnemonic # [{ %p, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$predictions, NN_Tensor:$targets);
  let results = (outs NN_Tensor:$output);
}

def NN_CategoricalCrossentropyOp
    : NN_LossOp<"categorical_crossentropy", "-sum(targets * log(predictions))">;
def NN_BinaryCrossentropyOp : NN_LossOp<"binary_crossentropy",
    "-mean(t * log(p) + (1 - t) * log(1 - p))">;
def NN_MeanSquaredErrorOp
    : NN_LossOp<"mean_squared_error", "mean((predictions - targets)^2)",
                [DeclareOpInterfaceMethods<NN_GradientOpInterface, ["buildGradients"]>]>;

def NN_SparseCategoricalCrossentropyOp
    : NN_Op<"sparse_categorical_crossentropy"> {
  let summary = "per-sample -log(predictions[target]) with integer targets";
  let description = [{
    `predictions` (N, C) are probabilities, `targets` (N) class indices. The
    result is (N); probabilities are clipped to [1e-7, 1 - 1e-7].

    Example:
    ```mlir
    %l = nn.sparse_categorical_crossentropy %p, %t : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<?xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$predictions, NN_IntTensor:$targets);
  let results = (outs NN_Tensor:$output);
}

include "ir/NNTrainingOps.td"

#endif // NN_OPS
