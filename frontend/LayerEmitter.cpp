//===- LayerEmitter.cpp - Ops, weights and activations for layers ---------===//
//
// What every layer lowering shares: creating shape-inferred nn ops, Keras-
// named weights with their initializers, and Keras's activations.
//
//===----------------------------------------------------------------------===//
#include "frontend/LayerEmitter.h"
#include "frontend/KValueAttr.h"

using namespace mlir;

namespace kiln::frontend {

ArrayRef<int64_t> LayerEmitter::shapeOf(Value v) {
  return v.getType().cast<RankedTensorType>().getShape();
}

Value LayerEmitter::infer(Operation *op) {
  SmallVector<Type, 1> types;
  // Operands come from earlier layers, so they are ranked; an op whose
  // inference fails has emitted an error, which ModelBuilder's diagnostic
  // handler reports at the layer.
  if (failed(cast<nn::ShapeInferenceOpInterface>(op).inferResultTypes(types))) {
    op->erase();
    return nullptr;
  }
  op->getResult(0).setType(types[0]);
  return op->getResult(0);
}

/// Keras's initializer names (snake_case of the class names).
static bool isKnownInitializer(llvm::StringRef n) {
  static const char *known[] = {
      "zeros", "ones", "constant", "glorot_uniform", "glorot_normal",
      "he_normal", "he_uniform", "lecun_normal", "lecun_uniform",
      "random_normal", "random_uniform", "truncated_normal",
      "variance_scaling", "orthogonal", "identity"};
  for (const char *k : known)
    if (n == k)
      return true;
  return false;
}

static bool isKnownRegularizer(llvm::StringRef n) {
  return n == "l1" || n == "l2" || n == "l1l2" || n == "l1_l2";
}

Value LayerEmitter::weight(StringRef suffix, ArrayRef<int64_t> shape,
                           const KerasObject &init,
                           const std::optional<KerasObject> &regularizer,
                           bool trainable) {
  trainable = trainable && !frozen;
  auto type = RankedTensorType::get(shape, b.getF32Type());
  std::string name = layerName + "/" + suffix.str();
  auto op = b.create<nn::WeightOp>(loc, type, b.getStringAttr(name),
                                   b.getStringAttr(init.name),
                                   /*initializer_config=*/nullptr,
                                   /*regularizer=*/nullptr,
                                   /*trainable=*/nullptr);
  if (!init.config.empty())
    op->setAttr("initializer_config", toDictAttr(b, init.config));
  if (regularizer) {
    NamedAttrList reg;
    reg.append("name", b.getStringAttr(regularizer->name));
    for (const auto &[k, v] : regularizer->config)
      reg.append(k, toAttr(b, v));
    op->setAttr("regularizer", reg.getDictionary(b.getContext()));
  }
  if (!trainable)
    op->setAttr("trainable", b.getBoolAttr(false));
  int64_t n = type.getNumElements();
  (trainable ? trainableParams : nonTrainableParams) += n;
  return op;
}

Value LayerEmitter::weightFromArgs(StringRef suffix, ArrayRef<int64_t> shape,
                                   const std::string &argName,
                                   const std::string &regName,
                                   bool trainable) {
  auto init = args.getObject(argName);
  if (!init)
    return nullptr;
  if (!*init) {
    args.error(argName, argName + " must not be None");
    return nullptr;
  }
  if (!isKnownInitializer((*init)->name)) {
    args.error(argName, "unknown initializer '" + (*init)->name + "'");
    return nullptr;
  }
  std::optional<KerasObject> reg;
  if (!regName.empty()) {
    auto r = args.getObject(regName);
    if (!r)
      return nullptr;
    if (*r && !isKnownRegularizer((*r)->name)) {
      args.error(regName, "unknown regularizer '" + (*r)->name + "'");
      return nullptr;
    }
    reg = *r;
  }
  return weight(suffix, shape, **init, reg, trainable);
}

Value LayerEmitter::activation(Value x, const std::string &name,
                               const std::string &argName) {
  if (!x)
    return nullptr;
  std::string n = name == "swish" ? "silu" : name;
  if (n == "linear")
    return x;
  if (n == "softmax")
    return create<nn::SoftmaxOp>(x, b.getI64IntegerAttr(-1));
  if (n == "log_softmax")
    return create<nn::LogSoftmaxOp>(x, b.getI64IntegerAttr(-1));
  if (n == "leaky_relu")
    return create<nn::LeakyReluOp>(x, b.getF64FloatAttr(0.2));
#define NN_ACT(key, Op)                                                        \
  if (n == key)                                                                \
    return create<nn::Op>(x);
  NN_ACT("relu", ReluOp)
  NN_ACT("relu6", Relu6Op)
  NN_ACT("sigmoid", SigmoidOp)
  NN_ACT("tanh", TanhOp)
  NN_ACT("elu", EluOp)
  NN_ACT("selu", SeluOp)
  NN_ACT("softplus", SoftplusOp)
  NN_ACT("softsign", SoftsignOp)
  NN_ACT("silu", SiluOp)
  NN_ACT("gelu", GeluOp)
  NN_ACT("hard_sigmoid", HardSigmoidOp)
  NN_ACT("exponential", ExpOp)
#undef NN_ACT
  args.error(argName, "unknown activation '" + name + "'");
  return nullptr;
}

} // namespace kiln::frontend
