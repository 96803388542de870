//===- bench_onednn.cpp - The seed's conv kernels against oneDNN ----------===//
//
// Times the seed MNIST model's convolutions (batch 128, NHWC activations,
// HWIO weights) with kiln's Halide kernels (default schedule and, given
// --db, the tuned one) and with oneDNN 2.6 on the same shapes: conv2
// forward (+bias+relu), its input gradient, its filter gradient; conv1
// forward and filter gradient. One thread each: the program re-executes
// itself with HL_NUM_THREADS=1 and OMP_NUM_THREADS=1 (oneDNN's Debian
// build uses OpenMP). Candidates are interleaved run by run and medians
// reported. oneDNN is timed twice: with our NHWC/HWIO layout forced, and
// with its preferred (blocked) layouts chosen by format_tag::any (tensors
// reordered once, outside the timing).
//
//   bench_onednn [--runs 30] [--db schedules.json]
//
//===----------------------------------------------------------------------===//
#include "codegen/KernelCompiler.h"
#include "codegen/tune/KernelBench.h"
#include "codegen/tune/ScheduleDB.h"
#include "codegen/tune/Tuner.h"

#include <dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <unistd.h>

using namespace kiln::codegen;
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double msOf(const std::function<void()> &f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
      .count();
}

/// One oneDNN primitive with its arguments, ready to execute.
struct Dnn {
  primitive prim;
  std::unordered_map<int, memory> args;
};

memory filled(const memory::desc &d, const engine &eng, std::mt19937 &rng) {
  memory m(d, eng);
  float *p = static_cast<float *>(m.get_data_handle());
  std::uniform_real_distribution<float> u(-1, 1);
  for (size_t i = 0; i < d.get_size() / 4; ++i)
    p[i] = u(rng);
  return m;
}

enum class Pass { Forward, BackwardData, BackwardWeights };

/// Builds the oneDNN primitive for one conv pass; `any` lets oneDNN pick
/// its own layouts (else NHWC activations and HWIO weights).
Dnn makeDnn(const KernelSpec &s, Pass pass, int batch, bool any,
            const engine &eng, std::mt19937 &rng) {
  int oh = s.outH().out, ow = s.outW().out;
  memory::dims src = {batch, s.channels, s.height, s.width};
  memory::dims wei = {s.conv.filters, s.channels, s.conv.kernelH, s.conv.kernelW};
  memory::dims bia = {s.conv.filters};
  memory::dims dst = {batch, s.conv.filters, oh, ow};
  memory::dims strides = {s.conv.strideH, s.conv.strideW}, pad = {0, 0};
  auto md = [&](const memory::dims &d, tag t) {
    return memory::desc(d, dt::f32, any ? tag::any : t);
  };
  auto srcMd = md(src, tag::nhwc), weiMd = md(wei, tag::hwio),
       dstMd = md(dst, tag::nhwc);
  memory::desc biaMd(bia, dt::f32, tag::x);
  convolution_forward::desc fwd(prop_kind::forward_training,
                                algorithm::convolution_direct, srcMd, weiMd,
                                biaMd, dstMd, strides, pad, pad);
  post_ops ops;
  ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
  primitive_attr attr;
  if (s.conv.activation == Activation::Relu)
    attr.set_post_ops(ops);
  convolution_forward::primitive_desc fpd(fwd, attr, eng);
  Dnn d;
  if (pass == Pass::Forward) {
    d.prim = convolution_forward(fpd);
    d.args = {{DNNL_ARG_SRC, filled(fpd.src_desc(), eng, rng)},
              {DNNL_ARG_WEIGHTS, filled(fpd.weights_desc(), eng, rng)},
              {DNNL_ARG_BIAS, filled(fpd.bias_desc(), eng, rng)},
              {DNNL_ARG_DST, memory(fpd.dst_desc(), eng)}};
  } else if (pass == Pass::BackwardData) {
    convolution_backward_data::desc bd(algorithm::convolution_direct, srcMd,
                                       weiMd, dstMd, strides, pad, pad);
    convolution_backward_data::primitive_desc pd(bd, eng, fpd);
    d.prim = convolution_backward_data(pd);
    d.args = {{DNNL_ARG_DIFF_DST, filled(pd.diff_dst_desc(), eng, rng)},
              {DNNL_ARG_WEIGHTS, filled(pd.weights_desc(), eng, rng)},
              {DNNL_ARG_DIFF_SRC, memory(pd.diff_src_desc(), eng)}};
  } else {
    convolution_backward_weights::desc bw(algorithm::convolution_direct, srcMd,
                                          weiMd, dstMd, strides, pad, pad);
    convolution_backward_weights::primitive_desc pd(bw, eng, fpd);
    d.prim = convolution_backward_weights(pd);
    d.args = {{DNNL_ARG_SRC, filled(pd.src_desc(), eng, rng)},
              {DNNL_ARG_DIFF_DST, filled(pd.diff_dst_desc(), eng, rng)},
              {DNNL_ARG_DIFF_WEIGHTS, memory(pd.diff_weights_desc(), eng)}};
  }
  return d;
}

KernelSpec convSpec(const char *name, int h, int w, int c, int filters,
                    KernelFamily f) {
  Conv2DAttrs a;
  a.filters = filters;
  a.activation = f == KernelFamily::Conv2D ? Activation::Relu : Activation::None;
  KernelSpec s = KernelSpec::conv2d(name, h, w, c, a);
  s.family = f;
  return s;
}

} // namespace

int main(int argc, char **argv) {
  // One thread each, set before either library starts its thread pool.
  const char *hl = getenv("HL_NUM_THREADS"), *omp = getenv("OMP_NUM_THREADS");
  if (!hl || strcmp(hl, "1") != 0 || !omp || strcmp(omp, "1") != 0) {
    setenv("HL_NUM_THREADS", "1", 1);
    setenv("OMP_NUM_THREADS", "1", 1);
    execv("/proc/self/exe", argv);
    perror("execv");
    return 1;
  }
  int runs = 30, batch = 128;
  std::string dbPath;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc)
      runs = std::max(3, atoi(argv[++i]));
    else if (a == "--db" && i + 1 < argc)
      dbPath = argv[++i];
    else {
      fprintf(stderr, "usage: bench_onednn [--runs N] [--db schedules.json]\n");
      return 1;
    }
  }
  kiln::tune::ScheduleDB db;
  if (!dbPath.empty()) {
    auto loaded = kiln::tune::ScheduleDB::load(dbPath);
    if (!loaded.ok()) {
      fprintf(stderr, "error: %s\n", loaded.message().c_str());
      return 1;
    }
    db = std::move(*loaded);
  }
  Halide::Target target = kiln::codegen::hostTarget();
  std::string key = kiln::tune::targetKey(kiln::codegen::hostTarget());
  engine eng(engine::kind::cpu, 0);
  stream strm(eng);
  std::mt19937 rng(11);

  struct Case {
    const char *name;
    KernelSpec spec;
    Pass pass;
  };
  std::vector<Case> cases = {
      {"conv2 forward", convSpec("conv2", 13, 13, 32, 64, KernelFamily::Conv2D), Pass::Forward},
      {"conv2 input grad", convSpec("conv2", 13, 13, 32, 64, KernelFamily::Conv2DBackpropInput), Pass::BackwardData},
      {"conv2 filter grad", convSpec("conv2", 13, 13, 32, 64, KernelFamily::Conv2DBackpropFilter), Pass::BackwardWeights},
      {"conv1 forward", convSpec("conv1", 28, 28, 1, 32, KernelFamily::Conv2D), Pass::Forward},
      {"conv1 filter grad", convSpec("conv1", 28, 28, 1, 32, KernelFamily::Conv2DBackpropFilter), Pass::BackwardWeights},
  };
  printf("one thread each (HL_NUM_THREADS=1, OMP_NUM_THREADS=1), batch %d, "
         "median of %d interleaved runs; oneDNN %d.%d.%d\n",
         batch, runs, dnnl_version()->major, dnnl_version()->minor,
         dnnl_version()->patch);
  printf("%-18s %9s %9s %9s %9s | %7s %7s %7s | %s\n", "kernel", "default",
         "tuned", "dnnl-nhwc", "dnnl-any", "GF/s", "GF/s", "GF/s",
         "tuned/dnnl-nhwc  tuned/dnnl-any (time ratios; <1: kiln faster)");
  for (Case &c : cases) {
    auto inputs = kiln::tune::randomInputs(c.spec, batch, 5);
    auto outputs = kiln::tune::makeOutputs(c.spec, batch);
    std::vector<halide_buffer_t *> raw;
    for (auto &b : inputs)
      raw.push_back(b.raw_buffer());
    for (auto &b : outputs)
      raw.push_back(b.raw_buffer());
    Schedule def = defaultScheduleFor(c.spec, target), tunedS = def;
    if (const auto *e = db.find(c.spec, key))
      tunedS = e->schedule;
    JitKernel kDef(c.spec, def, target), kTuned(c.spec, tunedS, target);
    Dnn nhwc = makeDnn(c.spec, c.pass, batch, false, eng, rng);
    Dnn any = makeDnn(c.spec, c.pass, batch, true, eng, rng);
    std::vector<std::function<void()>> fs = {
        [&] { (void)kDef.run(raw); }, [&] { (void)kTuned.run(raw); },
        [&] { nhwc.prim.execute(strm, nhwc.args); strm.wait(); },
        [&] { any.prim.execute(strm, any.args); strm.wait(); }};
    std::vector<std::vector<double>> t(fs.size());
    for (auto &f : fs)
      for (int w = 0; w < 3; ++w)
        f();
    for (int r = 0; r < runs; ++r)
      for (size_t i = 0; i < fs.size(); ++i) {
        size_t k = (i + r) % fs.size(); // rotate who goes first
        t[k].push_back(msOf(fs[k]));
      }
    double m[4];
    for (int i = 0; i < 4; ++i)
      m[i] = median(t[i]);
    double gf = kernelFlops(c.spec, batch) / 1e6;
    printf("%-18s %9.3f %9.3f %9.3f %9.3f | %7.1f %7.1f %7.1f | %6.2f %6.2f\n",
           c.name, m[0], m[1], m[2], m[3], gf / m[1], gf / m[2], gf / m[3],
           m[1] / m[2], m[1] / m[3]);
  }
  return 0;
}
