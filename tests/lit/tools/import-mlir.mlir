// Tests that `kiln import` reads nn IR too and infers its shapes.
// RUN: kiln import %s | FileCheck %s
// CHECK: func @forward(%arg0: tensor<?x8xf32>) -> tensor<?x4xf32>
// CHECK: nn.dense {{.*}} -> tensor<?x4xf32>
func @forward(%x: tensor<?x8xf32>) -> tensor<*xf32> {
  %k = nn.weight "d/kernel" {initializer = "glorot_uniform"} : tensor<8x4xf32>
  %y = nn.dense %x, %k : (tensor<?x8xf32>, tensor<8x4xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}
