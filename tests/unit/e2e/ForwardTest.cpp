//===- ForwardTest.cpp - Whole models' @forward against the references ----===//
//
// Each model (the seed script and the Keras JSON files of tests/inputs/json)
// is loaded, given its initial weights (constant ones, such as biases and
// batch-norm statistics, perturbed so that every path carries information),
// lowered to a plan and run by the Executor over the compiled kernels. The
// same plan is then executed call by call by the naive references
// (runPlanWithReferences), and the outputs must agree to 1e-4 relative to
// their largest magnitude. The seed is also checked against a forward pass
// written out here in plain loops from its weights, independent of the plan.
//
//===----------------------------------------------------------------------===//
#include "tests/unit/e2e/E2eUtil.h"

#include "codegen/ir/KernelLibrary.h"
#include "codegen/ir/LowerToKernels.h"
#include "runtime/Tensor.h"
#include "runtime/exec/Executor.h"
#include "tools/Weights.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <random>

namespace kiln::e2e {
namespace {

using WeightMap = std::map<std::string, std::vector<float>>;

/// The model's initial weights as vectors; a tensor whose values are all
/// equal (zeros, ones) gets uniform noise of +-0.3 added.
WeightMap perturbedWeights(mlir::ModuleOp module, uint64_t seed) {
  WeightMap out;
  auto w = initialWeights(module, seed);
  EXPECT_TRUE(w.ok()) << w.status().message();
  if (!w.ok())
    return out;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> noise(-0.3f, 0.3f);
  for (auto &[name, t] : w->tensors) {
    const float *p = t.data<float>();
    std::vector<float> v(p, p + t.numElements());
    bool constant = std::all_of(v.begin(), v.end(),
                                [&](float x) { return x == v.front(); });
    if (constant)
      for (float &x : v)
        x += noise(rng);
    out.emplace(name, std::move(v));
  }
  return out;
}

/// 64-byte aligned copies for the executor (the kernels' contract).
std::map<std::string, runtime::Tensor> alignedCopies(const WeightMap &weights) {
  std::map<std::string, runtime::Tensor> out;
  for (auto &[name, v] : weights) {
    auto t = runtime::Tensor::create(runtime::DType::F32,
                                     {int64_t(v.size())});
    EXPECT_TRUE(t.ok());
    if (!t.ok())
      break;
    std::copy(v.begin(), v.end(), t->data<float>());
    out.emplace(name, std::move(*t));
  }
  return out;
}

std::vector<float> randomVector(size_t count, std::mt19937 &rng) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> v(count);
  for (float &x : v)
    x = u(rng);
  return v;
}

/// Runs @forward of `path` by the Executor and by the references at each
/// batch size and compares every output.
void checkForward(const std::string &path, std::vector<int> batches) {
  useTestKernelCache();
  auto model = load(path);
  ASSERT_TRUE(model) << path;
  auto func = model->module().lookupSymbol<mlir::FuncOp>("forward");
  ASSERT_TRUE(func) << "no @forward in " << path;
  auto program = lowerToKernels(func);
  ASSERT_TRUE(program) << "cannot lower " << path;
  WeightMap weights = perturbedWeights(model->module(), 11);
  ASSERT_FALSE(weights.empty());

  auto lib = KernelLibrary::load(program->kernels, "host", false);
  ASSERT_TRUE(lib.ok()) << lib.status().message();
  auto ex = runtime::Executor::create(program->plan, (*lib)->resolver());
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  std::map<std::string, runtime::Tensor> bound = alignedCopies(weights);
  for (auto &[name, t] : bound) {
    if (program->plan.find(name) < 0)
      continue;
    ASSERT_TRUE((*ex)->bindWeight(name, t.data<float>()).ok()) << name;
  }
  ASSERT_TRUE((*ex)->unboundWeights().empty());

  const runtime::Plan &plan = program->plan;
  std::mt19937 rng(5);
  for (int n : batches) {
    SCOPED_TRACE("batch " + std::to_string(n));
    std::vector<std::vector<float>> inputs;
    std::vector<const float *> inPtrs;
    for (int t : plan.inputs)
      inputs.push_back(randomVector(plan.tensors[t].elementsPerSample() * n, rng));
    for (auto &v : inputs)
      inPtrs.push_back(v.data());
    std::vector<std::vector<float>> outputs;
    std::vector<float *> outPtrs;
    for (int t : plan.outputs)
      outputs.emplace_back(plan.tensors[t].elementsPerSample() * n, NAN);
    for (auto &v : outputs)
      outPtrs.push_back(v.data());
    runtime::Status s = (*ex)->run(n, inPtrs, outPtrs);
    ASSERT_TRUE(s.ok()) << s.message();

    auto expected =
        runPlanWithReferences(plan, program->kernels, n, inputs, weights);
    ASSERT_EQ(expected.size(), outputs.size());
    for (size_t o = 0; o < outputs.size(); ++o) {
      double err = relativeError(outputs[o], expected[o]);
      EXPECT_LE(err, 1e-4) << "output " << o << " of " << path;
      if (getenv("KILN_E2E_VERBOSE"))
        std::cerr << path << " batch " << n << " output " << o
                  << ": relative error " << err << "\n";
    }
  }
}

std::string jsonModel(const char *name) {
  return std::string(KILN_SOURCE_DIR) + "/tests/inputs/json/" + name;
}

TEST(Forward, SeedAgainstReferences) {
  checkForward(std::string(KILN_SOURCE_DIR) + "/examples/mnist_convnet.py",
               {1, 3});
}

TEST(Forward, Keras3CnnMnistAgainstReferences) {
  checkForward(jsonModel("keras3_seq_cnn_mnist.json"), {1, 3});
}

TEST(Forward, Keras2CnnBatchNormMnistAgainstReferences) {
  checkForward(jsonModel("keras2_seq_cnn_bn_mnist.json"), {1, 3});
}

TEST(Forward, Keras3CnnBatchNormCifar10AgainstReferences) {
  checkForward(jsonModel("keras3_seq_cnn_bn_cifar10.json"), {1, 3});
}

TEST(Forward, Keras2ResNetMalariaAgainstReferences) {
  checkForward(jsonModel("keras2_func_resnet_malaria.json"), {1, 3});
}

TEST(Forward, Keras2SqueezeNetAgainstReferences) {
  // 227x227x3: the naive references take about a second per image.
  checkForward(jsonModel("keras2_func_squeezenet.json"), {1});
}

//===----------------------------------------------------------------------===//
// The seed written out in plain loops, independent of plans and specs.
//===----------------------------------------------------------------------===//

/// Valid 3x3 conv with bias and relu: x[n,h,w,c], k[3,3,c,f] -> [n,h-2,w-2,f].
std::vector<double> convRelu(const std::vector<double> &x, int n, int h, int w,
                             int c, const std::vector<float> &k,
                             const std::vector<float> &b, int f) {
  int oh = h - 2, ow = w - 2;
  std::vector<double> y(size_t(n) * oh * ow * f);
  for (int s = 0; s < n; ++s)
    for (int i = 0; i < oh; ++i)
      for (int j = 0; j < ow; ++j)
        for (int o = 0; o < f; ++o) {
          double acc = b[o];
          for (int di = 0; di < 3; ++di)
            for (int dj = 0; dj < 3; ++dj)
              for (int ci = 0; ci < c; ++ci)
                acc += x[((size_t(s) * h + i + di) * w + j + dj) * c + ci] *
                       k[((di * 3 + dj) * c + ci) * f + o];
          y[((size_t(s) * oh + i) * ow + j) * f + o] = std::max(acc, 0.0);
        }
  return y;
}

/// 2x2 max pool, stride 2, valid (the odd last row and column dropped).
std::vector<double> pool2(const std::vector<double> &x, int n, int h, int w,
                          int c) {
  int oh = h / 2, ow = w / 2;
  std::vector<double> y(size_t(n) * oh * ow * c);
  for (int s = 0; s < n; ++s)
    for (int i = 0; i < oh; ++i)
      for (int j = 0; j < ow; ++j)
        for (int ci = 0; ci < c; ++ci) {
          double m = -INFINITY;
          for (int di = 0; di < 2; ++di)
            for (int dj = 0; dj < 2; ++dj)
              m = std::max(m, x[((size_t(s) * h + 2 * i + di) * w + 2 * j + dj) *
                                    c + ci]);
          y[((size_t(s) * oh + i) * ow + j) * c + ci] = m;
        }
  return y;
}

TEST(Forward, SeedAgainstPlainLoops) {
  useTestKernelCache();
  auto model = load(std::string(KILN_SOURCE_DIR) + "/examples/mnist_convnet.py");
  ASSERT_TRUE(model);
  auto program = lowerToKernels(model->module().lookupSymbol<mlir::FuncOp>("forward"));
  ASSERT_TRUE(program);
  WeightMap w = perturbedWeights(model->module(), 3);
  for (const char *name : {"conv2d/kernel", "conv2d/bias", "conv2d_1/kernel",
                           "conv2d_1/bias", "dense/kernel", "dense/bias"})
    ASSERT_TRUE(w.count(name)) << "the seed has no weight " << name;
  ASSERT_EQ(w.at("conv2d/kernel").size(), 3u * 3 * 1 * 32);
  ASSERT_EQ(w.at("conv2d_1/kernel").size(), 3u * 3 * 32 * 64);
  ASSERT_EQ(w.at("dense/kernel").size(), 1600u * 10);

  auto lib = KernelLibrary::load(program->kernels, "host", false);
  ASSERT_TRUE(lib.ok()) << lib.status().message();
  auto ex = runtime::Executor::create(program->plan, (*lib)->resolver());
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  std::map<std::string, runtime::Tensor> bound = alignedCopies(w);
  for (auto &[name, t] : bound)
    ASSERT_TRUE((*ex)->bindWeight(name, t.data<float>()).ok()) << name;

  const int n = 3;
  std::mt19937 rng(9);
  std::vector<float> x = randomVector(size_t(n) * 28 * 28, rng);
  std::vector<float> y(size_t(n) * 10, NAN);
  runtime::Status s = (*ex)->run(n, {x.data()}, {y.data()});
  ASSERT_TRUE(s.ok()) << s.message();

  // conv(32) -> relu -> pool -> conv(64) -> relu -> pool -> flatten ->
  // dropout (inference: identity) -> dense(10) -> softmax.
  std::vector<double> a(x.begin(), x.end());
  a = convRelu(a, n, 28, 28, 1, w.at("conv2d/kernel"), w.at("conv2d/bias"), 32);
  a = pool2(a, n, 26, 26, 32);
  a = convRelu(a, n, 13, 13, 32, w.at("conv2d_1/kernel"), w.at("conv2d_1/bias"),
               64);
  a = pool2(a, n, 11, 11, 64);
  ASSERT_EQ(a.size(), size_t(n) * 1600);
  const std::vector<float> &dk = w.at("dense/kernel"), &db = w.at("dense/bias");
  for (int b = 0; b < n; ++b) {
    double logits[10], mx = -INFINITY, sum = 0;
    for (int o = 0; o < 10; ++o) {
      logits[o] = db[o];
      for (int i = 0; i < 1600; ++i)
        logits[o] += a[size_t(b) * 1600 + i] * dk[size_t(i) * 10 + o];
      mx = std::max(mx, logits[o]);
    }
    for (double &l : logits)
      sum += (l = std::exp(l - mx));
    for (int o = 0; o < 10; ++o)
      EXPECT_NEAR(y[b * 10 + o], logits[o] / sum, 1e-5)
          << "sample " << b << " class " << o;
  }
  double total = 0;
  for (float v : y)
    total += v;
  EXPECT_NEAR(total, n, 1e-4);
}

} // namespace
} // namespace kiln::e2e
