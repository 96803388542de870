//===- GradientTest.cpp - Training gradients against finite differences ---===//
//
// Small models written as Keras scripts cover every differentiated op the
// seed and its relatives use: conv2d (valid and same, stride 2, dilation 2,
// with and without bias, stacked so that conv2d_backprop_input runs),
// max_pool2d, dense with and without bias, relu (fused and as a layer),
// flatten and reshape, add of a value used twice, dropout at rate 0 and the
// fused softmax + categorical cross-entropy; average pooling (valid and
// same), global average and max pooling, concatenation, zero padding,
// subtract, multiply, maximum and minimum, add/sub/mul/div broadcasting a
// vector or a scalar, softmax and log_softmax inside
// the model; and Keras's L1/L2/L1L2 weight regularizers, whose
// penalty is part of the evaluation loss differentiated here.
//
// nn-build-train-step runs with SGD at learning rate 1 (momentum 0), so one
// training step turns w into w - g and the gradient is read back as
// g = w - w'. It is compared element by element with central differences of
// the evaluation step's mean loss. Each difference is taken at two step
// sizes; where they disagree the loss is not smooth there (a relu or a pool
// window switched) and the element is skipped, which may happen to a few
// elements only. A last test checks Adam's first step against Keras's
// formula computed here from the same gradient.
//
//===----------------------------------------------------------------------===//
#include "tests/unit/e2e/E2eUtil.h"

#include "passes/Passes.h"
#include "runtime/exec/PlanModel.h"
#include "tools/Weights.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>

namespace kiln::e2e {
namespace {

using runtime::PlanModel;

/// A model compiled for training: its module, kernels and PlanModel.
struct Trainable {
  std::unique_ptr<Model> model;
  std::optional<KernelProgram> train, eval;
  std::unique_ptr<KernelLibrary> lib;
  std::unique_ptr<PlanModel> pm;
};

bool isOptimizerState(const std::string &name) {
  for (const char *p : {"adam/", "sgd/", "rmsprop/"})
    if (name.rfind(p, 0) == 0)
      return true;
  return false;
}

/// Builds `script` (a Keras script, or nn IR with `ext` ".mlir") for
/// training with the pass `options`; the weights are the initial ones with
/// biases drawn from U(-0.2, 0.2) instead of zeros.
Trainable build(const std::string &name, const std::string &script,
                const std::string &options, const std::string &ext = ".py") {
  useTestKernelCache();
  Trainable t;
  t.model = load(writeTemp(name + ext, script));
  EXPECT_TRUE(t.model) << name;
  if (!t.model)
    return t;
  mlir::ModuleOp module = t.model->module();
  mlir::SourceMgrDiagnosticHandler handler(*t.model->sm, t.model->ctx.get(),
                                           llvm::errs());
  mlir::PassManager pm(t.model->ctx.get());
  auto pass = createBuildTrainStepPass();
  EXPECT_TRUE(mlir::succeeded(pass->initializeOptions(options))) << options;
  pm.addPass(std::move(pass));
  if (mlir::failed(pm.run(module))) {
    ADD_FAILURE() << "nn-build-train-step failed on " << name;
    return t;
  }
  auto train = lowerToKernels(module.lookupSymbol<mlir::FuncOp>("train_step"));
  auto eval = lowerToKernels(module.lookupSymbol<mlir::FuncOp>("eval_step"));
  if (!train || !eval) {
    ADD_FAILURE() << "cannot lower the steps of " << name;
    return t;
  }
  auto kernels = train->kernels;
  kernels.insert(eval->kernels.begin(), eval->kernels.end());
  auto lib = KernelLibrary::load(kernels, "host", false);
  if (!lib.ok()) {
    ADD_FAILURE() << lib.status().message();
    return t;
  }
  auto weights = initialWeights(module, 1);
  if (!weights.ok()) {
    ADD_FAILURE() << weights.status().message();
    return t;
  }
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(-0.2f, 0.2f);
  for (auto &[wname, w] : weights->tensors)
    if (wname.size() > 5 && wname.compare(wname.size() - 5, 5, "/bias") == 0)
      for (int64_t i = 0; i < w.numElements(); ++i)
        w.data<float>()[i] = u(rng);
  auto pm2 = PlanModel::create(train->plan, eval->plan, (*lib)->resolver(),
                               std::move(weights->tensors));
  if (!pm2.ok()) {
    ADD_FAILURE() << pm2.status().message();
    return t;
  }
  t.train = std::move(train);
  t.eval = std::move(eval);
  t.lib = std::move(*lib);
  t.pm = std::move(*pm2);
  return t;
}

/// A batch of n random inputs in [-1, 1) with random one-hot targets.
struct Data {
  std::vector<float> x, y;
  int64_t n;
  runtime::Batch batch() const { return {x.data(), y.data(), n}; }
};

Data randomData(PlanModel &pm, int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  int64_t per = 1;
  for (int64_t d : pm.inputShape())
    per *= d;
  Data d{std::vector<float>(per * n), std::vector<float>(pm.numClasses() * n, 0),
         n};
  for (float &v : d.x)
    v = u(rng);
  for (int64_t i = 0; i < n; ++i)
    d.y[i * pm.numClasses() + rng() % pm.numClasses()] = 1;
  return d;
}

using Values = std::map<std::string, std::vector<float>>;

/// Copies of the model's weights (not the optimizer's state).
Values snapshot(PlanModel &pm) {
  Values out;
  for (auto &[name, t] : pm.weights())
    if (!isOptimizerState(name) && name.find("/moving_") == std::string::npos)
      out[name].assign(t.data<float>(), t.data<float>() + t.numElements());
  return out;
}

void restore(PlanModel &pm, const Values &values) {
  for (auto &[name, v] : values)
    std::copy(v.begin(), v.end(), pm.weights().at(name).data<float>());
}

/// The gradient of the batch-mean loss per weight: one SGD step at rate 1,
/// g = w - w'. The weights are restored afterwards.
Values sgdGradient(PlanModel &pm, const Data &data) {
  Values before = snapshot(pm);
  runtime::StepResult r;
  runtime::Status s = pm.trainStep(data.batch(), 0, r);
  EXPECT_TRUE(s.ok()) << s.message();
  Values g = snapshot(pm);
  for (auto &[name, v] : g)
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = before.at(name)[i] - v[i];
  restore(pm, before);
  return g;
}

/// Every weight and optimizer state, as vectors.
Values allValues(PlanModel &pm) {
  Values out;
  for (auto &[name, t] : pm.weights())
    out[name].assign(t.data<float>(), t.data<float>() + t.numElements());
  return out;
}

/// Models whose training forward differs from evaluation (batch
/// normalisation: batch statistics against moving ones) take the loss of
/// the training step itself, measured before its update, and undo the
/// update (weights, optimizer state, moving statistics) afterwards.
bool gTrainingModeLoss = false;

double meanLoss(PlanModel &pm, const Data &data) {
  runtime::StepResult r;
  if (gTrainingModeLoss) {
    Values all = allValues(pm);
    runtime::Status s = pm.trainStep(data.batch(), 0, r);
    EXPECT_TRUE(s.ok()) << s.message();
    for (auto &[name, v] : all)
      std::copy(v.begin(), v.end(), pm.weights().at(name).data<float>());
    return r.lossSum / data.n;
  }
  runtime::Status s = pm.evalStep(data.batch(), r);
  EXPECT_TRUE(s.ok()) << s.message();
  return r.lossSum / data.n;
}

/// The training step run by the references (tests/reference) gives the
/// same gradients as the compiled kernels: localises a wrong gradient to a
/// kernel (this differs) or to the IR's gradient rules (this agrees).
void checkTrainStepAgainstReferences(Trainable &t, const Data &data,
                                     const Values &g) {
  Values before = allValues(*t.pm);
  Values after;
  std::vector<float> step = {0.0f};
  auto outs = runPlanWithReferences(t.train->plan, t.train->kernels,
                                    int(data.n), {data.x, data.y, step}, before,
                                    &after);
  ASSERT_EQ(outs.size(), 2u);
  for (auto &[name, grad] : g) {
    std::vector<float> ref(grad.size());
    for (size_t i = 0; i < grad.size(); ++i)
      ref[i] = before.at(name)[i] - after.at(name)[i];
    EXPECT_LE(relativeError(grad, ref), 1e-3)
        << name << ": kernels and references disagree on the gradient";
  }
}

/// Tolerances of the comparison, in the loss's units per weight unit.
constexpr double kAbsTol = 5e-4, kRelTol = 2e-2;

/// How one weight's gradient compared.
struct WeightCheck {
  int sampled = 0, smooth = 0, kinks = 0, bad = 0;
  /// Elements that would fail were the gradient 10% too large.
  int wouldCatch = 0;
  double maxFd = 0;
  std::string firstBad;
};

/// Compares `g` with central differences of the mean eval loss at up to
/// `samples` elements of each weight.
std::map<std::string, WeightCheck> checkGradients(PlanModel &pm,
                                                  const Data &data,
                                                  const Values &g,
                                                  int samples = 24) {
  std::map<std::string, WeightCheck> result;
  std::mt19937 rng(4);
  for (auto &[name, grad] : g) {
    float *w = pm.weights().at(name).data<float>();
    std::vector<size_t> idx(grad.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::shuffle(idx.begin(), idx.end(), rng);
    idx.resize(std::min<size_t>(idx.size(), samples));
    WeightCheck &c = result[name];
    for (size_t i : idx) {
      float w0 = w[i];
      // The loss at w0 + e, with e as actually represented in float32.
      auto at = [&](float e, double &step) {
        w[i] = w0 + e;
        step = double(w[i]) - double(w0);
        double l = meanLoss(pm, data);
        w[i] = w0;
        return l;
      };
      auto central = [&](float e) {
        double su, sd;
        double up = at(e, su), down = at(-e, sd);
        return (up - down) / (su - sd);
      };
      ++c.sampled;
      // One-sided and central differences at e = 1e-3 (below, the loss's
      // float32 noise dominates).
      double s0, su, sd;
      double l0 = at(0, s0), up = at(1e-3f, su), down = at(-1e-3f, sd);
      double right = (up - l0) / su, left = (l0 - down) / -sd;
      double fd = (up - down) / (su - sd);
      double tol = kAbsTol + kRelTol * std::fabs(fd);
      c.maxFd = std::max(c.maxFd, std::fabs(fd));
      bool bad;
      if (std::fabs(right - left) <= tol) {
        // 1. Smooth around w0: the gradient is the central difference.
        ++c.smooth;
        bad = std::fabs(grad[i] - fd) > tol;
        if (std::fabs(1.1 * grad[i] - fd) > tol)
          ++c.wouldCatch;
      } else {
        // 2. A kink within the step (a relu input or a pool window's
        //    maximum switching; at w0 itself when a relu input is exactly
        //    0, where TF takes relu'(0) = 0): the gradient must lie between
        //    the one-sided slopes.
        ++c.kinks;
        bad = grad[i] < std::min(left, right) - tol ||
              grad[i] > std::max(left, right) + tol;
      }
      if (bad && c.bad++ == 0)
        c.firstBad = "element " + std::to_string(i) + ": gradient " +
                     std::to_string(grad[i]) + ", finite difference " +
                     std::to_string(fd) + " (right " + std::to_string(right) +
                     ", left " + std::to_string(left) + ")";
    }
  }
  return result;
}

/// Runs the whole check on `script`.
void checkModel(const std::string &name, const std::string &script,
                int64_t n = 4, const std::string &ext = ".py") {
  Trainable t = build(name, script, "optimizer=sgd learning-rate=1", ext);
  ASSERT_TRUE(t.pm);
  Data data = randomData(*t.pm, n, 8);
  Values g = sgdGradient(*t.pm, data);
  ASSERT_FALSE(g.empty());
  checkTrainStepAgainstReferences(t, data, g);
  auto checks = checkGradients(*t.pm, data, g);
  int sampled = 0, smooth = 0, wouldCatch = 0;
  for (auto &[wname, c] : checks) {
    SCOPED_TRACE(name + ": " + wname);
    EXPECT_EQ(c.bad, 0) << c.bad << " of " << c.sampled
                        << " elements differ; first " << c.firstBad;
    // The comparison means something: the gradient is not all ~0.
    EXPECT_GT(c.maxFd, 1e-3);
    sampled += c.sampled;
    smooth += c.smooth;
    wouldCatch += c.wouldCatch;
  }
  // Kinks are a minority (they crowd the first layer, whose every weight
  // moves many relus), and the tolerances would have caught a gradient 10%
  // off at a good part of the smooth elements.
  EXPECT_GE(smooth * 2, sampled) << "only " << smooth << " of " << sampled
                                 << " elements smooth";
  EXPECT_GE(wouldCatch * 3, smooth)
      << "tolerances too loose: " << wouldCatch << " of " << smooth;
}

const char *kHeader = "import keras\nfrom keras import layers\n";

TEST(Gradient, StackedConvolutionsPoolDense) {
  // valid 3x3 + bias + relu; same 3x3 stride 2, no bias, relu; same 2x2
  // dilation 2 + bias; max pool; flatten; dense + relu; dense + softmax.
  checkModel("grad_convs", std::string(kHeader) + R"py(
model = keras.Sequential([
    keras.Input(shape=(9, 9, 2)),
    layers.Conv2D(4, kernel_size=(3, 3), activation="relu"),
    layers.Conv2D(3, 3, strides=2, padding="same", use_bias=False,
                  activation="relu"),
    layers.Conv2D(4, 2, dilation_rate=2, padding="same"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Flatten(),
    layers.Dense(5, activation="relu"),
    layers.Dense(3, activation="softmax"),
])
model.compile(loss="categorical_crossentropy", optimizer="sgd")
)py");
}

TEST(Gradient, ResidualAddReshapeDropout) {
  // x feeds both the second conv and the add: its gradient is a sum.
  checkModel("grad_residual", std::string(kHeader) + R"py(
inputs = keras.Input(shape=(6, 6, 3))
x = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
y = layers.Conv2D(4, 3, padding="same")(x)
x = layers.Add()([x, y])
x = layers.Activation("relu")(x)
x = layers.Conv2D(2, 2, strides=2, padding="valid")(x)
x = layers.Reshape((18,))(x)
x = layers.Dropout(0.0)(x)
x = layers.Dense(6, use_bias=False)(x)
outputs = layers.Dense(3, activation="softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(loss="categorical_crossentropy", optimizer="sgd")
)py");
}

TEST(Gradient, PoolStridesAndOddSizes) {
  // Odd sizes (the pool drops a row and a column), stride-2 valid conv with
  // dilation 1 after a pool, batch of 5.
  checkModel("grad_pools", std::string(kHeader) + R"py(
model = keras.Sequential([
    keras.Input(shape=(11, 11, 1)),
    layers.Conv2D(3, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Conv2D(4, 3, strides=2, activation="relu"),
    layers.Flatten(),
    layers.Dropout(0.0),
    layers.Dense(4, activation="softmax"),
])
model.compile(loss="categorical_crossentropy", optimizer="sgd")
)py",
             5);
}

TEST(Gradient, BatchNormalizationTrainsOnBatchStatistics) {
  // Batch normalisation in training: normalised by the batch's moments,
  // whose dependence on the input is part of dx; with and without scale.
  // (A bias right before a batch normalisation has no gradient: the
  // normalisation removes any shift, hence use_bias=False there.)
  gTrainingModeLoss = true;
  checkModel("grad_batchnorm", std::string(kHeader) + R"py(
model = keras.Sequential([
    keras.Input(shape=(6, 6, 2)),
    layers.Conv2D(4, 3, use_bias=False),
    layers.BatchNormalization(),
    layers.Activation("relu"),
    layers.Conv2D(3, 2, use_bias=False),
    layers.BatchNormalization(scale=False),
    layers.Activation("relu"),
    layers.Flatten(),
    layers.Dense(3, activation="softmax"),
])
model.compile(loss="categorical_crossentropy", optimizer="sgd")
)py", 5);
  gTrainingModeLoss = false;
}

TEST(Gradient, FrozenLayersPassGradientsAndKeepTheirWeights) {
  // Keras's trainable=False: a frozen BatchNormalization normalises with its
  // moving statistics and updates nothing, a frozen Dense keeps its weights,
  // and the gradient still flows through both to the trainable layers.
  const std::string script = std::string(kHeader) + R"py(
model = keras.Sequential([
    keras.Input(shape=(6, 6, 2)),
    layers.Conv2D(4, 3),
    layers.BatchNormalization(trainable=False),
    layers.Activation("tanh"),
    layers.Flatten(),
    layers.Dense(5, activation="tanh", trainable=False, name="frozen_dense"),
    layers.Dense(3, activation="softmax"),
])
model.compile(loss="categorical_crossentropy", optimizer="sgd")
)py";
  Trainable t = build("grad_frozen", script, "optimizer=sgd learning-rate=1");
  ASSERT_TRUE(t.pm);
  Data data = randomData(*t.pm, 4, 8);
  Values before = allValues(*t.pm);
  Values g = sgdGradient(*t.pm, data);
  Values trained;
  int frozen = 0;
  for (auto &[name, v] : g) {
    if (name.rfind("batch_normalization/", 0) == 0 ||
        name.rfind("frozen_dense/", 0) == 0) {
      ++frozen;
      for (float x : v)
        ASSERT_EQ(x, 0.0f) << name << " changed";
    } else {
      trained[name] = v;
    }
  }
  EXPECT_EQ(frozen, 4); // gamma, beta, kernel, bias
  EXPECT_EQ(trained.size(), 4u);
  // sgdGradient restored the weights; the moving statistics never moved.
  runtime::StepResult r;
  ASSERT_TRUE(t.pm->trainStep(data.batch(), 0, r).ok());
  Values after = allValues(*t.pm);
  for (const char *stat : {"batch_normalization/moving_mean",
                           "batch_normalization/moving_variance"})
    EXPECT_EQ(after.at(stat), before.at(stat)) << stat;
  restore(*t.pm, before);
  for (auto &[wname, c] : checkGradients(*t.pm, data, trained)) {
    SCOPED_TRACE(wname);
    EXPECT_EQ(c.bad, 0) << c.bad << " of " << c.sampled
                        << " elements differ; first " << c.firstBad;
    EXPECT_GT(c.maxFd, 1e-3);
  }
}

TEST(Gradient, MeanSquaredErrorOnALinearOutput) {
  // mean_squared_error on the raw outputs of a dense layer.
  checkModel("grad_mse", std::string(kHeader) + R"py(
model = keras.Sequential([
    keras.Input(shape=(5, 5, 1)),
    layers.Conv2D(3, 3, activation="relu"),
    layers.Flatten(),
    layers.Dense(4),
])
model.compile(loss="mean_squared_error", optimizer="sgd")
)py");
}

TEST(Gradient, BinaryCrossentropyOnASigmoid) {
  // binary_crossentropy on a sigmoid output, computed from the logits.
  checkModel("grad_bce", std::string(kHeader) + R"py(
model = keras.Sequential([
    keras.Input(shape=(5, 5, 1)),
    layers.Conv2D(3, 3, activation="relu"),
    layers.Flatten(),
    layers.Dense(2, activation="sigmoid"),
])
model.compile(loss="binary_crossentropy", optimizer="sgd")
)py");
}

TEST(Gradient, ActivationsFromTheTable) {
  // The unary activations differentiate through the shared table: each
  // layer below uses one (leaky_relu with its slope).
  checkModel("grad_activations", std::string(kHeader) + R"py(
model = keras.Sequential([
    keras.Input(shape=(6,)),
    layers.Dense(6, activation="tanh"),
    layers.Dense(6, activation="sigmoid"),
    layers.Dense(6, activation="elu"),
    layers.Dense(6, activation="gelu"),
    layers.Dense(6, activation="softplus"),
    layers.LeakyReLU(negative_slope=0.2),
    layers.Dense(6, activation="swish"),
    layers.Dense(3, activation="softmax"),
])
model.compile(loss="categorical_crossentropy", optimizer="sgd")
)py");
}

TEST(Gradient, AveragePoolingConcatenateZeroPadding) {
  // SqueezeNet's fire module (concatenated 1x1 and 3x3 expansions) and
  // global average pooling before a softmax Activation; ResNet's
  // AveragePooling2D; zero padding; average pools with both paddings and
  // overlapping windows.
  checkModel("grad_avgpool_concat", std::string(kHeader) + R"py(
inputs = keras.Input(shape=(7, 7, 2))
x = layers.ZeroPadding2D(padding=((1, 0), (0, 2)))(inputs)
x = layers.Conv2D(4, 3, activation="relu")(x)
x = layers.AveragePooling2D(pool_size=3, strides=2, padding="same")(x)
a = layers.Conv2D(3, 1, activation="relu")(x)
b = layers.Conv2D(2, 3, padding="same", activation="relu")(x)
x = layers.Concatenate()([a, b])
x = layers.AveragePooling2D(pool_size=2, strides=1)(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Activation("softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(loss="categorical_crossentropy", optimizer="sgd")
)py");
}

TEST(Gradient, GlobalMaxPoolSubtractMultiplyMaximumMinimum) {
  checkModel("grad_globalmax_merge", std::string(kHeader) + R"py(
inputs = keras.Input(shape=(5, 5, 2))
x = layers.Conv2D(4, 3, padding="same")(inputs)
y = layers.Conv2D(4, 1)(inputs)
d = layers.Subtract()([x, y])
m = layers.Multiply()([d, y])
x = layers.GlobalMaxPooling2D()(m)
a = layers.Dense(4)(x)
b = layers.Dense(4)(x)
x = layers.Maximum()([a, b])
x = layers.Minimum()([x, layers.Dense(4)(a)])
outputs = layers.Dense(3, activation="softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(loss="categorical_crossentropy", optimizer="sgd")
)py");
}

TEST(Gradient, BroadcastingAddSubMulDivOfWeights) {
  // nn IR (no Keras layer broadcasts): a [4] vector and [] scalars
  // broadcast onto (N, 3, 3, 4); their gradients are sums over the
  // broadcast axes.
  checkModel("grad_broadcast", R"mlir(
module attributes {nn.compile = {loss = "categorical_crossentropy", optimizer = "sgd"}} {
  func @forward(%x: tensor<?x3x3x2xf32>) -> tensor<?x3xf32> {
    %k = nn.weight "c/kernel" {initializer = "glorot_uniform"} : tensor<1x1x2x4xf32>
    %c = nn.conv2d %x, %k {strides = [1, 1], padding = "valid", dilation = [1, 1]} : (tensor<?x3x3x2xf32>, tensor<1x1x2x4xf32>) -> tensor<?x3x3x4xf32>
    %v = nn.weight "v/bias" {initializer = "zeros"} : tensor<4xf32>
    %a = nn.add %c, %v : (tensor<?x3x3x4xf32>, tensor<4xf32>) -> tensor<?x3x3x4xf32>
    %s = nn.weight "s/bias" {initializer = "zeros"} : tensor<f32>
    %d = nn.sub %s, %a : (tensor<f32>, tensor<?x3x3x4xf32>) -> tensor<?x3x3x4xf32>
    %q = nn.weight "q/scale" {initializer = "ones"} : tensor<4xf32>
    %m = nn.mul %q, %d : (tensor<4xf32>, tensor<?x3x3x4xf32>) -> tensor<?x3x3x4xf32>
    %r = nn.weight "r/scale" {initializer = "ones"} : tensor<f32>
    %e = nn.div %m, %r : (tensor<?x3x3x4xf32>, tensor<f32>) -> tensor<?x3x3x4xf32>
    %f = nn.flatten %e : (tensor<?x3x3x4xf32>) -> tensor<?x36xf32>
    %w = nn.weight "d/kernel" {initializer = "glorot_uniform"} : tensor<36x3xf32>
    %z = nn.dense %f, %w : (tensor<?x36xf32>, tensor<36x3xf32>) -> tensor<?x3xf32>
    %o = nn.softmax %z {axis = -1 : i64} : (tensor<?x3xf32>) -> tensor<?x3xf32>
    return %o : tensor<?x3xf32>
  }
}
)mlir",
             4, ".mlir");
}

TEST(Gradient, WeightRegularizersAddTheirPenalty) {
  // The evaluation loss holds l1 sum|w| + l2 sum w^2 once per batch (as
  // Keras's reported loss), so its finite differences hold the penalty's
  // gradient l1 sign(w) + 2 l2 w.
  checkModel("grad_regularizers", std::string(kHeader) + R"py(
model = keras.Sequential([
    keras.Input(shape=(5, 5, 2)),
    layers.Conv2D(3, 3, activation="relu",
                  kernel_regularizer=keras.regularizers.L1L2(l1=0.02, l2=0.3)),
    layers.Flatten(),
    layers.Dense(4, activation="relu",
                 kernel_regularizer=keras.regularizers.L2(0.2),
                 bias_regularizer=keras.regularizers.L1(0.05)),
    layers.Dense(3, activation="softmax", kernel_regularizer="l2"),
])
model.compile(loss="categorical_crossentropy", optimizer="sgd")
)py");
}

TEST(Gradient, WeightPenaltyIsInTheReportedLossOncePerBatch) {
  // Keras: loss = mean over the batch of the per-sample loss + penalty.
  // The same model with and without the regularizer, same weights: the
  // difference of the mean losses is l2 sum(w^2) at any batch size.
  const char *with = R"py(
model = keras.Sequential([
    keras.Input(shape=(4,)),
    layers.Dense(3, activation="softmax",
                 kernel_regularizer=keras.regularizers.L2(0.25)),
])
model.compile(loss="categorical_crossentropy", optimizer="sgd")
)py";
  const char *without = R"py(
model = keras.Sequential([
    keras.Input(shape=(4,)),
    layers.Dense(3, activation="softmax"),
])
model.compile(loss="categorical_crossentropy", optimizer="sgd")
)py";
  Trainable a = build("penalty_with", std::string(kHeader) + with,
                      "optimizer=sgd learning-rate=1");
  Trainable b = build("penalty_without", std::string(kHeader) + without,
                      "optimizer=sgd learning-rate=1");
  ASSERT_TRUE(a.pm && b.pm);
  Values w = snapshot(*a.pm);
  restore(*b.pm, w);
  double sq = 0;
  for (float v : w.at("dense/kernel"))
    sq += double(v) * v;
  for (int64_t n : {1, 6}) {
    Data data = randomData(*a.pm, n, 3);
    EXPECT_NEAR(meanLoss(*a.pm, data) - meanLoss(*b.pm, data), 0.25 * sq,
                1e-5)
        << "batch " << n;
  }
}

TEST(Gradient, SoftmaxAndLogSoftmaxInsideTheModel) {
  // A softmax the loss does not follow, and a log_softmax, differentiate
  // from their outputs (the last softmax is fused into the loss).
  checkModel("grad_softmax_inside", std::string(kHeader) + R"py(
model = keras.Sequential([
    keras.Input(shape=(6,)),
    layers.Dense(5),
    layers.Activation("softmax"),
    layers.Dense(4),
    layers.Activation("log_softmax"),
    layers.Dense(3, activation="softmax"),
])
model.compile(loss="categorical_crossentropy", optimizer="sgd")
)py");
}

TEST(Gradient, AdamFirstStepMatchesKeras) {
  const std::string script = std::string(kHeader) + R"py(
model = keras.Sequential([
    keras.Input(shape=(6, 6, 2)),
    layers.Conv2D(3, 3, activation="relu"),
    layers.Flatten(),
    layers.Dense(3, activation="softmax"),
])
model.compile(loss="categorical_crossentropy", optimizer="adam")
)py";
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-7;
  Trainable sgd = build("adam_sgd", script, "optimizer=sgd learning-rate=1");
  Trainable adam = build("adam", script, "optimizer=adam learning-rate=0.01");
  ASSERT_TRUE(sgd.pm && adam.pm);
  Data data = randomData(*sgd.pm, 4, 3);
  Values g = sgdGradient(*sgd.pm, data);
  Values w0 = snapshot(*adam.pm);
  ASSERT_EQ(w0.size(), g.size());
  runtime::StepResult r;
  runtime::Status s = adam.pm->trainStep(data.batch(), 0, r);
  ASSERT_TRUE(s.ok()) << s.message();
  Values w1 = snapshot(*adam.pm);
  double lrT = lr * std::sqrt(1 - b2) / (1 - b1);
  for (auto &[name, grad] : g) {
    SCOPED_TRACE(name);
    std::string flat = name;
    std::replace(flat.begin(), flat.end(), '/', '_');
    const float *m = adam.pm->weights().at("adam/" + flat + "_momentum").data<float>();
    const float *v = adam.pm->weights().at("adam/" + flat + "_velocity").data<float>();
    int bad = 0;
    for (size_t i = 0; i < grad.size(); ++i) {
      double gi = grad[i];
      double mi = (1 - b1) * gi, vi = (1 - b2) * gi * gi;
      double want = w0.at(name)[i] - lrT * mi / (std::sqrt(vi) + eps);
      // g is read back through float32 weights: allow its rounding.
      bool ok = std::fabs(w1.at(name)[i] - want) <= 1e-4 * lr + 1e-6 &&
                std::fabs(m[i] - mi) <= 1e-6 + 1e-4 * std::fabs(mi) &&
                std::fabs(v[i] - vi) <= 1e-9 + 1e-3 * vi;
      if (!ok && bad++ == 0)
        ADD_FAILURE() << "element " << i << ": g " << gi << ", w' "
                      << w1.at(name)[i] << " (want " << want << "), m " << m[i]
                      << " (want " << mi << "), v " << v[i] << " (want " << vi
                      << ")";
    }
    EXPECT_EQ(bad, 0);
  }
  EXPECT_EQ(adam.pm->weights().at("adam/iteration").data<float>()[0], 1.0f);
}

} // namespace
} // namespace kiln::e2e
