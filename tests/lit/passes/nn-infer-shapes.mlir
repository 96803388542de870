// RUN: kiln-opt --split-input-file --verify-diagnostics --nn-infer-shapes %s | FileCheck %s

// Tests that shapes flow from the arguments through conv, relu and pooling,
// and that the function's result type follows.
// CHECK-LABEL: func @conv_pool
// CHECK-SAME: -> tensor<?x13x13x32xf32>
// CHECK: nn.conv2d {{.*}} -> tensor<?x26x26x32xf32>
// CHECK: nn.relu {{.*}} -> tensor<?x26x26x32xf32>
// CHECK: nn.max_pool2d {{.*}} -> tensor<?x13x13x32xf32>
func @conv_pool(%x: tensor<?x28x28x1xf32>) -> tensor<*xf32> {
  %k = nn.weight "conv2d/kernel" {initializer = "glorot_uniform"} : tensor<3x3x1x32xf32>
  %b = nn.weight "conv2d/bias" {initializer = "zeros"} : tensor<32xf32>
  %y = nn.conv2d %x, %k, %b {strides = [1, 1], padding = "valid", dilation = [1, 1]} : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>) -> tensor<*xf32>
  %r = nn.relu %y : (tensor<*xf32>) -> tensor<*xf32>
  %p = nn.max_pool2d %r {pool_size = [2, 2], strides = [2, 2], padding = "valid"} : (tensor<*xf32>) -> tensor<*xf32>
  return %p : tensor<*xf32>
}

// -----

// Tests "same" padding with stride 2 (ceil division) and dilation.
// CHECK-LABEL: func @same_strided
// CHECK: nn.conv2d {{.*}} -> tensor<?x4x5x8xf32>
// CHECK: nn.conv2d {{.*}} -> tensor<?x3x4x8xf32>
func @same_strided(%x: tensor<?x7x9x3xf32>) -> tensor<*xf32> {
  %k = nn.weight "c/kernel" {initializer = "glorot_uniform"} : tensor<3x3x3x8xf32>
  %y = nn.conv2d %x, %k {strides = [2, 2], padding = "same", dilation = [1, 1]} : (tensor<?x7x9x3xf32>, tensor<3x3x3x8xf32>) -> tensor<*xf32>
  %z = nn.conv2d %x, %k {strides = [1, 2], padding = "valid", dilation = [2, 1]} : (tensor<?x7x9x3xf32>, tensor<3x3x3x8xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

// Tests flatten, dense on the last axis, softmax, and a `?` result refined.
// CHECK-LABEL: func @head
// CHECK: nn.flatten {{.*}} -> tensor<?x1600xf32>
// CHECK: nn.dense {{.*}} -> tensor<?x10xf32>
// CHECK: nn.softmax {{.*}} -> tensor<?x10xf32>
func @head(%x: tensor<?x5x5x64xf32>) -> tensor<*xf32> {
  %k = nn.weight "dense/kernel" {initializer = "glorot_uniform"} : tensor<1600x10xf32>
  %f = nn.flatten %x : (tensor<?x5x5x64xf32>) -> tensor<?x?xf32>
  %d = nn.dense %f, %k : (tensor<?x?xf32>, tensor<1600x10xf32>) -> tensor<*xf32>
  %s = nn.softmax %d {axis = -1 : i64} : (tensor<*xf32>) -> tensor<*xf32>
  return %s : tensor<*xf32>
}

// -----

// Tests broadcasting, concatenation, zero padding, global pooling, reshape.
// CHECK-LABEL: func @misc
// CHECK: nn.add {{.*}} -> tensor<?x8x8x16xf32>
// CHECK: nn.concatenate {{.*}} -> tensor<?x8x8x32xf32>
// CHECK: nn.zero_padding2d {{.*}} -> tensor<?x10x12x32xf32>
// CHECK: nn.global_avg_pool2d {{.*}} -> tensor<?x32xf32>
// CHECK: nn.reshape {{.*}} -> tensor<?x4x8xf32>
func @misc(%a: tensor<?x8x8x16xf32>, %b: tensor<16xf32>) -> tensor<*xf32> {
  %s = nn.add %a, %b : (tensor<?x8x8x16xf32>, tensor<16xf32>) -> tensor<*xf32>
  %c = nn.concatenate %s, %a {axis = -1 : i64} : (tensor<*xf32>, tensor<?x8x8x16xf32>) -> tensor<*xf32>
  %p = nn.zero_padding2d %c {padding = [1, 1, 2, 2]} : (tensor<*xf32>) -> tensor<*xf32>
  %g = nn.global_avg_pool2d %p {keepdims = false} : (tensor<*xf32>) -> tensor<*xf32>
  %r = nn.reshape %g {shape = [4, -1]} : (tensor<*xf32>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

// Tests that a kernel larger than its input is an error at the conv.
func @too_big(%x: tensor<?x2x2x1xf32>) -> tensor<*xf32> {
  %k = nn.weight "c/kernel" {initializer = "glorot_uniform"} : tensor<3x3x1x4xf32>
  // expected-error @+1 {{'nn.conv2d' op kernel (3, 3) is larger than its input (2, 2) with padding "valid"}}
  %y = nn.conv2d %x, %k {strides = [1, 1], padding = "valid", dilation = [1, 1]} : (tensor<?x2x2x1xf32>, tensor<3x3x1x4xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

// Tests that add rejects shapes that neither match nor broadcast.
func @bad_add(%a: tensor<?x8xf32>, %b: tensor<?x9xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.add' op shapes (?, 8) and (?, 9) do not match (nor broadcast)}}
  %s = nn.add %a, %b : (tensor<?x8xf32>, tensor<?x9xf32>) -> tensor<*xf32>
  return %s : tensor<*xf32>
}

// -----

// Tests that a result type contradicting the operands is rejected.
func @contradiction(%x: tensor<?x4xf32>) -> tensor<?x5xf32> {
  // expected-error @+1 {{'nn.relu' op result type 'tensor<?x5xf32>' contradicts the inferred type 'tensor<?x4xf32>'}}
  %y = nn.relu %x : (tensor<?x4xf32>) -> tensor<?x5xf32>
  return %y : tensor<?x5xf32>
}

// -----

// Tests the shapes of the average pool's gradient (the pool's input size)
// and of a slice (its sizes, the batch kept).
// CHECK-LABEL: func @pool_grad_slice
// CHECK: nn.avg_pool2d_grad {{.*}} -> tensor<?x9x11x5xf32>
// CHECK: nn.slice {{.*}} -> tensor<?x3x11x2xf32>
func @pool_grad_slice(%dy: tensor<?x5x6x5xf32>) -> tensor<*xf32> {
  %dx = nn.avg_pool2d_grad %dy {input_size = [9, 11], pool_size = [3, 3], strides = [2, 2], padding = "same"} : (tensor<?x5x6x5xf32>) -> tensor<*xf32>
  %s = nn.slice %dx {offsets = [2, 0, 3], sizes = [3, 11, 2]} : (tensor<*xf32>) -> tensor<*xf32>
  return %s : tensor<*xf32>
}
