// RUN: kiln-opt --split-input-file --verify-diagnostics --nn-build-train-step %s | FileCheck %s

// Tests that a conv/pool/dense/dropout model gets a training step: the
// fused loss, every op's gradient in reverse order, Adam for each trainable
// weight with Keras-named state, and an evaluation step.
// CHECK-LABEL: func @train_step(%arg0: tensor<?x8x8x1xf32>, %arg1: tensor<?x3xf32>, %arg2: tensor<f32>) -> (tensor<f32>, tensor<f32>)
// CHECK: nn.dropout %{{.*}}, %arg2 {rate = 5.000000e-01 : f64, stream = 1 : i64}
// CHECK: %loss, %correct = nn.softmax_cross_entropy %[[Z:.*]], %arg1
// CHECK: nn.softmax_cross_entropy_grad %[[Z]], %arg1
// CHECK: nn.matmul {{.*}} {transpose_lhs = false, transpose_rhs = true}
// CHECK: nn.matmul {{.*}} {transpose_lhs = true, transpose_rhs = false}
// CHECK: nn.reduce_sum {{.*}} {axes = [0], keepdims = false}
// CHECK: nn.dropout {{.*}}, %arg2 {rate = 5.000000e-01 : f64, stream = 1 : i64}
// CHECK: nn.reshape {{.*}} {shape = [3, 3, 2]}
// CHECK: nn.max_pool2d_grad
// CHECK: nn.relu_grad
// CHECK-NOT: nn.conv2d_backprop_input
// CHECK: nn.conv2d_backprop_filter %arg0, {{.*}} {dilation = [1, 1], kernel_size = [3, 3], padding = "valid", strides = [1, 1]}
// CHECK: nn.weight "adam/iteration" {initializer = "zeros", trainable = false} : tensor<f32>
// CHECK: nn.weight "adam/c_kernel_momentum"
// CHECK: nn.adam_update
// CHECK: nn.assign "c/kernel", %new_weight : tensor<3x3x1x2xf32>
// CHECK: nn.constant {value = dense<1.000000e+00> : tensor<f32>} : tensor<f32>
// CHECK: nn.assign "adam/iteration"
// CHECK: return
// CHECK-LABEL: func @eval_step(%arg0: tensor<?x8x8x1xf32>, %arg1: tensor<?x3xf32>) -> (tensor<f32>, tensor<f32>)
// CHECK: nn.dropout %{{.*}} {rate
// CHECK: nn.softmax_cross_entropy
// CHECK-NOT: nn.adam_update
module attributes {nn.compile = {loss = "categorical_crossentropy", optimizer = "adam"}} {
  func @forward(%x: tensor<?x8x8x1xf32>) -> tensor<?x3xf32> {
    %k = nn.weight "c/kernel" {initializer = "glorot_uniform"} : tensor<3x3x1x2xf32>
    %b = nn.weight "c/bias" {initializer = "zeros"} : tensor<2xf32>
    %c = nn.conv2d %x, %k, %b {strides = [1, 1], padding = "valid", dilation = [1, 1]} : (tensor<?x8x8x1xf32>, tensor<3x3x1x2xf32>, tensor<2xf32>) -> tensor<?x6x6x2xf32>
    %r = nn.relu %c : (tensor<?x6x6x2xf32>) -> tensor<?x6x6x2xf32>
    %p = nn.max_pool2d %r {pool_size = [2, 2], strides = [2, 2], padding = "valid"} : (tensor<?x6x6x2xf32>) -> tensor<?x3x3x2xf32>
    %f = nn.flatten %p : (tensor<?x3x3x2xf32>) -> tensor<?x18xf32>
    %d = nn.dropout %f {rate = 0.5 : f64} : (tensor<?x18xf32>) -> tensor<?x18xf32>
    %w = nn.weight "d/kernel" {initializer = "glorot_uniform"} : tensor<18x3xf32>
    %v = nn.weight "d/bias" {initializer = "zeros"} : tensor<3xf32>
    %z = nn.dense %d, %w, %v : (tensor<?x18xf32>, tensor<18x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
    %s = nn.softmax %z {axis = -1 : i64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
    return %s : tensor<?x3xf32>
  }
}

// -----

// Tests that a value used twice sums its gradients, and that a stacked
// convolution's input gradient is built.
// CHECK-LABEL: func @train_step
// CHECK: nn.conv2d_backprop_input
// CHECK: %[[SUM:.*]] = nn.add %{{.*}}, %{{.*}} : (tensor<?x4x4x2xf32>, tensor<?x4x4x2xf32>) -> tensor<?x4x4x2xf32>
module attributes {nn.compile = {loss = "categorical_crossentropy", optimizer = "adam"}} {
  func @forward(%x: tensor<?x4x4x2xf32>) -> tensor<?x2xf32> {
    %k = nn.weight "c/kernel" {initializer = "glorot_uniform"} : tensor<1x1x2x2xf32>
    %k2 = nn.weight "c2/kernel" {initializer = "glorot_uniform"} : tensor<1x1x2x2xf32>
    %c = nn.conv2d %x, %k {strides = [1, 1], padding = "same", dilation = [1, 1]} : (tensor<?x4x4x2xf32>, tensor<1x1x2x2xf32>) -> tensor<?x4x4x2xf32>
    %c2 = nn.conv2d %c, %k2 {strides = [1, 1], padding = "same", dilation = [1, 1]} : (tensor<?x4x4x2xf32>, tensor<1x1x2x2xf32>) -> tensor<?x4x4x2xf32>
    %a = nn.add %c2, %c : (tensor<?x4x4x2xf32>, tensor<?x4x4x2xf32>) -> tensor<?x4x4x2xf32>
    %f = nn.flatten %a : (tensor<?x4x4x2xf32>) -> tensor<?x32xf32>
    %w = nn.weight "d/kernel" {initializer = "glorot_uniform"} : tensor<32x2xf32>
    %z = nn.dense %f, %w : (tensor<?x32xf32>, tensor<32x2xf32>) -> tensor<?x2xf32>
    %s = nn.softmax %z {axis = 1 : i64} : (tensor<?x2xf32>) -> tensor<?x2xf32>
    return %s : tensor<?x2xf32>
  }
}

// -----

// Tests that a unary activation differentiates through the activation
// table (nn.activation_grad), and an op without a gradient is an error at it.
// CHECK-LABEL: func @train_step
// CHECK: nn.activation_grad %{{.*}}, %{{.*}} {activation = "tanh"} : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
module attributes {nn.compile = {loss = "categorical_crossentropy", optimizer = "adam"}} {
  func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
    %w = nn.weight "d/kernel" {initializer = "glorot_uniform"} : tensor<4x4xf32>
    %z = nn.dense %x, %w : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
    %t = nn.tanh %z : (tensor<?x4xf32>) -> tensor<?x4xf32>
    %s = nn.softmax %t {axis = -1 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
    return %s : tensor<?x4xf32>
  }
}

// -----

module attributes {nn.compile = {loss = "categorical_crossentropy", optimizer = "adam"}} {
  func @forward(%x: tensor<?x2x2x1xf32>) -> tensor<?x16xf32> {
    %w = nn.weight "c/kernel" {initializer = "glorot_uniform"} : tensor<1x1x1x1xf32>
    %c = nn.conv2d %x, %w {strides = [1, 1], padding = "valid", dilation = [1, 1]} : (tensor<?x2x2x1xf32>, tensor<1x1x1x1xf32>) -> tensor<?x2x2x1xf32>
    // expected-error @+1 {{'nn.reduce_max' op has no gradient (kiln cannot train through it yet)}}
    %m = nn.reduce_max %c {axes = [3], keepdims = true} : (tensor<?x2x2x1xf32>) -> tensor<?x2x2x1xf32>
    %p = nn.zero_padding2d %m {padding = [1, 1, 1, 1]} : (tensor<?x2x2x1xf32>) -> tensor<?x4x4x1xf32>
    %f = nn.flatten %p : (tensor<?x4x4x1xf32>) -> tensor<?x16xf32>
    %s = nn.softmax %f {axis = -1 : i64} : (tensor<?x16xf32>) -> tensor<?x16xf32>
    return %s : tensor<?x16xf32>
  }
}

// -----

// Tests that zero padding, concatenation, average and global pooling
// differentiate (slices and nn.avg_pool2d_grad; the global pool's gradient
// is one window the size of its input), and that a regularized weight adds
// its penalty to every sample's loss and its gradient to the kernel's.
// CHECK-LABEL: func @train_step
// CHECK: %[[P:.*]] = nn.weight_penalty %{{.*}} {l1 = 0.000000e+00 : f64, l2 = 5.000000e-04 : f64} : (tensor<1x1x1x2xf32>) -> tensor<f32>
// CHECK: nn.add %loss, %[[P]] : (tensor<?xf32>, tensor<f32>) -> tensor<?xf32>
// CHECK: nn.reshape %{{.*}} {shape = [1, 1, 3]}
// CHECK: nn.avg_pool2d_grad %{{.*}} {input_size = [2, 2], padding = "valid", pool_size = [2, 2], strides = [2, 2]} : (tensor<?x1x1x3xf32>) -> tensor<?x2x2x3xf32>
// CHECK: nn.avg_pool2d_grad %{{.*}} {input_size = [4, 4], padding = "same", pool_size = [3, 3], strides = [2, 2]} : (tensor<?x2x2x3xf32>) -> tensor<?x4x4x3xf32>
// CHECK: nn.slice %{{.*}} {offsets = [0, 0, 0], sizes = [4, 4, 2]} : (tensor<?x4x4x3xf32>) -> tensor<?x4x4x2xf32>
// CHECK: nn.slice %{{.*}} {offsets = [0, 0, 2], sizes = [4, 4, 1]} : (tensor<?x4x4x3xf32>) -> tensor<?x4x4x1xf32>
// CHECK: nn.slice %{{.*}} {offsets = [1, 1, 0], sizes = [2, 2, 1]} : (tensor<?x4x4x1xf32>) -> tensor<?x2x2x1xf32>
// CHECK: nn.weight_penalty_grad %{{.*}}, %{{.*}} {l1 = 0.000000e+00 : f64, l2 = 5.000000e-04 : f64}
// CHECK: nn.adam_update
// CHECK-LABEL: func @eval_step
// CHECK: nn.weight_penalty
module attributes {nn.compile = {loss = "categorical_crossentropy", optimizer = "adam"}} {
  func @forward(%x: tensor<?x2x2x1xf32>) -> tensor<?x3xf32> {
    %w = nn.weight "c/kernel" {initializer = "glorot_uniform", regularizer = {name = "L1L2", l1 = 0.0 : f64, l2 = 5.0e-04 : f64}} : tensor<1x1x1x2xf32>
    %p = nn.zero_padding2d %x {padding = [1, 1, 1, 1]} : (tensor<?x2x2x1xf32>) -> tensor<?x4x4x1xf32>
    %c = nn.conv2d %p, %w {strides = [1, 1], padding = "valid", dilation = [1, 1]} : (tensor<?x4x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<?x4x4x2xf32>
    %j = nn.concatenate %c, %p {axis = -1 : i64} : (tensor<?x4x4x2xf32>, tensor<?x4x4x1xf32>) -> tensor<?x4x4x3xf32>
    %a = nn.avg_pool2d %j {pool_size = [3, 3], strides = [2, 2], padding = "same"} : (tensor<?x4x4x3xf32>) -> tensor<?x2x2x3xf32>
    %g = nn.global_avg_pool2d %a {keepdims = false} : (tensor<?x2x2x3xf32>) -> tensor<?x3xf32>
    %s = nn.softmax %g {axis = -1 : i64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
    return %s : tensor<?x3xf32>
  }
}

// -----

// Tests that an unsupported optimizer is refused.
// expected-error @+1 {{optimizer 'lion' is not supported yet (kiln has adam, sgd and rmsprop)}}
module attributes {nn.compile = {loss = "categorical_crossentropy", optimizer = "lion"}} {
  func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
    %s = nn.softmax %x {axis = -1 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
    return %s : tensor<?x4xf32>
  }
}

// -----

// Tests that batch normalisation trains on the batch's moments, moves its
// moving statistics as Keras does, and gets its training gradient.
// CHECK-LABEL: func @train_step
// CHECK: %[[M:.*]], %[[V:.*]] = nn.moments %[[X:.*]] : (tensor<?x4x4x2xf32>) -> (tensor<2xf32>, tensor<2xf32>)
// CHECK: %[[KEEP:.*]] = nn.constant {value = dense<0.899999976> : tensor<f32>}
// CHECK: %[[OLD:.*]] = nn.mul %{{.*}}, %[[KEEP]]
// CHECK: %[[NEW:.*]] = nn.mul %[[M]], %{{.*}}
// CHECK: %[[SUM:.*]] = nn.add %[[OLD]], %[[NEW]]
// CHECK: nn.assign "bn/moving_mean", %[[SUM]]
// CHECK: nn.assign "bn/moving_variance"
// CHECK: nn.batch_norm %[[X]], %[[M]], %[[V]] gamma
// CHECK: nn.batch_norm_grad %[[X]], %[[M]], %[[V]], %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f64}
// CHECK-LABEL: func @eval_step
// CHECK-NOT: nn.moments
module attributes {nn.compile = {loss = "categorical_crossentropy", optimizer = "adam"}} {
  func @forward(%x: tensor<?x4x4x2xf32>) -> tensor<?x2xf32> {
    %g = nn.weight "bn/gamma" {initializer = "ones"} : tensor<2xf32>
    %b = nn.weight "bn/beta" {initializer = "zeros"} : tensor<2xf32>
    %m = nn.weight "bn/moving_mean" {initializer = "zeros", trainable = false} : tensor<2xf32>
    %v = nn.weight "bn/moving_variance" {initializer = "ones", trainable = false} : tensor<2xf32>
    %n = nn.batch_norm %x, %m, %v gamma %g beta %b {axis = 3 : i64, epsilon = 1.000000e-03 : f64, momentum = 9.000000e-01 : f64} : (tensor<?x4x4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x4x4x2xf32>
    %f = nn.flatten %n : (tensor<?x4x4x2xf32>) -> tensor<?x32xf32>
    %w = nn.weight "d/kernel" {initializer = "glorot_uniform"} : tensor<32x2xf32>
    %z = nn.dense %f, %w : (tensor<?x32xf32>, tensor<32x2xf32>) -> tensor<?x2xf32>
    %s = nn.softmax %z {axis = -1 : i64} : (tensor<?x2xf32>) -> tensor<?x2xf32>
    return %s : tensor<?x2xf32>
  }
}

// -----

// Tests that a frozen batch normalisation (Keras trainable=False: gamma and
// beta non-trainable) keeps its moving statistics, updates nothing and passes
// dy * gamma / sqrt(variance + epsilon) back.
// CHECK-LABEL: func @train_step
// CHECK-NOT: nn.moments
// CHECK-NOT: nn.assign "fbn/moving
// CHECK: nn.batch_norm %{{.*}}, %[[M:.*]], %[[V:.*]] gamma %[[G:.*]] beta
// CHECK: %[[EPS:.*]] = nn.constant {value = dense<1.000000e-03> : tensor<f32>}
// CHECK: %[[VE:.*]] = nn.add %[[V]], %[[EPS]]
// CHECK: %[[SD:.*]] = nn.sqrt %[[VE]]
// CHECK: %[[SCALE:.*]] = nn.div %[[G]], %[[SD]]
// CHECK: nn.mul %{{.*}}, %[[SCALE]] : (tensor<?x4x4x2xf32>, tensor<2xf32>) -> tensor<?x4x4x2xf32>
// CHECK-NOT: nn.assign "fbn/
// CHECK-LABEL: func @eval_step
module attributes {nn.compile = {loss = "categorical_crossentropy", optimizer = "sgd"}} {
  func @forward(%x: tensor<?x4x4x2xf32>) -> tensor<?x2xf32> {
    %k = nn.weight "c/kernel" {initializer = "glorot_uniform"} : tensor<1x1x2x2xf32>
    %c = nn.conv2d %x, %k {dilation = [1, 1], padding = "valid", strides = [1, 1]} : (tensor<?x4x4x2xf32>, tensor<1x1x2x2xf32>) -> tensor<?x4x4x2xf32>
    %g = nn.weight "fbn/gamma" {initializer = "ones", trainable = false} : tensor<2xf32>
    %b = nn.weight "fbn/beta" {initializer = "zeros", trainable = false} : tensor<2xf32>
    %m = nn.weight "fbn/moving_mean" {initializer = "zeros", trainable = false} : tensor<2xf32>
    %v = nn.weight "fbn/moving_variance" {initializer = "ones", trainable = false} : tensor<2xf32>
    %n = nn.batch_norm %c, %m, %v gamma %g beta %b {axis = 3 : i64, epsilon = 1.000000e-03 : f64, momentum = 9.900000e-01 : f64} : (tensor<?x4x4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x4x4x2xf32>
    %f = nn.flatten %n : (tensor<?x4x4x2xf32>) -> tensor<?x32xf32>
    %w = nn.weight "d/kernel" {initializer = "glorot_uniform"} : tensor<32x2xf32>
    %z = nn.dense %f, %w : (tensor<?x32xf32>, tensor<32x2xf32>) -> tensor<?x2xf32>
    %s = nn.softmax %z {axis = -1 : i64} : (tensor<?x2xf32>) -> tensor<?x2xf32>
    return %s : tensor<?x2xf32>
  }
}

// -----

// Tests that sparse categorical cross-entropy trains like the categorical
// one (the loop gives it one-hot targets).
// CHECK-LABEL: func @train_step
// CHECK: nn.softmax_cross_entropy
module attributes {nn.compile = {loss = "sparse_categorical_crossentropy", optimizer = "adam"}} {
  func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
    %w = nn.weight "d/kernel" {initializer = "glorot_uniform"} : tensor<4x4xf32>
    %z = nn.dense %x, %w : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
    %s = nn.softmax %z {axis = -1 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
    return %s : tensor<?x4xf32>
  }
}

// -----

// Tests that a loss kiln cannot train yet is refused by name.
// expected-error @+1 {{loss 'hinge' is not supported for training yet (kiln trains categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy and mean_squared_error)}}
module attributes {nn.compile = {loss = "hinge", optimizer = "adam"}} {
  func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
    %s = nn.softmax %x {axis = -1 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
    return %s : tensor<?x4xf32>
  }
}

// -----

// Tests that binary cross-entropy on a sigmoid output trains from the
// logits, stably.
// CHECK-LABEL: func @train_step
// CHECK: %[[Z:.*]] = nn.dense
// CHECK-NOT: nn.sigmoid
// CHECK: %loss, %correct = nn.sigmoid_cross_entropy %[[Z]], %arg1
// CHECK: nn.sigmoid_cross_entropy_grad %[[Z]], %arg1
module attributes {nn.compile = {loss = "binary_crossentropy", optimizer = "adam"}} {
  func @forward(%x: tensor<?x4xf32>) -> tensor<?x1xf32> {
    %w = nn.weight "d/kernel" {initializer = "glorot_uniform"} : tensor<4x1xf32>
    %z = nn.dense %x, %w : (tensor<?x4xf32>, tensor<4x1xf32>) -> tensor<?x1xf32>
    %s = nn.sigmoid %z : (tensor<?x1xf32>) -> tensor<?x1xf32>
    return %s : tensor<?x1xf32>
  }
}

// -----

// Tests that mean squared error trains on the model's output, with
// categorical accuracy as the metric.
// CHECK-LABEL: func @train_step
// CHECK: %[[P:.*]] = nn.dense
// CHECK: nn.mean_squared_error %[[P]], %arg1
// CHECK: nn.categorical_accuracy %[[P]], %arg1
// CHECK: nn.mean_squared_error_grad %[[P]], %arg1
module attributes {nn.compile = {loss = "mse", optimizer = "sgd"}} {
  func @forward(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
    %w = nn.weight "d/kernel" {initializer = "glorot_uniform"} : tensor<4x3xf32>
    %z = nn.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    return %z : tensor<?x3xf32>
  }
}

// -----

// Tests that maximum and minimum route their gradient through
// nn.extremum_grad.
// CHECK-LABEL: func @train_step
// CHECK: nn.extremum_grad %{{.*}}, %{{.*}}, %{{.*}} {kind = "minimum"}
// CHECK: nn.extremum_grad %{{.*}}, %{{.*}}, %{{.*}} {kind = "maximum"}
module attributes {nn.compile = {loss = "categorical_crossentropy", optimizer = "adam"}} {
  func @forward(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
    %w = nn.weight "d/kernel" {initializer = "glorot_uniform"} : tensor<3x3xf32>
    %z = nn.dense %x, %w : (tensor<?x3xf32>, tensor<3x3xf32>) -> tensor<?x3xf32>
    %m = nn.maximum %z, %x : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
    %n = nn.minimum %m, %z : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
    %s = nn.softmax %n {axis = -1 : i64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
    return %s : tensor<?x3xf32>
  }
}

// -----

// Tests that a softmax the loss does not follow, and a log_softmax,
// differentiate from their outputs.
// CHECK-LABEL: func @train_step
// CHECK: nn.log_softmax_grad %{{.*}}, %{{.*}} {axis = -1 : i64}
// CHECK: nn.softmax_grad %{{.*}}, %{{.*}} {axis = -1 : i64}
module attributes {nn.compile = {loss = "categorical_crossentropy", optimizer = "adam"}} {
  func @forward(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
    %w = nn.weight "d/kernel" {initializer = "glorot_uniform"} : tensor<3x3xf32>
    %z = nn.dense %x, %w : (tensor<?x3xf32>, tensor<3x3xf32>) -> tensor<?x3xf32>
    %a = nn.softmax %z {axis = -1 : i64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
    %l = nn.log_softmax %a {axis = -1 : i64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
    %s = nn.softmax %l {axis = -1 : i64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
    return %s : tensor<?x3xf32>
  }
}

// -----

// Tests that a vector broadcast onto an image gets its gradient summed over
// the broadcast axes, and a constant operand gets none.
// CHECK-LABEL: func @train_step
// CHECK: nn.reduce_sum %{{.*}} {axes = [0, 1, 2], keepdims = false} : (tensor<?x2x2x3xf32>) -> tensor<3xf32>
// CHECK: nn.adam_update
module attributes {nn.compile = {loss = "categorical_crossentropy", optimizer = "adam"}} {
  func @forward(%x: tensor<?x2x2x3xf32>) -> tensor<?x12xf32> {
    %v = nn.weight "v/bias" {initializer = "zeros"} : tensor<3xf32>
    %a = nn.add %x, %v : (tensor<?x2x2x3xf32>, tensor<3xf32>) -> tensor<?x2x2x3xf32>
    %two = nn.constant {value = dense<2.0> : tensor<f32>} : tensor<f32>
    %m = nn.mul %a, %two : (tensor<?x2x2x3xf32>, tensor<f32>) -> tensor<?x2x2x3xf32>
    %f = nn.flatten %m : (tensor<?x2x2x3xf32>) -> tensor<?x12xf32>
    %s = nn.softmax %f {axis = -1 : i64} : (tensor<?x12xf32>) -> tensor<?x12xf32>
    return %s : tensor<?x12xf32>
  }
}

// -----

module attributes {nn.compile = {loss = "categorical_crossentropy", optimizer = "adam"}} {
  func @forward(%x: tensor<?x2x2x3xf32>) -> tensor<?x12xf32> {
    %v = nn.weight "v/bias" {initializer = "zeros"} : tensor<2x1x3xf32>
    // expected-error @+1 {{'nn.add' op gradient of a broadcasting add from (2, 1, 3) to (?, 2, 2, 3) is not supported yet}}
    %a = nn.add %x, %v : (tensor<?x2x2x3xf32>, tensor<2x1x3xf32>) -> tensor<?x2x2x3xf32>
    %f = nn.flatten %a : (tensor<?x2x2x3xf32>) -> tensor<?x12xf32>
    %s = nn.softmax %f {axis = -1 : i64} : (tensor<?x12xf32>) -> tensor<?x12xf32>
    return %s : tensor<?x12xf32>
  }
}
