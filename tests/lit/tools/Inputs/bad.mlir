func @forward(%x: tensor<?x8x8x2xf32>) -> tensor<*xf32> {
  %k = nn.weight "c/kernel" {initializer = "glorot_uniform"} : tensor<3x3x1x4xf32>
  %y = nn.conv2d %x, %k {strides = [1, 1], padding = "same", dilation = [1, 1]} : (tensor<?x8x8x2xf32>, tensor<3x3x1x4xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}
