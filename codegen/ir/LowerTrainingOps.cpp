//===- LowerTrainingOps.cpp - Training ops -> kernels ---------------------===//
//
// The lowerings of what only training steps hold: dropout with its mask,
// the per-sample losses, batch normalisation's gradient, slices (gradients
// of concatenation and zero padding), weight penalties and the optimizer
// updates (each one elementwise kernel, in place).
//
//===----------------------------------------------------------------------===//
#include "codegen/ir/Lowering.h"

#include <cmath>

namespace kiln::lowering {

LogicalResult Lowering::lowerDropout(nn::DropoutOp op) {
  std::string name = layerName(op);
  float rate = op.rate().convertToDouble();
  cg::ElementwiseProgram p;
  int x = p.input("input");
  int s = p.input("seed", cg::Broadcast::Scalar);
  int step = p.input("step", cg::Broadcast::Scalar);
  int keep = p.dropoutKeep(s, step, rate);
  p.output("output",
           p.op(cg::EwOp::Mul, p.op(cg::EwOp::Mul, x, keep),
                p.constant(1.0f / (1.0f - rate))));
  // Float scalars hold integers exactly below 2^24. A layer's own seed is
  // a constant; otherwise the executor fills in the run's seed's stream.
  int seedId;
  if (op.seed()) {
    seedId = fixedConstant(name + "/seed",
                           static_cast<float>(static_cast<int64_t>(*op.seed()) &
                                              ((1 << 24) - 1)));
  } else {
    seedId = fixedConstant(name + "/seed", 0);
    program.plan.tensors[seedId].fill = runtime::PlanTensor::Fill::Seed;
    program.plan.tensors[seedId].fillValue =
        static_cast<float>(op.stream() ? *op.stream() : 0);
  }
  int out = define(op.output(), name + "/dropout");
  call(cg::KernelSpec::elementwise(name, intShape(op.output()), p),
       {lookup(op.input()), seedId, lookup(op.step()), out},
       name + ": dropout");
  return success();
}

LogicalResult Lowering::lowerAdam(nn::AdamUpdateOp op) {
  // Keras 3's Adam: t = iterations + 1,
  //   alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t),
  //   m += (g - m) * (1 - beta_1), v += (g^2 - v) * (1 - beta_2),
  //   w -= alpha * m / (sqrt(v) + epsilon).
  using E = cg::EwOp;
  double lr = op.learning_rate().convertToDouble();
  double b1 = op.beta_1().convertToDouble(), b2 = op.beta_2().convertToDouble();
  double eps = op.epsilon().convertToDouble();
  cg::ElementwiseProgram p;
  int w = p.input("weight"), g = p.input("grad"), m = p.input("m"),
      v = p.input("v");
  int it = p.input("iterations", cg::Broadcast::Scalar);
  int t = p.op(E::Add, it, p.constant(1));
  auto power = [&](double base) {
    return p.unary(cg::UnaryFn::Exp,
                   p.op(E::Mul, t, p.constant(std::log(base))));
  };
  int one = p.constant(1);
  int alpha = p.op(
      E::Div,
      p.op(E::Mul, p.constant(lr),
           p.unary(cg::UnaryFn::Sqrt, p.op(E::Sub, one, power(b2)))),
      p.op(E::Sub, one, power(b1)));
  int m2 = p.op(E::Add, m,
                p.op(E::Mul, p.op(E::Sub, g, m), p.constant(1 - b1)));
  int v2 = p.op(E::Add, v,
                p.op(E::Mul, p.op(E::Sub, p.op(E::Mul, g, g), v),
                     p.constant(1 - b2)));
  int w2 = p.op(E::Sub, w,
                p.op(E::Div, p.op(E::Mul, alpha, m2),
                     p.op(E::Add, p.unary(cg::UnaryFn::Sqrt, v2),
                          p.constant(eps))));
  p.output("new_weight", w2);
  p.output("new_m", m2);
  p.output("new_v", v2);
  std::string name = layerName(op);
  std::string weightName = op.weight().getDefiningOp<nn::WeightOp>()
                               ? op.weight().getDefiningOp<nn::WeightOp>().name().str()
                               : name;
  for (unsigned i = 0; i < 3; ++i)
    define(op->getResult(i), weightName + "/adam_" + std::to_string(i));
  callValues(cg::KernelSpec::elementwise("adam", intShape(op.weight()), p),
             {op.weight(), op.grad(), op.m(), op.v(), op.iterations(),
              op.new_weight(), op.new_m(), op.new_v()},
             weightName + ": adam");
  return success();
}

LogicalResult Lowering::lowerLoss(Operation *op, cg::ReduceKind kind) {
  Value p = op->getOperand(0), t = op->getOperand(1), out = op->getResult(0);
  std::string name = layerName(op);
  std::string what = op->getName().stripDialect().str();
  cg::DType targets = t.getType().cast<TensorType>().getElementType().isF32()
                          ? cg::DType::Float32
                          : cg::DType::Int32;
  if (targets == cg::DType::Int32 &&
      !t.getType().cast<TensorType>().getElementType().isInteger(32))
    return op->emitOpError("has a kernel for f32 or i32 targets only");
  define(out, name + "/" + what);
  callValues(cg::KernelSpec::lastAxis(name, intShape(p), kind, targets),
             {p, t, out}, name + ": " + what);
  return success();
}

LogicalResult Lowering::lowerSigmoidCrossEntropy(nn::SigmoidCrossEntropyOp op) {
  // Per element, from the logits z (stable: no exp of a large z):
  //   loss = max(z, 0) - z t + softplus(-|z|),  correct = z > 0 ? t : 1 - t;
  // then the mean of each over the sample's outputs.
  using E = cg::EwOp;
  std::string name = layerName(op);
  std::vector<int> shape = intShape(op.logits());
  cg::ElementwiseProgram p;
  int z = p.input("logits"), t = p.input("targets");
  int zero = p.constant(0);
  int loss = p.op(E::Add,
                  p.op(E::Sub, p.op(E::Max, z, zero), p.op(E::Mul, z, t)),
                  p.unary(cg::UnaryFn::Softplus,
                          p.unary(cg::UnaryFn::Neg, p.op(E::Abs, z))));
  p.output("loss", loss);
  p.output("correct",
           p.op(E::SelectGt, z, zero, t, p.op(E::Sub, p.constant(1), t)));
  int lossElems = scratch(op.logits(), name + "/loss_elements");
  int correctElems = scratch(op.logits(), name + "/correct_elements");
  call(cg::KernelSpec::elementwise(name, shape, p),
       {lookup(op.logits()), lookup(op.targets()), lossElems, correctElems},
       name + ": sigmoid_cross_entropy");
  int last = static_cast<int>(shape.size()) - 1;
  int lossId = define(op.loss(), name + "/loss");
  call(cg::KernelSpec::reduction(name, shape, cg::ReduceKind::Mean, {last},
                                 false),
       {lossElems, lossId}, name + ": sigmoid_cross_entropy (mean)");
  int correctId = define(op.correct(), name + "/correct");
  call(cg::KernelSpec::reduction(name, shape, cg::ReduceKind::Mean, {last},
                                 false),
       {correctElems, correctId}, name + ": binary accuracy (mean)");
  return success();
}

LogicalResult Lowering::lowerLossGrad(
    Operation *op, int (*formula)(cg::ElementwiseProgram &, int, int),
    float scale) {
  std::string name = layerName(op);
  std::string what = op->getName().stripDialect().str();
  Value p = op->getOperand(0), t = op->getOperand(1), out = op->getResult(0);
  cg::ElementwiseProgram prog;
  int pi = prog.input("predictions"), ti = prog.input("targets");
  int s = prog.input("scale", cg::Broadcast::Scalar);
  prog.output("grad", prog.op(cg::EwOp::Mul, formula(prog, pi, ti), s));
  runtime::PlanTensor scaleT;
  scaleT.name = name + "/scale";
  scaleT.role = TensorRole::Fixed;
  scaleT.fill = runtime::PlanTensor::Fill::InverseBatch;
  scaleT.fillValue = scale;
  program.plan.tensors.push_back(scaleT);
  int scaleId = program.plan.tensors.size() - 1;
  int outId = define(out, name + "/" + what);
  call(cg::KernelSpec::elementwise(name, intShape(p), prog),
       {lookup(p), lookup(t), scaleId, outId}, name + ": " + what);
  return success();
}

LogicalResult Lowering::lowerCategoricalAccuracy(nn::CategoricalAccuracyOp op) {
  // The fused softmax cross-entropy kernel's correct flag is the argmax
  // comparison (softmax keeps the argmax); its loss output is scratch.
  std::string name = layerName(op);
  int lossScratch = scratch(op.output(), name + "/unused_loss");
  int out = define(op.output(), name + "/categorical_accuracy");
  call(cg::KernelSpec::lastAxis(name, intShape(op.predictions()),
                                cg::ReduceKind::SoftmaxCrossEntropy),
       {lookup(op.predictions()), lookup(op.targets()), lossScratch, out},
       name + ": categorical_accuracy");
  return success();
}

LogicalResult Lowering::lowerBatchNormGrad(nn::BatchNormGradOp op) {
  // Three kernels:
  // 1. xhat = (x - mean) rsqrt(var + eps) and dy * xhat, elementwise;
  // 2. their sums over every axis but the last: dbeta and dgamma;
  // 3. dx = gamma rsqrt(var + eps) (dy - dbeta/M - xhat dgamma/M), with
  //    1/M = 1/(N * H * W) filled in per batch.
  using E = cg::EwOp;
  auto last = cg::Broadcast::LastAxis;
  std::string name = layerName(op);
  std::vector<int> shape = intShape(op.input());
  float eps = op.epsilon().convertToDouble();
  cg::ElementwiseProgram p1;
  {
    int x = p1.input("input"), mean = p1.input("mean", last),
        var = p1.input("variance", last), dy = p1.input("output_grad");
    int xhat = p1.op(E::Mul, p1.op(E::Sub, x, mean),
                     p1.op(E::Rsqrt, p1.op(E::Add, var, p1.constant(eps))));
    p1.output("xhat", xhat);
    p1.output("dy_xhat", p1.op(E::Mul, dy, xhat));
  }
  int xhat = scratch(op.input(), name + "/xhat");
  int dyXhat = scratch(op.input(), name + "/dy_xhat");
  call(cg::KernelSpec::elementwise(name, shape, p1),
       {lookup(op.input()), lookup(op.mean()), lookup(op.variance()),
        lookup(op.output_grad()), xhat, dyXhat},
       name + ": batch_norm_grad (xhat)");
  std::vector<int> axes;
  for (size_t i = 0; i + 1 < shape.size(); ++i)
    axes.push_back(i);
  int dbeta = define(op.beta_grad(), name + "/beta_grad");
  call(cg::KernelSpec::reduction(name, shape, cg::ReduceKind::Sum, axes, false),
       {lookup(op.output_grad()), dbeta}, name + ": batch_norm_grad (sum dy)");
  int dgamma = define(op.gamma_grad(), name + "/gamma_grad");
  call(cg::KernelSpec::reduction(name, shape, cg::ReduceKind::Sum, axes, false),
       {dyXhat, dgamma}, name + ": batch_norm_grad (sum dy xhat)");
  int64_t perSample = 1;
  for (size_t i = 1; i + 1 < shape.size(); ++i)
    perSample *= shape[i];
  runtime::PlanTensor invM;
  invM.name = name + "/1/M";
  invM.role = TensorRole::Fixed;
  invM.fill = runtime::PlanTensor::Fill::InverseBatch;
  invM.fillValue = 1.0f / static_cast<float>(perSample);
  program.plan.tensors.push_back(invM);
  int invMId = program.plan.tensors.size() - 1;
  cg::ElementwiseProgram p3;
  {
    int dy = p3.input("output_grad"), xh = p3.input("xhat");
    int gamma = p3.input("gamma", last), var = p3.input("variance", last);
    int sdy = p3.input("beta_grad", last), sdx = p3.input("gamma_grad", last);
    int inv = p3.input("inverse_m", cg::Broadcast::Scalar);
    int centred = p3.op(E::Sub, p3.op(E::Sub, dy, p3.op(E::Mul, sdy, inv)),
                        p3.op(E::Mul, xh, p3.op(E::Mul, sdx, inv)));
    int scale = p3.op(E::Mul, gamma,
                      p3.op(E::Rsqrt, p3.op(E::Add, var, p3.constant(eps))));
    p3.output("input_grad", p3.op(E::Mul, scale, centred));
  }
  int dx = define(op.input_grad(), name + "/input_grad");
  call(cg::KernelSpec::elementwise(name, shape, p3),
       {lookup(op.output_grad()), xhat, lookup(op.gamma()), lookup(op.variance()),
        dbeta, dgamma, invMId, dx},
       name + ": batch_norm_grad (dx)");
  return success();
}

void Lowering::optimizerCall(Operation *op, Value weight,
                             cg::ElementwiseProgram &p, const char *what) {
  std::string weightName = layerName(op);
  if (auto w = weight.getDefiningOp<nn::WeightOp>())
    weightName = w.name().str();
  std::vector<Value> args(op->getOperands().begin(), op->getOperands().end());
  for (unsigned i = 0; i < op->getNumResults(); ++i) {
    define(op->getResult(i), weightName + "/" + what + std::to_string(i));
    args.push_back(op->getResult(i));
  }
  callValues(cg::KernelSpec::elementwise(what, intShape(weight), p), args,
             weightName + ": " + what);
}

LogicalResult Lowering::lowerSGD(nn::SGDUpdateOp op) {
  // Keras: v' = momentum v - lr g; w' = w + momentum v' - lr g (nesterov)
  // or w + v'.
  using E = cg::EwOp;
  cg::ElementwiseProgram p;
  int w = p.input("weight"), g = p.input("grad"), v = p.input("velocity");
  int lrg = p.op(E::Mul, g, p.constant(op.learning_rate().convertToDouble()));
  int mom = p.constant(op.momentum().convertToDouble());
  int v2 = p.op(E::Sub, p.op(E::Mul, v, mom), lrg);
  int w2 = op.nesterov() ? p.op(E::Sub, p.op(E::Add, w, p.op(E::Mul, v2, mom)), lrg)
                         : p.op(E::Add, w, v2);
  p.output("new_weight", w2);
  p.output("new_velocity", v2);
  optimizerCall(op, op.weight(), p, "sgd");
  return success();
}

LogicalResult Lowering::lowerRMSprop(nn::RMSpropUpdateOp op) {
  // Keras 3: v' = rho v + (1 - rho) g^2; w' = w - lr g / sqrt(v' + eps).
  using E = cg::EwOp;
  double rho = op.rho().convertToDouble();
  cg::ElementwiseProgram p;
  int w = p.input("weight"), g = p.input("grad"), v = p.input("velocity");
  int v2 = p.op(E::Add, p.op(E::Mul, v, p.constant(rho)),
                p.op(E::Mul, p.op(E::Mul, g, g), p.constant(1 - rho)));
  int step = p.op(E::Mul,
                  p.op(E::Mul, g, p.constant(op.learning_rate().convertToDouble())),
                  p.op(E::Rsqrt, p.op(E::Add, v2,
                                      p.constant(op.epsilon().convertToDouble()))));
  p.output("new_weight", p.op(E::Sub, w, step));
  p.output("new_velocity", v2);
  optimizerCall(op, op.weight(), p, "rmsprop");
  return success();
}

LogicalResult Lowering::lowerSlice(nn::SliceOp op) {
  // The zero-padding kernel crops with negative padding: amounts before are
  // -offset, after -(size of the axis - offset - taken).
  auto in = planShape(op.input());
  if (in.size() != 4)
    return op->emitOpError("has a kernel for rank-4 (NHWC) tensors only");
  auto off = ints(op.offsets()), size = ints(op.sizes());
  auto after = [&](int i) { return -int(in[i + 1] - off[i] - size[i]); };
  cg::PadAttrs a{-off[0], after(0), -off[1], after(1), -off[2], after(2)};
  std::string name = layerName(op);
  define(op.output(), name + "/slice");
  callValues(cg::KernelSpec::zeroPadding2d(name, in[1], in[2], in[3], a),
             {op.input(), op.output()}, name + ": slice");
  return success();
}

LogicalResult Lowering::lowerSoftmaxGrad(Operation *op, uint64_t axis,
                                         cg::ReduceKind kind) {
  Value y = op->getOperand(0), dy = op->getOperand(1), dx = op->getResult(0);
  int64_t rank = planShape(y).size();
  if (normalizeAxis(static_cast<int64_t>(axis), rank) != rank - 1)
    return op->emitOpError("has a kernel for the last axis only");
  std::string name = layerName(op);
  std::string what = op->getName().stripDialect().str();
  define(dx, name + "/" + what);
  callValues(cg::KernelSpec::lastAxis(name, intShape(y), kind), {y, dy, dx},
             name + ": " + what);
  return success();
}

LogicalResult Lowering::lowerExtremumGrad(nn::ExtremumGradOp op) {
  // maximum: rhs chosen where rhs > lhs; minimum: where lhs > rhs (ties
  // to lhs). One kernel, both gradients.
  using E = cg::EwOp;
  cg::ElementwiseProgram p;
  int l = p.input("lhs"), r = p.input("rhs"), g = p.input("output_grad");
  int zero = p.constant(0);
  bool isMax = op.kind() == "maximum";
  int a = isMax ? r : l, b = isMax ? l : r;
  p.output("lhs_grad", p.op(E::SelectGt, a, b, zero, g));
  p.output("rhs_grad", p.op(E::SelectGt, a, b, g, zero));
  std::string name = layerName(op);
  std::string what = "extremum_grad_" + op.kind().str();
  define(op.lhs_grad(), name + "/lhs_grad");
  define(op.rhs_grad(), name + "/rhs_grad");
  callValues(cg::KernelSpec::elementwise(name, intShape(op.lhs()), p),
             {op.lhs(), op.rhs(), op.output_grad(), op.lhs_grad(),
              op.rhs_grad()},
             name + ": " + what);
  return success();
}

LogicalResult Lowering::lowerWeightPenalty(nn::WeightPenaltyOp op) {
  // 1. l1 |w| + l2 w^2 per element; 2. their sum, in a fixed order.
  using E = cg::EwOp;
  std::string name = layerName(op);
  if (auto w = op.weight().getDefiningOp<nn::WeightOp>())
    name = w.name().str();
  std::vector<int> shape = intShape(op.weight());
  cg::ElementwiseProgram p;
  int w = p.input("weight");
  p.output("penalty",
           p.op(E::Add,
                p.op(E::Mul, p.constant(op.l1().convertToDouble()),
                     p.op(E::Abs, w)),
                p.op(E::Mul, p.constant(op.l2().convertToDouble()),
                     p.op(E::Mul, w, w))));
  int elems = scratch(op.weight(), name + "/penalty_elements");
  call(cg::KernelSpec::elementwise("weight_penalty", shape, p),
       {lookup(op.weight()), elems}, name + ": weight_penalty");
  int out = define(op.output(), name + "/penalty");
  call(cg::KernelSpec::reduction("weight_penalty", shape, cg::ReduceKind::Sum,
                                 {}, false),
       {elems, out}, name + ": weight_penalty (sum)");
  return success();
}

LogicalResult Lowering::lowerWeightPenaltyGrad(nn::WeightPenaltyGradOp op) {
  // grad + l1 sign(w) + 2 l2 w, sign(0) = 0.
  using E = cg::EwOp;
  std::string name = layerName(op);
  if (auto w = op.weight().getDefiningOp<nn::WeightOp>())
    name = w.name().str();
  cg::ElementwiseProgram p;
  int w = p.input("weight"), g = p.input("grad");
  int zero = p.constant(0);
  int sign = p.op(E::SelectGt, w, zero, p.constant(1),
                  p.op(E::SelectGt, zero, w, p.constant(-1), zero));
  int l1 = p.op(E::Mul, p.constant(op.l1().convertToDouble()), sign);
  int l2 = p.op(E::Mul, p.constant(2 * op.l2().convertToDouble()), w);
  p.output("grad", p.op(E::Add, g, p.op(E::Add, l1, l2)));
  define(op.output(), name + "/penalized_grad");
  callValues(cg::KernelSpec::elementwise("weight_penalty_grad",
                                         intShape(op.weight()), p),
             {op.weight(), op.grad(), op.output()},
             name + ": weight_penalty_grad");
  return success();
}

} // namespace kiln::lowering
