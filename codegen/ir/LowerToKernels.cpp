//===- LowerToKernels.cpp - nn IR -> kernel calls and a Plan --------------===//
//
// The driver and the forward ops' lowerings (the training ops' are in
// LowerTrainingOps.cpp): each a small function from the op (or nn.fused
// group) to a KernelSpec whose argument order
// (codegen::kernelArguments) says which plan tensors to bind.
//
// 1. Function arguments become plan inputs; nn.weight ops plan weights;
//    constants become filled fixed tensors.
// 2. Each op, or nn.fused group, lowers to one call (or a view). Values
//    without a batch dimension (weight gradients, sums) are fixed buffers;
//    the rest live in the arena.
// 3. nn.assign makes the value's buffer the weight's own (an in-place
//    update), after checking nothing later reads the old value.
// 4. Returned values become the plan's outputs; the arena is planned.
//
//===----------------------------------------------------------------------===//
#include "codegen/ir/Lowering.h"
#include "passes/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/TypeSwitch.h"

namespace kiln::lowering {

int Lowering::define(Value v, const std::string &name) {
  runtime::PlanTensor t;
  t.name = name;
  t.shape = planShape(v);
  t.role = t.hasBatch() ? TensorRole::Intermediate : TensorRole::Fixed;
  int id = program.plan.tensors.size();
  program.plan.tensors.push_back(t);
  ids[v] = id;
  return id;
}

int Lowering::scratch(Value like, const std::string &name) {
  runtime::PlanTensor t;
  t.name = name;
  t.shape = planShape(like);
  t.role = t.hasBatch() ? TensorRole::Intermediate : TensorRole::Fixed;
  program.plan.tensors.push_back(t);
  return program.plan.tensors.size() - 1;
}

int Lowering::fixedConstant(const std::string &name, float value) {
  runtime::PlanTensor t;
  t.name = name;
  t.role = TensorRole::Fixed;
  t.fill = runtime::PlanTensor::Fill::Constant;
  t.fillValue = value;
  program.plan.tensors.push_back(t);
  return program.plan.tensors.size() - 1;
}

void Lowering::call(const cg::KernelSpec &spec, std::vector<int> args,
                    const std::string &label) {
  std::string symbol = cg::kernelSymbol(spec);
  program.kernels.emplace(symbol, spec);
  program.plan.calls.push_back({symbol, std::move(args), label});
}

void Lowering::callValues(const cg::KernelSpec &spec, std::vector<Value> args,
                          const std::string &label) {
  std::vector<int> ids;
  for (Value v : args)
    ids.push_back(lookup(v));
  call(spec, ids, label);
}

LogicalResult Lowering::lowerConv(nn::Conv2DOp op,
                                  ArrayRef<Operation *> epilogue, Value out) {
  auto in = planShape(op.input());
  auto k = planShape(op.kernel());
  cg::Conv2DAttrs a = convAttrs(op, k[0], k[1], k[3]);
  a.useBias = bool(op.bias());
  std::string label = "conv2d";
  cg::FusedPool pool;
  for (Operation *e : epilogue) {
    if (isa<nn::ReluOp>(e)) {
      a.activation = cg::Activation::Relu;
    } else if (auto p = dyn_cast<nn::MaxPool2DOp>(e)) {
      cg::PoolAttrs pa = poolAttrs(p);
      pool = {true, pa.poolH, pa.poolW, pa.strideH, pa.strideW};
    } else {
      return e->emitOpError("cannot be fused into a conv2d kernel");
    }
    label += "+" + e->getName().stripDialect().str();
  }
  std::string name = layerName(op);
  define(out, name + "/output");
  std::vector<Value> args = {op.input(), op.kernel()};
  if (op.bias())
    args.push_back(op.bias());
  args.push_back(out);
  cg::KernelSpec spec = cg::KernelSpec::conv2d(name, in[1], in[2], in[3], a);
  spec.fusedPool = pool;
  callValues(spec, args, name + ": " + label);
  return success();
}

LogicalResult Lowering::lowerDense(nn::DenseOp op,
                                   ArrayRef<Operation *> epilogue, Value out) {
  auto in = planShape(op.input());
  if (in.size() != 2)
    return op.emitOpError("has no kernel for rank-")
           << in.size() << " inputs yet (flatten first)";
  cg::DenseAttrs a;
  a.units = planShape(op.kernel())[1];
  a.useBias = bool(op.bias());
  std::string label = "dense";
  for (Operation *e : epilogue) {
    if (isa<nn::ReluOp>(e))
      a.activation = cg::Activation::Relu;
    else if (isa<nn::SoftmaxOp>(e))
      a.activation = cg::Activation::Softmax;
    else
      return e->emitOpError("cannot be fused into a dense kernel");
    label += "+" + e->getName().stripDialect().str();
  }
  std::string name = layerName(op);
  define(out, name + "/output");
  std::vector<Value> args = {op.input(), op.kernel()};
  if (op.bias())
    args.push_back(op.bias());
  args.push_back(out);
  callValues(cg::KernelSpec::denseLayer(name, in[1], a), args,
             name + ": " + label);
  return success();
}

template <typename OpTy>
LogicalResult Lowering::lowerPool(OpTy op, cg::KernelFamily family,
                                  std::vector<Value> inputs, Value out) {
  auto in = planShape(op.input());
  std::string name = layerName(op);
  std::string what = op->getName().stripDialect().str();
  define(out, name + "/" + what);
  inputs.push_back(out);
  callValues(cg::KernelSpec::pool2d(name, family, in[1], in[2], in[3],
                                    poolAttrs(op)),
             inputs, name + ": " + what);
  return success();
}

LogicalResult Lowering::lowerLastAxis(Operation *op, uint64_t axis,
                                      cg::ReduceKind kind) {
  Value in = op->getOperand(0), out = op->getResult(0);
  int64_t rank = planShape(in).size();
  if (normalizeAxis(static_cast<int64_t>(axis), rank) != rank - 1)
    return op->emitOpError("has a kernel for the last axis only");
  std::string name = layerName(op);
  std::string what = op->getName().stripDialect().str();
  define(out, name + "/" + what);
  callValues(cg::KernelSpec::lastAxis(name, intShape(in), kind), {in, out},
             name + ": " + what);
  return success();
}

LogicalResult
Lowering::lowerConvBackpropInput(nn::Conv2DBackpropInputOp op,
                                 ArrayRef<Operation *> epilogue, Value out) {
  auto k = planShape(op.kernel());
  auto size = ints(op.input_size());
  cg::Conv2DAttrs a = convAttrs(op, k[0], k[1], k[3]);
  std::string name = layerName(op);
  cg::KernelSpec spec = cg::KernelSpec::conv2d(
      name, size[0], size[1], k[2], a, cg::KernelFamily::Conv2DBackpropInput);
  std::vector<Value> args = {op.output_grad(), op.kernel()};
  std::string label = "conv2d_backprop_input";
  for (Operation *e : epilogue) {
    if (auto pg = dyn_cast<nn::MaxPool2DGradOp>(e)) {
      auto in = planShape(pg.input());
      spec.fusedPoolGrad.enabled = true;
      spec.fusedPoolGrad.height = in[1];
      spec.fusedPoolGrad.width = in[2];
      spec.fusedPoolGrad.pool = poolAttrs(pg);
      args.push_back(pg.input());
    } else if (isa<nn::ReluGradOp>(e) && spec.fusedPoolGrad.enabled) {
      spec.fusedPoolGrad.pool.reluMask = true;
    } else {
      return e->emitOpError("cannot be fused into a conv2d_backprop_input "
                            "kernel");
    }
    label += "+" + e->getName().stripDialect().str();
  }
  define(out, name + "/" + (epilogue.empty() ? std::string("input_grad")
                                             : label));
  args.push_back(out);
  callValues(spec, args, name + ": " + label);
  return success();
}

LogicalResult Lowering::lowerFused(nn::FusedOp op) {
  Block &body = op.body().front();
  for (auto [arg, input] : llvm::zip(body.getArguments(), op.inputs()))
    ids[arg] = lookup(input);
  SmallVector<Operation *, 4> ops;
  for (Operation &inner : body.without_terminator())
    ops.push_back(&inner);
  auto epilogue = ArrayRef<Operation *>(ops).drop_front();
  if (auto conv = dyn_cast<nn::Conv2DOp>(ops.front()))
    return lowerConv(conv, epilogue, op.getResult(0));
  if (auto dense = dyn_cast<nn::DenseOp>(ops.front()))
    return lowerDense(dense, epilogue, op.getResult(0));
  if (auto dx = dyn_cast<nn::Conv2DBackpropInputOp>(ops.front()))
    return lowerConvBackpropInput(dx, epilogue, op.getResult(0));
  if (auto pg = dyn_cast<nn::MaxPool2DGradOp>(ops.front())) {
    if (epilogue.size() != 1 || !isa<nn::ReluGradOp>(epilogue.front()))
      return op.emitOpError("group '") << op.kind() << "' has no fused kernel";
    cg::PoolAttrs a = poolAttrs(pg);
    a.reluMask = true;
    auto in = planShape(pg.input());
    std::string name = layerName(pg);
    define(op.getResult(0), name + "/max_pool2d_grad+relu_grad");
    callValues(cg::KernelSpec::pool2d(name, cg::KernelFamily::MaxPool2DGrad,
                                      in[1], in[2], in[3], a),
               {pg.input(), pg.output_grad(), op.getResult(0)},
               name + ": max_pool2d_grad+relu_grad");
    return success();
  }
  return op.emitOpError("group '") << op.kind() << "' has no fused kernel";
}

/// How an elementwise operand of `shape` broadcasts onto `out`.
static std::optional<cg::Broadcast> broadcastOf(ArrayRef<int64_t> shape,
                                                ArrayRef<int64_t> out) {
  if (shape == out)
    return cg::Broadcast::Full;
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  if (n == 1 && shape.size() <= 1)
    return cg::Broadcast::Scalar;
  if (shape.size() == 1 && !out.empty() && shape[0] == out.back())
    return cg::Broadcast::LastAxis;
  return std::nullopt;
}

LogicalResult Lowering::lowerBinary(Operation *op) {
  using EwOp = cg::EwOp;
  EwOp kind = llvm::TypeSwitch<Operation *, EwOp>(op)
                  .Case([](nn::AddOp) { return EwOp::Add; })
                  .Case([](nn::SubOp) { return EwOp::Sub; })
                  .Case([](nn::MulOp) { return EwOp::Mul; })
                  .Case([](nn::DivOp) { return EwOp::Div; })
                  .Case([](nn::MaximumOp) { return EwOp::Max; })
                  .Default([](Operation *) { return EwOp::Min; });
  auto out = planShape(op->getResult(0));
  cg::ElementwiseProgram p;
  int operands[2];
  for (int i = 0; i < 2; ++i) {
    auto shape = planShape(op->getOperand(i));
    auto b = broadcastOf(shape, out);
    if (!b)
      return op->emitOpError("broadcasting ")
             << formatShape(shape) << " to " << formatShape(out)
             << " has no kernel yet";
    operands[i] = p.input(i ? "rhs" : "lhs", *b, cg::DType::Float32,
                          shape.size() == 1 ? 1 : 0);
  }
  p.output("output", p.op(kind, operands[0], operands[1]));
  std::string name = layerName(op);
  define(op->getResult(0), name + "/" + op->getName().stripDialect().str());
  callValues(cg::KernelSpec::elementwise(name, intShape(op->getResult(0)), p),
             {op->getOperand(0), op->getOperand(1), op->getResult(0)},
             name + ": " + op->getName().stripDialect().str());
  return success();
}

/// Unary functions (the activation table), their gradients, bias_add and
/// batch_norm at inference.
LogicalResult Lowering::lowerElementwise(Operation *op) {
  std::string name = layerName(op);
  std::string mnemonic = op->getName().stripDialect().str();
  Value out = op->getResult(0);
  std::vector<int> shape = intShape(out);
  cg::UnaryFn fn;
  if (cg::unaryFnFromName(mnemonic, fn)) {
    float alpha = 0;
    if (auto lr = dyn_cast<nn::LeakyReluOp>(op))
      alpha = lr.alpha().convertToDouble();
    define(out, name + "/" + mnemonic);
    callValues(cg::KernelSpec::unaryOp(name, shape, fn, alpha),
               {op->getOperand(0), out}, name + ": " + mnemonic);
    return success();
  }
  if (auto g = dyn_cast<nn::ActivationGradOp>(op)) {
    if (!cg::unaryFnFromName(g.activation().str(), fn))
      return op->emitOpError("activation '")
             << g.activation() << "' has no derivative in the table";
    float alpha = g.alpha() ? g.alpha()->convertToDouble() : 0;
    define(out, name + "/" + g.activation().str() + "_grad");
    callValues(cg::KernelSpec::unaryGradOp(name, shape, fn, alpha),
               {g.input(), g.output_grad(), out},
               name + ": " + g.activation().str() + "_grad");
    return success();
  }
  if (auto g = dyn_cast<nn::ReluGradOp>(op)) {
    // relu'(x) = relu'(relu(x)): the output is positive exactly where the
    // input was.
    define(out, name + "/relu_grad");
    callValues(cg::KernelSpec::unaryGradOp(name, shape, cg::UnaryFn::Relu),
               {g.output(), g.output_grad(), out}, name + ": relu_grad");
    return success();
  }
  if (auto ba = dyn_cast<nn::BiasAddOp>(op)) {
    cg::ElementwiseProgram p;
    p.output("output", p.op(cg::EwOp::Add, p.input("input"),
                            p.input("bias", cg::Broadcast::LastAxis)));
    define(out, name + "/bias_add");
    callValues(cg::KernelSpec::elementwise(name, shape, p),
               {ba.input(), ba.bias(), out}, name + ": bias_add");
    return success();
  }
  if (auto bn = dyn_cast<nn::BatchNormOp>(op)) {
    if (static_cast<int64_t>(bn.axis()) != bn.input().getType().cast<RankedTensorType>().getRank() - 1)
      return op->emitOpError("has a kernel for the last axis only");
    cg::ElementwiseProgram p;
    auto last = cg::Broadcast::LastAxis;
    int x = p.input("input"), mean = p.input("moving_mean", last),
        var = p.input("moving_variance", last);
    int y = p.op(cg::EwOp::Mul, p.op(cg::EwOp::Sub, x, mean),
                 p.op(cg::EwOp::Rsqrt,
                      p.op(cg::EwOp::Add, var,
                           p.constant(bn.epsilon().convertToDouble()))));
    std::vector<Value> args = {bn.input(), bn.moving_mean(),
                               bn.moving_variance()};
    if (bn.gamma()) {
      y = p.op(cg::EwOp::Mul, y, p.input("gamma", last));
      args.push_back(bn.gamma());
    }
    if (bn.beta()) {
      y = p.op(cg::EwOp::Add, y, p.input("beta", last));
      args.push_back(bn.beta());
    }
    p.output("output", y);
    define(out, name + "/batch_norm");
    args.push_back(out);
    callValues(cg::KernelSpec::elementwise(name, shape, p), args,
               name + ": batch_norm");
    return success();
  }
  return op->emitOpError("has no kernel yet");
}

LogicalResult Lowering::lowerOp(Operation *op) {
  auto view = [&](Value from, Value to) {
    int id = define(to, layerName(to.getDefiningOp()) + "/" +
                            to.getDefiningOp()->getName().stripDialect().str());
    program.plan.tensors[id].role = TensorRole::View;
    program.plan.tensors[id].viewOf = lookup(from);
    return success();
  };
  auto name = [&]() { return layerName(op); };
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](nn::WeightOp w) {
        auto it = weights.find(w.name().str());
        if (it != weights.end()) {
          ids[w.output()] = it->second;
          return success();
        }
        int id = define(w.output(), w.name().str());
        program.plan.tensors[id].role = TensorRole::Weight;
        weights[w.name().str()] = id;
        return success();
      })
      .Case([&](nn::ConstantOp c) -> LogicalResult {
        auto dense = c.value().dyn_cast<DenseElementsAttr>();
        if (!dense || !dense.isSplat())
          return c.emitOpError("only splat constants have a kernel yet");
        int id = fixedConstant("constant",
                               dense.getSplatValue<APFloat>().convertToDouble());
        program.plan.tensors[id].shape = planShape(c.output());
        ids[c.output()] = id;
        return success();
      })
      .Case([&](nn::Conv2DOp c) { return lowerConv(c, {}, c.output()); })
      .Case([&](nn::DenseOp d) { return lowerDense(d, {}, d.output()); })
      .Case([&](nn::FusedOp f) { return lowerFused(f); })
      .Case([&](nn::MaxPool2DOp p) {
        return lowerPool(p, cg::KernelFamily::MaxPool2D, {p.input()},
                         p.output());
      })
      .Case([&](nn::AvgPool2DOp p) {
        return lowerPool(p, cg::KernelFamily::AvgPool2D, {p.input()},
                         p.output());
      })
      .Case([&](nn::MaxPool2DGradOp p) {
        return lowerPool(p, cg::KernelFamily::MaxPool2DGrad,
                         {p.input(), p.output_grad()}, p.input_grad());
      })
      .Case([&](nn::AvgPool2DGradOp p) {
        auto dx = planShape(p.input_grad());
        cg::PoolAttrs a = poolAttrs(p);
        a.backward = true;
        define(p.input_grad(), name() + "/avg_pool2d_grad");
        callValues(cg::KernelSpec::pool2d(name(), cg::KernelFamily::AvgPool2D,
                                          dx[1], dx[2], dx[3], a),
                   {p.output_grad(), p.input_grad()},
                   name() + ": avg_pool2d_grad");
        return success();
      })
      .Case([&](nn::SliceOp s) { return lowerSlice(s); })
      .Case([&](nn::SoftmaxGradOp g) {
        return lowerSoftmaxGrad(g, g.axis(), cg::ReduceKind::SoftmaxGrad);
      })
      .Case([&](nn::LogSoftmaxGradOp g) {
        return lowerSoftmaxGrad(g, g.axis(), cg::ReduceKind::LogSoftmaxGrad);
      })
      .Case([&](nn::ExtremumGradOp g) { return lowerExtremumGrad(g); })
      .Case([&](nn::WeightPenaltyOp w) { return lowerWeightPenalty(w); })
      .Case([&](nn::WeightPenaltyGradOp w) {
        return lowerWeightPenaltyGrad(w);
      })
      .Case([&](nn::Conv2DBackpropInputOp c) {
        return lowerConvBackpropInput(c, {}, c.input_grad());
      })
      .Case([&](nn::Conv2DBackpropFilterOp c) {
        auto in = planShape(c.input());
        auto dy = planShape(c.output_grad());
        auto ks = ints(c.kernel_size());
        cg::Conv2DAttrs a = convAttrs(c, ks[0], ks[1], dy[3]);
        define(c.kernel_grad(), name() + "/kernel_grad");
        callValues(cg::KernelSpec::conv2d(name(), in[1], in[2], in[3], a,
                                          cg::KernelFamily::Conv2DBackpropFilter),
                   {c.input(), c.output_grad(), c.kernel_grad()},
                   name() + ": conv2d_backprop_filter");
        return success();
      })
      .Case([&](nn::MatMulOp m) {
        auto a = planShape(m.lhs()), b = planShape(m.rhs());
        int p = m.transpose_lhs() ? a[1] : a[0];
        int r = m.transpose_lhs() ? a[0] : a[1];
        int q = m.transpose_rhs() ? b[0] : b[1];
        define(m.output(), name() + "/matmul");
        callValues(cg::KernelSpec::matmulOp(name(), p, r, q, m.transpose_lhs(),
                                            m.transpose_rhs()),
                   {m.lhs(), m.rhs(), m.output()}, name() + ": matmul");
        return success();
      })
      .Case([&](nn::SoftmaxCrossEntropyOp s) {
        define(s.loss(), name() + "/loss");
        define(s.correct(), name() + "/correct");
        callValues(cg::KernelSpec::lastAxis(name(), intShape(s.logits()),
                                            cg::ReduceKind::SoftmaxCrossEntropy),
                   {s.logits(), s.targets(), s.loss(), s.correct()},
                   name() + ": softmax_cross_entropy");
        return success();
      })
      .Case([&](nn::SoftmaxCrossEntropyGradOp s) {
        runtime::PlanTensor scale;
        scale.name = "1/batch";
        scale.role = TensorRole::Fixed;
        scale.fill = runtime::PlanTensor::Fill::InverseBatch;
        scale.fillValue = 1;
        program.plan.tensors.push_back(scale);
        int scaleId = program.plan.tensors.size() - 1;
        int out = define(s.logits_grad(), name() + "/logits_grad");
        call(cg::KernelSpec::lastAxis(name(), intShape(s.logits()),
                                      cg::ReduceKind::SoftmaxCrossEntropyGrad),
             {lookup(s.logits()), lookup(s.targets()), scaleId, out},
             name() + ": softmax_cross_entropy_grad");
        return success();
      })
      .Case([&](nn::SoftmaxOp s) {
        return lowerLastAxis(s, s.axis(), cg::ReduceKind::Softmax);
      })
      .Case([&](nn::LogSoftmaxOp s) {
        return lowerLastAxis(s, s.axis(), cg::ReduceKind::LogSoftmax);
      })
      .Case<nn::ReduceSumOp, nn::ReduceMeanOp, nn::ReduceMaxOp>([&](auto r) {
        cg::ReduceKind kind = isa<nn::ReduceSumOp>(r.getOperation())
                                  ? cg::ReduceKind::Sum
                              : isa<nn::ReduceMeanOp>(r.getOperation())
                                  ? cg::ReduceKind::Mean
                                  : cg::ReduceKind::Max;
        int64_t rank = planShape(r.input()).size();
        std::vector<int> axes;
        for (int a : ints(r.axes()))
          axes.push_back(normalizeAxis(a, rank));
        std::sort(axes.begin(), axes.end());
        define(r.output(), name() + "/reduce");
        callValues(cg::KernelSpec::reduction(name(), intShape(r.input()), kind,
                                             axes, r.keepdims()),
                   {r.input(), r.output()},
                   name() + ": " + r->getName().stripDialect().str());
        return success();
      })
      .Case([&](nn::GlobalAvgPool2DOp p) {
        auto in = planShape(p.input());
        define(p.output(), name() + "/output");
        callValues(cg::KernelSpec::globalPool2d(name(), in[1], in[2], in[3],
                                                false, p.keepdims()),
                   {p.input(), p.output()}, name() + ": global_avg_pool2d");
        return success();
      })
      .Case([&](nn::GlobalMaxPool2DOp p) {
        auto in = planShape(p.input());
        define(p.output(), name() + "/output");
        callValues(cg::KernelSpec::globalPool2d(name(), in[1], in[2], in[3],
                                                true, p.keepdims()),
                   {p.input(), p.output()}, name() + ": global_max_pool2d");
        return success();
      })
      .Case([&](nn::ConcatenateOp c) {
        std::vector<std::vector<int>> shapes;
        std::vector<Value> args;
        for (Value v : c.inputs()) {
          shapes.push_back(intShape(v));
          args.push_back(v);
        }
        int axis = normalizeAxis(static_cast<int64_t>(c.axis()), shapes[0].size());
        define(c.output(), name() + "/output");
        args.push_back(c.output());
        callValues(cg::KernelSpec::concatenate(name(), shapes, axis), args,
                   name() + ": concatenate");
        return success();
      })
      .Case([&](nn::ZeroPadding2DOp z) {
        auto in = planShape(z.input());
        auto p = ints(z.padding());
        cg::PadAttrs a{p[0], p[1], p[2], p[3]};
        define(z.output(), name() + "/output");
        callValues(cg::KernelSpec::zeroPadding2d(name(), in[1], in[2], in[3], a),
                   {z.input(), z.output()}, name() + ": zero_padding2d");
        return success();
      })
      .Case([&](nn::CategoricalCrossentropyOp l) {
        return lowerLoss(l, cg::ReduceKind::CategoricalCrossentropy);
      })
      .Case([&](nn::BinaryCrossentropyOp l) {
        return lowerLoss(l, cg::ReduceKind::BinaryCrossentropy);
      })
      .Case([&](nn::MeanSquaredErrorOp l) {
        return lowerLoss(l, cg::ReduceKind::MeanSquaredError);
      })
      .Case([&](nn::SparseCategoricalCrossentropyOp l) {
        return lowerLoss(l, cg::ReduceKind::SparseCategoricalCrossentropy);
      })
      .Case([&](nn::SigmoidCrossEntropyOp l) {
        return lowerSigmoidCrossEntropy(l);
      })
      .Case([&](nn::SigmoidCrossEntropyGradOp g) {
        // d/dz of mean_c over the batch: (sigmoid(z) - t) / (N C).
        int64_t c = planShape(g.logits()).back();
        return lowerLossGrad(
            g,
            [](cg::ElementwiseProgram &p, int z, int t) {
              return p.op(cg::EwOp::Sub, p.unary(cg::UnaryFn::Sigmoid, z), t);
            },
            1.0f / c);
      })
      .Case([&](nn::MeanSquaredErrorGradOp g) {
        // d/dp of mean_c (p - t)^2 over the batch: 2 (p - t) / (N C).
        int64_t c = planShape(g.predictions()).back();
        return lowerLossGrad(
            g,
            [](cg::ElementwiseProgram &p, int pr, int t) {
              return p.op(cg::EwOp::Sub, pr, t);
            },
            2.0f / c);
      })
      .Case([&](nn::CategoricalAccuracyOp a) {
        return lowerCategoricalAccuracy(a);
      })
      .Case([&](nn::MomentsOp m) {
        define(m.mean(), name() + "/mean");
        define(m.variance(), name() + "/variance");
        callValues(cg::KernelSpec::batchNormStats(name(), intShape(m.input())),
                   {m.input(), m.mean(), m.variance()}, name() + ": moments");
        return success();
      })
      .Case([&](nn::BatchNormGradOp g) { return lowerBatchNormGrad(g); })
      .Case([&](nn::AdamUpdateOp a) { return lowerAdam(a); })
      .Case([&](nn::SGDUpdateOp u) { return lowerSGD(u); })
      .Case([&](nn::RMSpropUpdateOp u) { return lowerRMSprop(u); })
      .Case<nn::AddOp, nn::SubOp, nn::MulOp, nn::DivOp, nn::MaximumOp,
            nn::MinimumOp>([&](Operation *b) { return lowerBinary(b); })
      // Row-major NHWC flattens in place; dropout is the identity at
      // inference.
      .Case([&](nn::FlattenOp f) { return view(f.input(), f.output()); })
      .Case([&](nn::ReshapeOp f) { return view(f.input(), f.output()); })
      .Case([&](nn::DropoutOp d) {
        return d.step() ? lowerDropout(d) : view(d.input(), d.output());
      })
      .Case([&](nn::AssignOp a) {
        assigns.emplace_back(a.name().str(), a.value());
        assignOps.push_back(a);
        return success();
      })
      .Case([&](ReturnOp r) {
        for (Value v : r.getOperands()) {
          int id = lookup(v);
          auto &t = program.plan.tensors[id];
          if (t.role == TensorRole::Intermediate || t.role == TensorRole::Fixed)
            t.role = TensorRole::Output;
          program.plan.outputs.push_back(id);
        }
        return success();
      })
      .Default([&](Operation *o) { return lowerElementwise(o); });
}

LogicalResult Lowering::applyAssigns() {
  auto &plan = program.plan;
  for (size_t i = 0; i < assigns.size(); ++i) {
    const auto &[name, value] = assigns[i];
    auto w = weights.find(name);
    if (w == weights.end())
      return assignOps[i]->emitOpError("names no weight of this function");
    int id = lookup(value);
    // The call that writes the new value, and every later reader of the
    // weight: writing in place is right only if nothing reads the old value
    // afterwards, and only for elementwise producers (each point read before
    // it is written).
    int producer = -1;
    for (size_t c = 0; c < plan.calls.size(); ++c)
      for (int a : plan.calls[c].args)
        if (a == id)
          producer = producer < 0 ? c : producer;
    if (producer < 0 ||
        program.kernels.at(plan.calls[producer].symbol).family !=
            cg::KernelFamily::Elementwise)
      return assignOps[i]->emitOpError(
          "can update a weight in place only from an elementwise kernel");
    for (size_t c = producer + 1; c < plan.calls.size(); ++c)
      for (int a : plan.calls[c].args)
        if (a == w->second)
          return assignOps[i]->emitOpError("weight '")
                 << name << "' is read after its update";
    plan.tensors[id].role = TensorRole::View;
    plan.tensors[id].viewOf = w->second;
  }
  return success();
}

/// Halide addresses a buffer with int32 extents and strides, so no tensor
/// may hold 2^31 elements or more (for one sample; the executor checks the
/// batch), nor have more than kMaxKernelRank dimensions. An error at the op
/// that makes one, before any kernel is built (docs/LIMITS.md).
static LogicalResult checkTensorSizes(FuncOp func) {
  constexpr double kMaxElements = 2147483647.0;
  constexpr int64_t kMaxKernelRank = 8;
  auto tooBig = [&](Type type) -> double {
    auto ranked = type.dyn_cast<RankedTensorType>();
    if (!ranked)
      return 0;
    if (ranked.getRank() > kMaxKernelRank)
      return -static_cast<double>(ranked.getRank());
    double n = 1;
    for (int64_t d : ranked.getShape())
      n *= d < 0 ? 1.0 : static_cast<double>(d);
    return n > kMaxElements ? std::min(n, 1e18) : 0;  // printable as uint64
  };
  for (BlockArgument arg : func.getArguments())
    if (double n = tooBig(arg.getType()))
      return n < 0 ? func.emitError("input ")
                         << arg.getArgNumber() << " has " << static_cast<int64_t>(-n)
                         << " dimensions; kiln's kernels take at most "
                         << kMaxKernelRank
                   : func.emitError("input ")
                         << arg.getArgNumber() << " has " << static_cast<uint64_t>(n)
                         << " elements per sample; kiln's kernels address at "
                            "most 2^31-1 elements per tensor (Halide's int32 "
                            "extents)";
  WalkResult r = func.walk([&](Operation *op) {
    for (Value v : op->getResults())
      if (double n = tooBig(v.getType())) {
        if (n < 0)
          op->emitOpError("makes a tensor of ")
              << static_cast<int64_t>(-n) << " dimensions; kiln's kernels take at most "
              << kMaxKernelRank;
        else
          op->emitOpError("makes a tensor of ")
              << static_cast<uint64_t>(n)
              << " elements per sample; kiln's kernels address at most "
                      "2^31-1 elements per tensor (Halide's int32 extents)";
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  return failure(r.wasInterrupted());
}

std::optional<KernelProgram> Lowering::run(FuncOp func) {
  if (failed(checkTensorSizes(func)))
    return std::nullopt;
  for (BlockArgument arg : func.getArguments()) {
    std::string name = "input" + std::to_string(arg.getArgNumber());
    if (auto n = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                   "nn.name"))
      name = n.getValue().str();
    int id = define(arg, name);
    program.plan.tensors[id].role = TensorRole::Input;
    program.plan.inputs.push_back(id);
  }
  for (Operation &op : func.getBody().front())
    if (failed(lowerOp(&op)))
      return std::nullopt;
  if (failed(applyAssigns()))
    return std::nullopt;
  for (int o : program.plan.outputs)
    if (program.plan.tensors[o].role != TensorRole::Output) {
      func.emitError("returning a view or an argument is not supported yet");
      return std::nullopt;
    }
  runtime::planArena(program.plan);
  return std::move(program);
}

} // namespace kiln::lowering

namespace kiln {

std::optional<KernelProgram> lowerToKernels(mlir::FuncOp func, bool fuse) {
  if (fuse) {
    mlir::PassManager pm(func.getContext(), mlir::FuncOp::getOperationName());
    pm.addPass(createFuseKernelsPass());
    if (mlir::failed(pm.run(func)))
      return std::nullopt;
  }
  return lowering::Lowering().run(func);
}

} // namespace kiln
