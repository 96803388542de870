//===- bench_kernels.cpp - Time the seed model's kernels ------------------===//
//
// JIT-compiles each kernel of the seed MNIST model (and its gradients) with
// its family's default schedule (or --schedule JSON), runs it at batch 128
// on 64-byte aligned random buffers, and prints the median time of --runs
// runs after warm-up, as GFLOP/s (2 per multiply-add; 1 per window element
// for pools) and GB/s of boundary traffic. Figures go to docs/PERFORMANCE.md.
//
//   bench_kernels [--batch 128] [--runs 25] [--only NAME] [--schedule JSON]
//
//===----------------------------------------------------------------------===//
#include "codegen/KernelCompiler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace kiln::codegen;

namespace {

struct Layer {
  std::string name;
  KernelSpec spec;
};

Conv2DAttrs conv(int filters, bool relu) {
  Conv2DAttrs a;
  a.kernelH = a.kernelW = 3;
  a.filters = filters;
  a.activation = relu ? Activation::Relu : Activation::None;
  return a;
}

KernelSpec as(KernelSpec s, KernelFamily f) {
  s.family = f;
  return s;
}

std::vector<Layer> seedLayers() {
  PoolAttrs p;
  DenseAttrs d;
  d.units = 10;
  d.activation = Activation::Softmax;
  KernelSpec conv1 = KernelSpec::conv2d("conv1", 28, 28, 1, conv(32, true));
  KernelSpec conv2 = KernelSpec::conv2d("conv2", 13, 13, 32, conv(64, true));
  KernelSpec pool1 =
      KernelSpec::pool2d("pool1", KernelFamily::MaxPool2D, 26, 26, 32, p);
  KernelSpec pool2 =
      KernelSpec::pool2d("pool2", KernelFamily::MaxPool2D, 11, 11, 64, p);
  KernelSpec conv2pool = conv2;
  conv2pool.name = "conv2_pool2";
  conv2pool.fusedPool.enabled = true;
  // The training step's backward fusion: conv2's input gradient routed by
  // pool1's gradient and relu's (against conv2_bp_input + pool1_grad_relu).
  PoolAttrs pr = p;
  pr.reluMask = true;
  KernelSpec pool1GradRelu = KernelSpec::pool2d(
      "pool1_relu", KernelFamily::MaxPool2DGrad, 26, 26, 32, pr);
  KernelSpec bpInputPool = as(conv2, KernelFamily::Conv2DBackpropInput);
  bpInputPool.name = "conv2_bp_input_pool1";
  bpInputPool.fusedPoolGrad = {true, 26, 26, pr};
  return {
      {"conv1", conv1},
      {"pool1", pool1},
      {"conv2", conv2},
      {"pool2", pool2},
      {"dense", KernelSpec::denseLayer("dense", 1600, d)},
      {"conv2+pool2", conv2pool},
      {"pool2_grad", as(pool2, KernelFamily::MaxPool2DGrad)},
      {"conv2_bp_input", as(conv2, KernelFamily::Conv2DBackpropInput)},
      {"conv2_bp_filter", as(conv2, KernelFamily::Conv2DBackpropFilter)},
      {"conv2_bp_bias", as(conv2, KernelFamily::Conv2DBackpropBias)},
      {"pool1_grad", as(pool1, KernelFamily::MaxPool2DGrad)},
      {"pool1_grad_relu", pool1GradRelu},
      {"conv2_bp_input+pool1_grad_relu", bpInputPool},
      {"conv1_bp_filter", as(conv1, KernelFamily::Conv2DBackpropFilter)},
      {"conv1_bp_bias", as(conv1, KernelFamily::Conv2DBackpropBias)},
  };
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  int batch = 128, runs = 25;
  std::string only, scheduleJson;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "error: %s needs a value\n", a.c_str());
        std::exit(1);
      }
      return argv[++i];
    };
    if (a == "--batch")
      batch = std::atoi(next().c_str());
    else if (a == "--runs")
      runs = std::max(1, std::atoi(next().c_str()));
    else if (a == "--only")
      only = next();
    else if (a == "--schedule")
      scheduleJson = next();
    else {
      std::fprintf(stderr, "error: unknown option %s\n", a.c_str());
      return 1;
    }
  }
  Halide::Target target = kiln::codegen::hostTarget();
  std::printf("target %s, batch %d, median of %d runs\n",
              target.to_string().c_str(), batch, runs);
  std::printf("%-16s %10s %10s %9s  %s\n", "kernel", "ms", "GFLOP/s", "GB/s",
              "schedule");
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  for (const Layer &l : seedLayers()) {
    if (!only.empty() && l.name != only)
      continue;
    Schedule sc = defaultScheduleFor(l.spec, target);
    if (!scheduleJson.empty()) {
      nlohmann::json j = sc;
      j.update(nlohmann::json::parse(scheduleJson));
      sc = j.get<Schedule>();
    }
    JitKernel kernel(l.spec, sc, target);
    std::vector<Halide::Buffer<float>> bufs;
    double bytes = 0;
    for (const TensorArg &a : kernelArguments(l.spec)) {
      std::vector<int> sizes;
      for (auto it = a.shape.rbegin(); it != a.shape.rend(); ++it)
        sizes.push_back(*it < 0 ? batch : *it);
      Halide::Buffer<float> b(sizes);
      b.for_each_value([&](float &v) { v = dist(rng); });
      bytes += 4.0 * b.number_of_elements();
      bufs.push_back(b);
    }
    for (int i = 0; i < 3; ++i)
      if (kernel.run(bufs) != 0) {
        std::fprintf(stderr, "error: %s: %s\n", l.name.c_str(),
                     kernel.lastError().c_str());
        return 1;
      }
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      (void)kernel.run(bufs);
      auto t1 = std::chrono::steady_clock::now();
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    double m = median(ms);
    std::printf("%-16s %10.3f %10.1f %9.1f  %s\n", l.name.c_str(), m,
                kernelFlops(l.spec, batch) / (m * 1e6), bytes / (m * 1e6),
                scheduleToJson(sc).c_str());
  }
  return 0;
}
