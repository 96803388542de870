//===- BuildTrainStep.cpp - nn-build-train-step ---------------------------===//
//
// Reverse-mode differentiation of @forward into a training step.
//
// 1. Clone @forward into @train_step(x, targets, step); give its dropout ops
//    the step (training mode) and, without a seed of their own, a stream of
//    the seed given at run time.
// 2. Attach the loss to the model's output: softmax + categorical
//    cross-entropy becomes nn.softmax_cross_entropy on the logits. Weights
//    with a Keras L1/L2/L1L2 regularizer add their nn.weight_penalty to
//    every sample's loss, so the batch's mean loss holds it once, as
//    Keras's reported loss does.
// 3. Walk the ops backwards from the loss. Each op with a gradient flowing
//    into a result builds its operands' gradients (GradientOpInterface);
//    gradients of a value used twice are summed with nn.add.
// 4. For each trainable weight, the penalty's gradient added to its own
//    (nn.weight_penalty_grad), the optimizer's update (with its state as
//    non-trainable weights) and nn.assign write-backs.
// 5. Build @eval_step the same way, without steps 3 and 4.
//
//===----------------------------------------------------------------------===//
#include "ir/ShapeUtils.h"
#include "passes/PassDetail.h"
#include "passes/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/BlockAndValueMapping.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace kiln::nn;

namespace {

/// What nn.compile asks for, with Keras's defaults and the pass's overrides.
struct TrainingConfig {
  std::string loss = "categorical_crossentropy";
  std::string optimizer = "adam";
  /// Keras's defaults; learningRate < 0 means the optimizer's own (Adam and
  /// RMSprop 0.001, SGD 0.01).
  double learningRate = -1, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7;
  double momentum = 0, rho = 0.9;
  bool nesterov = false;
};

/// Keras's class names and snake_case spellings of the same thing.
std::string canonical(StringRef s) {
  std::string out;
  for (char c : s)
    if (c != '_')
      out += std::tolower(static_cast<unsigned char>(c));
  return out;
}

/// A Keras regularizer's factors: L1(l1=0.01), L2(l2=0.01) and
/// L1L2(l1=0, l2=0) by default, as Keras 3 builds them from their names.
/// Fails, with an error naming the weight, for any other regularizer.
LogicalResult readRegularizer(WeightOp w, double &l1, double &l2) {
  DictionaryAttr reg = *w.regularizer();
  auto name = reg.getAs<StringAttr>("name");
  std::string kind = name ? canonical(name.getValue()) : "";
  l1 = kind == "l1" ? 0.01 : 0;
  l2 = kind == "l2" ? 0.01 : 0;
  if (kind != "l1" && kind != "l2" && kind != "l1l2")
    return w.emitOpError("regularizer '")
           << (name ? name.getValue() : "?") << "' of weight '" << w.name()
           << "' is not supported in training (kiln has L1, L2 and L1L2)";
  auto num = [&](StringRef key, double &out) {
    if (auto f = reg.getAs<FloatAttr>(key))
      out = f.getValueAsDouble();
    else if (auto i = reg.getAs<IntegerAttr>(key))
      out = i.getInt();
  };
  num("l1", l1);
  num("l2", l2);
  return success();
}

struct BuildTrainStepPass : kiln::BuildTrainStepBase<BuildTrainStepPass> {
  void runOnOperation() override;
  LogicalResult readConfig(ModuleOp module, TrainingConfig &config);
  /// Clones @forward as `name` with a targets argument (and a step one);
  /// returns the clone, its targets and step arguments, and the per-sample
  /// loss and correct values.
  FuncOp buildLoss(FuncOp forward, StringRef name, bool training,
                   const TrainingConfig &config, Operation *&lossOp);
  LogicalResult trainBatchNorm(BatchNormOp bn);
  /// Builds the loss of `output` against `targets` at the builder's point:
  /// the op whose first result is the per-sample loss (the root of the
  /// gradient), and the per-sample correct count.
  LogicalResult attachLoss(FuncOp fn, Value output, Value targets,
                           const TrainingConfig &config, OpBuilder &b,
                           Operation *&lossOp, Value &loss, Value &correct);
  LogicalResult differentiate(FuncOp step, Operation *lossOp,
                              llvm::DenseMap<Value, Value> &grads);
  LogicalResult applyOptimizer(FuncOp step, const TrainingConfig &config,
                               llvm::DenseMap<Value, Value> &grads);
};

LogicalResult BuildTrainStepPass::readConfig(ModuleOp module,
                                             TrainingConfig &config) {
  auto compile = module->getAttrOfType<DictionaryAttr>("nn.compile");
  if (compile) {
    if (auto loss = compile.getAs<StringAttr>("loss"))
      config.loss = loss.getValue().str();
    else if (auto loss = compile.getAs<DictionaryAttr>("loss"))
      if (auto cls = loss.getAs<StringAttr>("class_name"))
        config.loss = cls.getValue().str();
    if (auto opt = compile.getAs<StringAttr>("optimizer")) {
      config.optimizer = opt.getValue().str();
    } else if (auto opt = compile.getAs<DictionaryAttr>("optimizer")) {
      if (auto cls = opt.getAs<StringAttr>("class_name"))
        config.optimizer = cls.getValue().str();
      if (auto cfg = opt.getAs<DictionaryAttr>("config")) {
        auto num = [&](StringRef key, double &out) {
          if (auto f = cfg.getAs<FloatAttr>(key))
            out = f.getValueAsDouble();
          else if (auto i = cfg.getAs<IntegerAttr>(key))
            out = i.getInt();
        };
        num("learning_rate", config.learningRate);
        num("lr", config.learningRate);
        num("beta_1", config.beta1);
        num("beta_2", config.beta2);
        num("epsilon", config.epsilon);
        num("momentum", config.momentum);
        num("rho", config.rho);
        if (auto n = cfg.getAs<BoolAttr>("nesterov"))
          config.nesterov = n.getValue();
      }
    }
  }
  if (!optimizer.empty())
    config.optimizer = optimizer;
  if (learningRate > 0)
    config.learningRate = learningRate;
  // sparse_categorical_crossentropy is categorical cross-entropy against
  // the one-hot form of the class ids, which the training loop supplies.
  std::string loss = canonical(config.loss);
  if (loss == "mse")
    config.loss = loss = "meansquarederror";
  if (loss != "categoricalcrossentropy" &&
      loss != "sparsecategoricalcrossentropy" &&
      loss != "binarycrossentropy" && loss != "meansquarederror")
    return module.emitError("loss '")
           << config.loss << "' is not supported for training yet "
           << "(kiln trains categorical_crossentropy, "
              "sparse_categorical_crossentropy, binary_crossentropy and "
              "mean_squared_error)";
  std::string opt = canonical(config.optimizer);
  if (opt != "adam" && opt != "sgd" && opt != "rmsprop")
    return module.emitError("optimizer '")
           << config.optimizer
           << "' is not supported yet (kiln has adam, sgd and rmsprop)";
  config.optimizer = opt;
  if (config.learningRate < 0)
    config.learningRate = opt == "sgd" ? 0.01 : 0.001;
  return success();
}

FuncOp BuildTrainStepPass::buildLoss(FuncOp forward, StringRef name,
                                     bool training,
                                     const TrainingConfig &config,
                                     Operation *&lossOp) {
  ModuleOp module = getOperation();
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToEnd(module.getBody());
  FuncOp fn = forward.clone();
  fn.setName(name);
  module.push_back(fn);
  Block &body = fn.getBody().front();
  auto ret = cast<ReturnOp>(body.getTerminator());
  Value output = ret.getOperand(0);
  auto outType = output.getType().cast<RankedTensorType>();
  Type f32 = b.getF32Type();
  Value targets = body.addArgument(outType, fn.getLoc());
  Value step;
  if (training)
    step = body.addArgument(RankedTensorType::get({}, f32), fn.getLoc());

  // Dropout trains with the step; each layer without its own seed gets its
  // own stream of the seed given at run time.
  int index = 0;
  fn.walk([&](DropoutOp d) {
    ++index;
    if (!training)
      return;
    d->insertOperands(1, step);
    if (!d.seedAttr())
      d->setAttr("stream", b.getI64IntegerAttr(index));
  });

  // Batch normalisation trains on the batch's moments and moves its
  // moving statistics towards them (Keras: moving = moving * momentum +
  // batch * (1 - momentum)).
  if (training) {
    SmallVector<BatchNormOp, 4> norms;
    fn.walk([&](BatchNormOp bn) { norms.push_back(bn); });
    for (BatchNormOp bn : norms)
      if (failed(trainBatchNorm(bn)))
        return nullptr;
  }

  // The loss on the model's output, with the per-sample correct count.
  b.setInsertionPoint(ret);
  Value lossValue, correctValue;
  if (failed(attachLoss(fn, output, targets, config, b, lossOp, lossValue,
                        correctValue)))
    return nullptr;
  Location loc = lossOp->getLoc();
  // The weights' penalties, once per sample: their batch mean is the
  // penalty itself.
  SmallVector<WeightOp, 8> regularized;
  fn.walk([&](WeightOp w) {
    if (w.regularizer() && w.isTrainable())
      regularized.push_back(w);
  });
  for (WeightOp w : regularized) {
    double l1, l2;
    if (failed(readRegularizer(w, l1, l2)))
      return nullptr;
    auto penalty = createInferred<WeightPenaltyOp>(
        b, w.getLoc(), 1, w.output(), b.getF64FloatAttr(l1),
        b.getF64FloatAttr(l2));
    if (!penalty)
      return nullptr;
    auto add = createInferred<AddOp>(b, loc, 1, lossValue, penalty.output());
    if (!add)
      return nullptr;
    lossValue = add.output();
  }
  auto sum = [&](Value v) {
    return createInferred<ReduceSumOp>(b, loc, 1, v, b.getI64ArrayAttr({}),
                                       b.getBoolAttr(false))
        .output();
  };
  Value lossSum = sum(lossValue), correctSum = sum(correctValue);
  ret->setOperands({lossSum, correctSum});
  if (Operation *def = output.getDefiningOp())
    if (def->use_empty())
      def->erase();
  SmallVector<Type, 3> inputs = llvm::to_vector<3>(fn.getType().getInputs());
  inputs.push_back(targets.getType());
  if (training)
    inputs.push_back(step.getType());
  fn.setType(b.getFunctionType(inputs, {lossSum.getType(), correctSum.getType()}));
  return fn;
}

LogicalResult BuildTrainStepPass::attachLoss(FuncOp fn, Value output,
                                             Value targets,
                                             const TrainingConfig &config,
                                             OpBuilder &b, Operation *&lossOp,
                                             Value &loss, Value &correct) {
  auto type = output.getType().cast<RankedTensorType>();
  std::string kind = canonical(config.loss);
  Location loc = output.getLoc();
  // Cross-entropies on a softmax or sigmoid output are computed from the
  // logits, stably, as Keras does: the activation goes, a fused loss op on
  // its input comes.
  auto fromLogits = [&](auto activation, auto lossType,
                        const char *requirement) -> LogicalResult {
    using ActivationOp = decltype(activation);
    using LossOp = decltype(lossType);
    auto act = output.getDefiningOp<ActivationOp>();
    if (!act || type.getRank() != 2)
      return fn.emitError(requirement);
    auto op = createInferred<LossOp>(b, act.getLoc(), 2, act.input(), targets);
    if (!op)
      return failure();
    lossOp = op;
    loss = op.loss();
    correct = op.correct();
    return success();
  };
  if (kind == "categoricalcrossentropy" ||
      kind == "sparsecategoricalcrossentropy") {
    const char *need = "cross-entropy training needs the model to end in "
                       "softmax over the classes";
    auto softmax = output.getDefiningOp<SoftmaxOp>();
    if (softmax && normalizeAxis(static_cast<int64_t>(softmax.axis()),
                                 type.getRank()) != type.getRank() - 1)
      return fn.emitError(need);
    return fromLogits(SoftmaxOp(), SoftmaxCrossEntropyOp(), need);
  }
  if (kind == "binarycrossentropy")
    return fromLogits(SigmoidOp(), SigmoidCrossEntropyOp(),
                      "binary_crossentropy training needs the model to end "
                      "in a sigmoid, (batch, outputs)");
  // mean_squared_error on whatever the model outputs; accuracy as Keras's
  // categorical accuracy.
  if (type.getRank() != 2 || type.getShape()[1] < 2)
    return fn.emitError("mean_squared_error training needs (batch, classes) "
                        "outputs with at least two classes");
  auto mse = createInferred<MeanSquaredErrorOp>(b, loc, 1, output, targets);
  auto acc = mse ? createInferred<CategoricalAccuracyOp>(b, loc, 1, output,
                                                         targets)
                 : nullptr;
  if (!acc)
    return failure();
  lossOp = mse;
  loss = mse.output();
  correct = acc.output();
  return success();
}

LogicalResult BuildTrainStepPass::trainBatchNorm(BatchNormOp bn) {
  auto meanW = bn.moving_mean().getDefiningOp<WeightOp>();
  auto varW = bn.moving_variance().getDefiningOp<WeightOp>();
  int64_t rank = bn.input().getType().cast<RankedTensorType>().getRank();
  if (!meanW || !varW || static_cast<int64_t>(bn.axis()) != rank - 1)
    return bn.emitOpError("trains only with moving statistics held in "
                          "weights and normalising the last axis");
  // Keras runs a frozen BatchNormalization (trainable=False: its gamma and
  // beta are non-trainable) in inference mode: the moving statistics
  // normalise, and they are not updated.
  auto frozen = [](Value v) {
    auto w = v ? v.getDefiningOp<WeightOp>() : WeightOp();
    return w && !w.isTrainable();
  };
  if (frozen(bn.gamma()) || frozen(bn.beta()))
    return success();
  OpBuilder b(bn);
  Location loc = bn.getLoc();
  auto moments = createInferred<MomentsOp>(b, loc, 2, bn.input());
  if (!moments)
    return failure();
  bn->setOperand(1, moments.mean());
  bn->setOperand(2, moments.variance());
  double momentum = bn.momentum().convertToDouble();
  auto scalar = RankedTensorType::get({}, b.getF32Type());
  auto constant = [&](double v) {
    return b.create<kiln::nn::ConstantOp>(
                loc, scalar,
                DenseElementsAttr::get(scalar, static_cast<float>(v)))
        .output();
  };
  Value keep = constant(momentum), take = constant(1 - momentum);
  for (auto [stat, weight] : {std::pair<Value, WeightOp>{moments.mean(), meanW},
                              {moments.variance(), varW}}) {
    auto old = createInferred<MulOp>(b, loc, 1, weight.output(), keep);
    auto fresh = createInferred<MulOp>(b, loc, 1, stat, take);
    if (!old || !fresh)
      return failure();
    auto next = createInferred<AddOp>(b, loc, 1, old.output(), fresh.output());
    if (!next)
      return failure();
    b.create<AssignOp>(loc, weight.nameAttr(), next.output());
  }
  return success();
}

LogicalResult BuildTrainStepPass::differentiate(FuncOp fn, Operation *lossOp,
                                                llvm::DenseMap<Value, Value> &grads) {
  Block &body = fn.getBody().front();
  OpBuilder b(body.getTerminator());
  // The loss's gradient: the seed of the batch mean (the loss op's own
  // gradient divides by the batch size).
  grads[lossOp->getResult(0)] = lossOp->getResult(0);
  std::vector<Operation *> forwardOps;
  for (Operation &op : body)
    forwardOps.push_back(&op);
  bool started = false;
  for (auto it = forwardOps.rbegin(); it != forwardOps.rend(); ++it) {
    Operation *op = *it;
    if (op == lossOp)
      started = true;
    if (!started)
      continue;
    SmallVector<Value, 2> resultGrads;
    bool any = false;
    for (Value r : op->getResults()) {
      resultGrads.push_back(grads.lookup(r));
      any |= bool(resultGrads.back());
    }
    if (!any || isa<WeightOp>(op))
      continue;
    auto differentiable = dyn_cast<GradientOpInterface>(op);
    if (!differentiable)
      return op->emitOpError("has no gradient (kiln cannot train through it "
                             "yet)");
    SmallVector<Value, 3> operandGrads;
    if (failed(differentiable.buildGradients(b, resultGrads, operandGrads)))
      return failure();
    for (auto [operand, g] : llvm::zip(op->getOperands(), operandGrads)) {
      if (!g || operand.isa<BlockArgument>())
        continue;
      Value &acc = grads[operand];
      if (!acc) {
        acc = g;
        continue;
      }
      auto add = createInferred<AddOp>(b, op->getLoc(), 1, acc, g);
      if (!add)
        return failure();
      acc = add.output();
    }
  }
  return success();
}

LogicalResult BuildTrainStepPass::applyOptimizer(FuncOp fn,
                                                 const TrainingConfig &config,
                                                 llvm::DenseMap<Value, Value> &grads) {
  Block &body = fn.getBody().front();
  OpBuilder b(body.getTerminator());
  Location loc = fn.getLoc();
  Type f32 = b.getF32Type();
  // Keras 3 names an optimizer's variables "<opt>/iteration" and
  // "<opt>/<var>_<slot>" (momentum, velocity).
  const std::string &opt = config.optimizer;
  auto state = [&](const std::string &name, Type type) {
    return b.create<WeightOp>(loc, type, b.getStringAttr(name),
                              b.getStringAttr("zeros"), nullptr, nullptr,
                              b.getBoolAttr(false))
        .output();
  };
  auto assign = [&](Location l, const std::string &name, Value v) {
    b.create<AssignOp>(l, b.getStringAttr(name), v);
  };
  Value iteration = state(opt + "/iteration", RankedTensorType::get({}, f32));
  SmallVector<WeightOp, 8> weights;
  fn.walk([&](WeightOp w) {
    if (w.isTrainable() && grads.lookup(w.output()))
      weights.push_back(w);
  });
  auto lr = b.getF64FloatAttr(config.learningRate);
  for (WeightOp w : weights) {
    std::string flat = w.name().str();
    std::replace(flat.begin(), flat.end(), '/', '_');
    std::string prefix = opt + "/" + flat;
    Value g = grads.lookup(w.output());
    Location l = w.getLoc();
    if (w.regularizer()) {
      double l1, l2;
      if (failed(readRegularizer(w, l1, l2)))
        return failure();
      auto pg = createInferred<WeightPenaltyGradOp>(
          b, l, 1, w.output(), g, b.getF64FloatAttr(l1), b.getF64FloatAttr(l2));
      if (!pg)
        return failure();
      g = pg.output();
    }
    if (opt == "adam") {
      Value m = state(prefix + "_momentum", w.getType());
      Value v = state(prefix + "_velocity", w.getType());
      auto u = createInferred<AdamUpdateOp>(
          b, l, 3, w.output(), g, m, v, iteration, lr,
          b.getF64FloatAttr(config.beta1), b.getF64FloatAttr(config.beta2),
          b.getF64FloatAttr(config.epsilon));
      if (!u)
        return failure();
      assign(l, w.name().str(), u.new_weight());
      assign(l, prefix + "_momentum", u.new_m());
      assign(l, prefix + "_velocity", u.new_v());
    } else if (opt == "sgd") {
      Value v = state(prefix + "_momentum", w.getType());
      auto u = createInferred<SGDUpdateOp>(
          b, l, 2, w.output(), g, v, lr, b.getF64FloatAttr(config.momentum),
          b.getBoolAttr(config.nesterov));
      if (!u)
        return failure();
      assign(l, w.name().str(), u.new_weight());
      assign(l, prefix + "_momentum", u.new_velocity());
    } else {
      Value v = state(prefix + "_velocity", w.getType());
      auto u = createInferred<RMSpropUpdateOp>(
          b, l, 2, w.output(), g, v, lr, b.getF64FloatAttr(config.rho),
          b.getF64FloatAttr(config.epsilon));
      if (!u)
        return failure();
      assign(l, w.name().str(), u.new_weight());
      assign(l, prefix + "_velocity", u.new_velocity());
    }
  }
  auto scalar = RankedTensorType::get({}, f32);
  auto one = b.create<kiln::nn::ConstantOp>(
      loc, scalar, DenseElementsAttr::get(scalar, 1.0f));
  auto next = createInferred<AddOp>(b, loc, 1, iteration, one.output());
  if (!next)
    return failure();
  assign(loc, opt + "/iteration", next.output());
  return success();
}

void BuildTrainStepPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto forward = module.lookupSymbol<FuncOp>("forward");
  if (!forward) {
    module.emitError("nn-build-train-step needs a function @forward");
    return signalPassFailure();
  }
  if (forward.getNumArguments() != 1 || forward.getNumResults() != 1) {
    forward.emitError("training needs a model with one input and one output");
    return signalPassFailure();
  }
  for (StringRef name : {"train_step", "eval_step"})
    if (module.lookupSymbol(name)) {
      module.emitError("the module already has @") << name;
      return signalPassFailure();
    }
  TrainingConfig config;
  if (failed(readConfig(module, config)))
    return signalPassFailure();
  Operation *lossOp = nullptr;
  FuncOp train = buildLoss(forward, "train_step", true, config, lossOp);
  if (!train)
    return signalPassFailure();
  llvm::DenseMap<Value, Value> grads;
  if (failed(differentiate(train, lossOp, grads)) ||
      failed(applyOptimizer(train, config, grads)))
    return signalPassFailure();
  Operation *evalLoss = nullptr;
  if (!buildLoss(forward, "eval_step", false, config, evalLoss))
    return signalPassFailure();
}

} // namespace

std::unique_ptr<Pass> kiln::createBuildTrainStepPass() {
  return std::make_unique<BuildTrainStepPass>();
}
