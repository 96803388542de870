// RUN: kiln-opt --split-input-file --verify-diagnostics %s | FileCheck %s
// RUN: kiln-opt %s --split-input-file --verify-diagnostics | kiln-opt --split-input-file --verify-diagnostics | FileCheck %s

// Tests that every nn op parses, verifies and prints back (round trip).

// CHECK-LABEL: func @weights_and_conv
// CHECK: nn.weight "conv2d/kernel" {initializer = "glorot_uniform", regularizer = {l2 = 1.000000e-02 : f64, name = "l2"}} : tensor<3x3x1x4xf32>
// CHECK: nn.weight "bn/moving_mean" {initializer = "zeros", trainable = false} : tensor<4xf32>
// CHECK: nn.conv2d %{{.*}}, %{{.*}} {dilation = [1, 1], padding = "same", strides = [1, 1]}
func @weights_and_conv(%x: tensor<?x8x8x1xf32>) -> tensor<?x8x8x4xf32> {
  %k = nn.weight "conv2d/kernel" {initializer = "glorot_uniform", regularizer = {name = "l2", l2 = 0.01 : f64}} : tensor<3x3x1x4xf32>
  %m = nn.weight "bn/moving_mean" {initializer = "zeros", trainable = false} : tensor<4xf32>
  %y = nn.conv2d %x, %k {strides = [1, 1], padding = "same", dilation = [1, 1]} : (tensor<?x8x8x1xf32>, tensor<3x3x1x4xf32>) -> tensor<?x8x8x4xf32>
  return %y : tensor<?x8x8x4xf32>
}

// -----

// CHECK-LABEL: func @pooling
// CHECK: nn.max_pool2d
// CHECK: nn.avg_pool2d
// CHECK: nn.global_avg_pool2d
// CHECK: nn.global_max_pool2d
func @pooling(%x: tensor<?x8x8x4xf32>) -> (tensor<?x4x4x4xf32>, tensor<?x8x8x4xf32>, tensor<?x4xf32>, tensor<?x1x1x4xf32>) {
  %a = nn.max_pool2d %x {pool_size = [2, 2], strides = [2, 2], padding = "valid"} : (tensor<?x8x8x4xf32>) -> tensor<?x4x4x4xf32>
  %b = nn.avg_pool2d %x {pool_size = [3, 3], strides = [1, 1], padding = "same"} : (tensor<?x8x8x4xf32>) -> tensor<?x8x8x4xf32>
  %c = nn.global_avg_pool2d %x {keepdims = false} : (tensor<?x8x8x4xf32>) -> tensor<?x4xf32>
  %d = nn.global_max_pool2d %x {keepdims = true} : (tensor<?x8x8x4xf32>) -> tensor<?x1x1x4xf32>
  return %a, %b, %c, %d : tensor<?x4x4x4xf32>, tensor<?x8x8x4xf32>, tensor<?x4xf32>, tensor<?x1x1x4xf32>
}

// -----

// CHECK-LABEL: func @dense_and_unary
// CHECK: nn.dense
// CHECK: nn.bias_add
// CHECK: nn.relu
// CHECK: nn.relu6
// CHECK: nn.sigmoid
// CHECK: nn.tanh
// CHECK: nn.elu
// CHECK: nn.selu
// CHECK: nn.softplus
// CHECK: nn.softsign
// CHECK: nn.silu
// CHECK: nn.gelu
// CHECK: nn.hard_sigmoid
// CHECK: nn.exp
// CHECK: nn.log
// CHECK: nn.neg
// CHECK: nn.sqrt
// CHECK: nn.square
// CHECK: nn.leaky_relu
// CHECK: nn.softmax
// CHECK: nn.log_softmax
func @dense_and_unary(%x: tensor<?x6xf32>, %k: tensor<6x3xf32>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  %d = nn.dense %x, %k : (tensor<?x6xf32>, tensor<6x3xf32>) -> tensor<?x3xf32>
  %e = nn.bias_add %d, %b : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  %0 = nn.relu %e : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %1 = nn.relu6 %0 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %2 = nn.sigmoid %1 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %3 = nn.tanh %2 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %4 = nn.elu %3 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %5 = nn.selu %4 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %6 = nn.softplus %5 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %7 = nn.softsign %6 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %8 = nn.silu %7 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %9 = nn.gelu %8 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %10 = nn.hard_sigmoid %9 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %11 = nn.exp %10 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %12 = nn.log %11 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %13 = nn.neg %12 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %14 = nn.sqrt %13 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %15 = nn.square %14 : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %16 = nn.leaky_relu %15 {alpha = 3.000000e-01 : f64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %17 = nn.softmax %16 {axis = -1 : i64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %18 = nn.log_softmax %17 {axis = 1 : i64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %18 : tensor<?x3xf32>
}

// -----

// CHECK-LABEL: func @binary
// CHECK: nn.add
// CHECK: nn.sub
// CHECK: nn.mul
// CHECK: nn.div
// CHECK: nn.maximum
// CHECK: nn.minimum
func @binary(%a: tensor<?x4xf32>, %s: tensor<f32>) -> tensor<?x4xf32> {
  %0 = nn.add %a, %s : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  %1 = nn.sub %0, %a : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  %2 = nn.mul %1, %a : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  %3 = nn.div %2, %s : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  %4 = nn.maximum %3, %a : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  %5 = nn.minimum %4, %a : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %5 : tensor<?x4xf32>
}

// -----

// CHECK-LABEL: func @shapes_and_norm
// CHECK: nn.flatten
// CHECK: nn.reshape
// CHECK: nn.concatenate
// CHECK: nn.zero_padding2d
// CHECK: nn.dropout
// CHECK: nn.batch_norm %{{.*}}, %{{.*}}, %{{.*}} gamma %{{.*}} beta %{{.*}} {axis = 3 : i64
// CHECK: nn.batch_norm %{{.*}}, %{{.*}}, %{{.*}} {axis
func @shapes_and_norm(%x: tensor<?x2x2x4xf32>, %v: tensor<4xf32>) -> tensor<?x2x2x4xf32> {
  %f = nn.flatten %x : (tensor<?x2x2x4xf32>) -> tensor<?x16xf32>
  %r = nn.reshape %f {shape = [2, 2, -1]} : (tensor<?x16xf32>) -> tensor<?x2x2x4xf32>
  %c = nn.concatenate %r, %x {axis = 3 : i64} : (tensor<?x2x2x4xf32>, tensor<?x2x2x4xf32>) -> tensor<?x2x2x8xf32>
  %p = nn.zero_padding2d %x {padding = [1, 0, 0, 1]} : (tensor<?x2x2x4xf32>) -> tensor<?x3x3x4xf32>
  %d = nn.dropout %r {rate = 5.000000e-01 : f64, seed = 7 : i64} : (tensor<?x2x2x4xf32>) -> tensor<?x2x2x4xf32>
  %n = nn.batch_norm %d, %v, %v gamma %v beta %v {axis = 3 : i64, epsilon = 1.000000e-03 : f64, momentum = 9.900000e-01 : f64} : (tensor<?x2x2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x2x2x4xf32>
  %m = nn.batch_norm %n, %v, %v {axis = -1 : i64, epsilon = 1.000000e-03 : f64, momentum = 9.900000e-01 : f64} : (tensor<?x2x2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x2x2x4xf32>
  return %m : tensor<?x2x2x4xf32>
}

// -----

// CHECK-LABEL: func @losses
// CHECK: nn.categorical_crossentropy
// CHECK: nn.binary_crossentropy
// CHECK: nn.mean_squared_error
// CHECK: nn.sparse_categorical_crossentropy
// CHECK: nn.reduce_sum
// CHECK: nn.reduce_mean
// CHECK: nn.reduce_max
func @losses(%p: tensor<?x10xf32>, %t: tensor<?x10xf32>, %i: tensor<?xi32>) -> tensor<f32> {
  %0 = nn.categorical_crossentropy %p, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?xf32>
  %1 = nn.binary_crossentropy %p, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?xf32>
  %2 = nn.mean_squared_error %p, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?xf32>
  %3 = nn.sparse_categorical_crossentropy %p, %i : (tensor<?x10xf32>, tensor<?xi32>) -> tensor<?xf32>
  %4 = nn.reduce_sum %p {axes = [1], keepdims = false} : (tensor<?x10xf32>) -> tensor<?xf32>
  %5 = nn.reduce_mean %4 {axes = [], keepdims = false} : (tensor<?xf32>) -> tensor<f32>
  %6 = nn.reduce_max %p {axes = [0, 1], keepdims = true} : (tensor<?x10xf32>) -> tensor<1x1xf32>
  return %5 : tensor<f32>
}

// -----

func @bad_padding(%x: tensor<?x8x8x1xf32>, %k: tensor<3x3x1x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.conv2d' op padding must be "valid" or "same", got "full"}}
  %y = nn.conv2d %x, %k {strides = [1, 1], padding = "full", dilation = [1, 1]} : (tensor<?x8x8x1xf32>, tensor<3x3x1x4xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func @channels(%x: tensor<?x8x8x2xf32>, %k: tensor<3x3x1x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.conv2d' op kernel expects 1 input channels but the input has 2}}
  %y = nn.conv2d %x, %k {strides = [1, 1], padding = "same", dilation = [1, 1]} : (tensor<?x8x8x2xf32>, tensor<3x3x1x4xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func @strides(%x: tensor<?x8x8x1xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.max_pool2d' op strides entries must be >= 1, got 0}}
  %y = nn.max_pool2d %x {pool_size = [2, 2], strides = [0, 2], padding = "valid"} : (tensor<?x8x8x1xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

// Tests that a missing or mistyped attribute is reported before shape
// inference reads it (fuzz_nn_ir found a crash on a missing one).
func @missing_attribute(%x: tensor<?x8x8x1xf32>, %k: tensor<3x3x1x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.conv2d' op requires attribute 'dilation'}}
  %y = nn.conv2d %x, %k {strides = [1, 1], padding = "same", dilati.n = [1, 1]} : (tensor<?x8x8x1xf32>, tensor<3x3x1x4xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func @mistyped_attribute(%x: tensor<?x8x8x1xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.max_pool2d' op attribute 'padding' failed to satisfy constraint}}
  %y = nn.max_pool2d %x {pool_size = [2, 2], strides = [2, 2], padding = 1 : i64} : (tensor<?x8x8x1xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func @dense_mismatch(%x: tensor<?x6xf32>, %k: tensor<5x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.dense' op kernel expects 5 input features but the input's last axis has 6}}
  %y = nn.dense %x, %k : (tensor<?x6xf32>, tensor<5x3xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func @rate(%x: tensor<?x6xf32>) -> tensor<?x6xf32> {
  // expected-error @+1 {{'nn.dropout' op rate must be in [0, 1), got 1.5}}
  %y = nn.dropout %x {rate = 1.5 : f64} : (tensor<?x6xf32>) -> tensor<?x6xf32>
  return %y : tensor<?x6xf32>
}

// -----

func @axis(%x: tensor<?x6xf32>) -> tensor<?x6xf32> {
  // expected-error @+1 {{'nn.softmax' op axis 2 is out of range for a rank-2 input}}
  %y = nn.softmax %x {axis = 2 : i64} : (tensor<?x6xf32>) -> tensor<?x6xf32>
  return %y : tensor<?x6xf32>
}

// -----

func @weight_shape() -> tensor<?x3xf32> {
  // expected-error @+1 {{'nn.weight' op weight 'w' must have a static shape}}
  %w = nn.weight "w" {initializer = "zeros"} : tensor<?x3xf32>
  return %w : tensor<?x3xf32>
}

// -----

func @bn_param(%x: tensor<?x2x2x4xf32>, %v: tensor<3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.batch_norm' op parameter 1 has shape (3,), expected (4,) for axis 3}}
  %n = nn.batch_norm %x, %v, %v {axis = -1 : i64, epsilon = 1.000000e-03 : f64, momentum = 9.900000e-01 : f64} : (tensor<?x2x2x4xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<*xf32>
  return %n : tensor<*xf32>
}

// -----

// Tests that the training ops round-trip.
// CHECK-LABEL: func @training_ops
// CHECK: nn.conv2d_backprop_input %{{.*}}, %{{.*}} {dilation = [1, 1], input_size = [8, 8], padding = "valid", strides = [1, 1]}
// CHECK: nn.conv2d_backprop_filter
// CHECK: nn.max_pool2d_grad
// CHECK: nn.relu_grad
// CHECK: nn.matmul
// CHECK: nn.softmax_cross_entropy_grad
// CHECK: nn.adam_update
// CHECK: nn.assign "w", %{{.*}} : tensor<3x3x1x4xf32>
func @training_ops(%x: tensor<?x8x8x1xf32>, %dy: tensor<?x6x6x4xf32>, %k: tensor<3x3x1x4xf32>, %z: tensor<?x10xf32>, %t: tensor<?x10xf32>, %it: tensor<f32>) -> tensor<?x10xf32> {
  %dx = nn.conv2d_backprop_input %dy, %k {input_size = [8, 8], strides = [1, 1], padding = "valid", dilation = [1, 1]} : (tensor<?x6x6x4xf32>, tensor<3x3x1x4xf32>) -> tensor<?x8x8x1xf32>
  %dk = nn.conv2d_backprop_filter %x, %dy {kernel_size = [3, 3], strides = [1, 1], padding = "valid", dilation = [1, 1]} : (tensor<?x8x8x1xf32>, tensor<?x6x6x4xf32>) -> tensor<3x3x1x4xf32>
  %dp = nn.max_pool2d_grad %dy, %dy {pool_size = [1, 1], strides = [1, 1], padding = "valid"} : (tensor<?x6x6x4xf32>, tensor<?x6x6x4xf32>) -> tensor<?x6x6x4xf32>
  %dr = nn.relu_grad %dy, %dp : (tensor<?x6x6x4xf32>, tensor<?x6x6x4xf32>) -> tensor<?x6x6x4xf32>
  %m = nn.matmul %z, %t {transpose_lhs = true, transpose_rhs = false} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<10x10xf32>
  %dz = nn.softmax_cross_entropy_grad %z, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  %w2, %m2, %v2 = nn.adam_update %k, %dk, %k, %k, %it {learning_rate = 1.0e-03 : f64, beta_1 = 0.9 : f64, beta_2 = 0.999 : f64, epsilon = 1.0e-07 : f64} : (tensor<3x3x1x4xf32>, tensor<3x3x1x4xf32>, tensor<3x3x1x4xf32>, tensor<3x3x1x4xf32>, tensor<f32>) -> (tensor<3x3x1x4xf32>, tensor<3x3x1x4xf32>, tensor<3x3x1x4xf32>)
  nn.assign "w", %w2 : tensor<3x3x1x4xf32>
  return %dz : tensor<?x10xf32>
}

// -----

func @bad_backprop(%dy: tensor<?x6x6x4xf32>, %k: tensor<3x3x1x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.conv2d_backprop_input' op output_grad (?, 6, 6, 4) is not what conv2d gives for input size (9, 9) and kernel (3, 3, 1, 4)}}
  %dx = nn.conv2d_backprop_input %dy, %k {input_size = [9, 9], strides = [1, 1], padding = "valid", dilation = [1, 1]} : (tensor<?x6x6x4xf32>, tensor<3x3x1x4xf32>) -> tensor<*xf32>
  return %dx : tensor<*xf32>
}

// -----

// Tests that the SGD and RMSprop updates round-trip.
// CHECK-LABEL: func @optimizers
// CHECK: nn.sgd_update %{{.*}} {learning_rate = 1.000000e-02 : f64, momentum = 0.000000e+00 : f64, nesterov = false}
// CHECK: nn.rmsprop_update %{{.*}} {epsilon = {{.*}} : f64, learning_rate = 1.000000e-03 : f64, rho = 9.000000e-01 : f64}
func @optimizers(%w: tensor<10xf32>, %g: tensor<10xf32>, %v: tensor<10xf32>) -> tensor<10xf32> {
  %w2, %v2 = nn.sgd_update %w, %g, %v {learning_rate = 1.0e-02 : f64, momentum = 0.0 : f64, nesterov = false} : (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>) -> (tensor<10xf32>, tensor<10xf32>)
  %w3, %v3 = nn.rmsprop_update %w2, %g, %v2 {learning_rate = 1.0e-03 : f64, rho = 0.9 : f64, epsilon = 1.0e-07 : f64} : (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>) -> (tensor<10xf32>, tensor<10xf32>)
  return %w3 : tensor<10xf32>
}

// -----

// Tests that the gradients of average pooling, concatenation and zero
// padding (slices), and the weight penalties, round-trip.
// CHECK-LABEL: func @more_gradients
// CHECK: nn.avg_pool2d_grad %{{.*}} {input_size = [7, 7], padding = "same", pool_size = [2, 2], strides = [2, 2]} : (tensor<?x4x4x3xf32>) -> tensor<?x7x7x3xf32>
// CHECK: nn.slice %{{.*}} {offsets = [1, 1, 1], sizes = [5, 5, 2]} : (tensor<?x7x7x3xf32>) -> tensor<?x5x5x2xf32>
// CHECK: nn.weight_penalty %{{.*}} {l1 = 0.000000e+00 : f64, l2 = 5.000000e-04 : f64} : (tensor<3x3x1x4xf32>) -> tensor<f32>
// CHECK: nn.weight_penalty_grad %{{.*}}, %{{.*}} {l1 = 1.000000e-02 : f64, l2 = 0.000000e+00 : f64} : (tensor<3x3x1x4xf32>, tensor<3x3x1x4xf32>) -> tensor<3x3x1x4xf32>
func @more_gradients(%dy: tensor<?x4x4x3xf32>, %k: tensor<3x3x1x4xf32>) -> (tensor<?x5x5x2xf32>, tensor<f32>, tensor<3x3x1x4xf32>) {
  %dx = nn.avg_pool2d_grad %dy {input_size = [7, 7], pool_size = [2, 2], strides = [2, 2], padding = "same"} : (tensor<?x4x4x3xf32>) -> tensor<?x7x7x3xf32>
  %s = nn.slice %dx {offsets = [1, 1, 1], sizes = [5, 5, 2]} : (tensor<?x7x7x3xf32>) -> tensor<?x5x5x2xf32>
  %p = nn.weight_penalty %k {l1 = 0.0 : f64, l2 = 5.0e-04 : f64} : (tensor<3x3x1x4xf32>) -> tensor<f32>
  %g = nn.weight_penalty_grad %k, %k {l1 = 1.0e-02 : f64, l2 = 0.0 : f64} : (tensor<3x3x1x4xf32>, tensor<3x3x1x4xf32>) -> tensor<3x3x1x4xf32>
  return %s, %p, %g : tensor<?x5x5x2xf32>, tensor<f32>, tensor<3x3x1x4xf32>
}

// -----

func @bad_avg_pool_grad(%dy: tensor<?x4x4x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.avg_pool2d_grad' op output_grad (?, 4, 4, 3) does not match the pool of input_size (7, 7), which gives (3, 3)}}
  %dx = nn.avg_pool2d_grad %dy {input_size = [7, 7], pool_size = [2, 2], strides = [2, 2], padding = "valid"} : (tensor<?x4x4x3xf32>) -> tensor<*xf32>
  return %dx : tensor<*xf32>
}

// -----

func @bad_slice(%x: tensor<?x8x8x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.slice' op the box of axis 3 (2 from 2) does not fit its size 3}}
  %s = nn.slice %x {offsets = [0, 0, 2], sizes = [8, 8, 2]} : (tensor<?x8x8x3xf32>) -> tensor<*xf32>
  return %s : tensor<*xf32>
}

// -----

// Tests that the gradient of maximum and minimum round-trips.
// CHECK-LABEL: func @extremum_grad
// CHECK: nn.extremum_grad %{{.*}}, %{{.*}}, %{{.*}} {kind = "maximum"} : (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>)
func @extremum_grad(%a: tensor<?x8xf32>, %b: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %da, %db = nn.extremum_grad %a, %b, %dy {kind = "maximum"} : (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>)
  return %db : tensor<?x8xf32>
}

// -----

func @bad_extremum_grad(%a: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'nn.extremum_grad' op kind must be "maximum" or "minimum", not "mean"}}
  %da, %db = nn.extremum_grad %a, %a, %dy {kind = "mean"} : (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>)
  return %db : tensor<?x8xf32>
}

// -----

// Tests that the gradients of softmax and log_softmax round-trip.
// CHECK-LABEL: func @softmax_grads
// CHECK: nn.softmax_grad %{{.*}}, %{{.*}} {axis = -1 : i64} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
// CHECK: nn.log_softmax_grad %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
func @softmax_grads(%y: tensor<?x10xf32>, %dy: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %a = nn.softmax_grad %y, %dy {axis = -1 : i64} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  %b = nn.log_softmax_grad %y, %a {axis = 1 : i64} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  return %b : tensor<?x10xf32>
}
