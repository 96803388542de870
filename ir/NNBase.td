//===- NNBase.td - The nn dialect and its types ------------*- tablegen -*-===//
//
// The nn dialect: neural-network dataflow graphs as Keras describes them.
// Tensors are ranked, NHWC (as Keras lays images out), f32 (bf16 allowed by
// the type constraint for later), and the batch dimension is dynamic (`?`)
// so that one compiled model serves any batch size.
//
//===----------------------------------------------------------------------===//
#ifndef NN_BASE
#define NN_BASE

include "mlir/IR/OpBase.td"

def NN_Dialect : Dialect {
  let name = "nn";
  let cppNamespace = "::kiln::nn";
  let summary = "Neural-network dataflow graphs with Keras semantics";
  let description = [{
    The nn dialect holds a model's computation as Keras defines it: one op
    per primitive (conv2d, max_pool2d, dense, relu, softmax, ...), NHWC
    tensors with a dynamic batch dimension, and weights as named values
    (`nn.weight "conv2d/kernel"`) rather than anonymous constants, so that
    they are loaded and saved by their Keras names. Locations carry the
    user's file, line, column and Keras layer name.
  }];
}

/// Element types the dialect computes in. f32 today; bf16 is admitted so that
/// a later mixed-precision path needs no new ops.
def NN_Float : AnyTypeOf<[F32, BF16]>;
def NN_Tensor : TensorOf<[NN_Float]>;
def NN_IntTensor : TensorOf<[I32, I64]>;

#endif // NN_BASE
