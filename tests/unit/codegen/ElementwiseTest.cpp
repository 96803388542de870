//===- ElementwiseTest.cpp - Elementwise programs and the activation table ===//
//
// Tests that every row of codegen/Activations.def has a derivative equal to
// finite differences of its scalar reference, that the Halide columns match
// the scalar ones (one kernel evaluating every row), that broadcasting,
// scalar inputs, batch-norm inference and a multi-output Adam update (also
// in place; also with flattened schedules, every vector width) match plain
// loops, and that the dropout mask is reproducible,
// changes with the step and keeps about 1 - rate of the elements.
//
//===----------------------------------------------------------------------===//
#include "OpsTestUtil.h"

#include <cctype>
#include <fstream>
#include <set>

namespace kiln::codegen::test {
namespace {

constexpr float kAlpha = 0.2f; // leaky_relu's slope in these tests

/// Points where every function is smooth (away from 0, +-3 and 6) and, for
/// log and sqrt, positive.
std::vector<double> smoothPoints(UnaryFn fn) {
  if (fn == UnaryFn::Log || fn == UnaryFn::Sqrt)
    return {0.05, 0.3, 1.1, 2.7, 7.5};
  return {-7.3, -3.4, -2.1, -0.7, -0.05, 0.04, 0.6, 1.9, 2.8, 4.2, 6.9};
}

TEST(ActivationTable, DerivativesMatchFiniteDifferences) {
  for (UnaryFn fn : allUnaryFns()) {
    for (double x : smoothPoints(fn)) {
      const double h = 1e-6;
      double fd = (reference::unaryFn(fn, x + h, kAlpha) -
                   reference::unaryFn(fn, x - h, kAlpha)) /
                  (2 * h);
      double y = reference::unaryFn(fn, x, kAlpha);
      double d = reference::unaryFnGrad(fn, x, y, kAlpha);
      EXPECT_NEAR(d, fd, 1e-6 * std::max(1.0, std::fabs(fd)))
          << unaryFnName(fn) << " at " << x;
    }
  }
}

TEST(ActivationTable, NamesRoundTrip) {
  std::set<std::string> names;
  for (UnaryFn fn : allUnaryFns()) {
    UnaryFn back;
    ASSERT_TRUE(unaryFnFromName(unaryFnName(fn), back));
    EXPECT_EQ(back, fn);
    names.insert(unaryFnName(fn));
  }
  EXPECT_EQ(names.size(), 17u);
  UnaryFn none;
  EXPECT_FALSE(unaryFnFromName("swish2", none));
}

/// One kernel: for every row, fn(x) and fn'(x) (x positive for log/sqrt).
TEST(ActivationTable, HalideMatchesReference) {
  ElementwiseProgram p;
  int x = p.input("x"), xp = p.input("x_positive");
  for (UnaryFn fn : allUnaryFns()) {
    int in = (fn == UnaryFn::Log || fn == UnaryFn::Sqrt) ? xp : x;
    p.output(std::string(unaryFnName(fn)), p.unary(fn, in, kAlpha));
    p.output(std::string(unaryFnName(fn)) + "_grad",
             p.unaryGrad(fn, in, -1, kAlpha));
  }
  const int batch = 7;
  KernelSpec s = KernelSpec::elementwise("act", {-1, 37}, p);
  std::vector<Tensor> in = {randomTensor(batch * 37, 3, -5.f, 5.f),
                            randomTensor(batch * 37, 4, 0.05f, 5.f)};
  std::vector<Tensor> ref = reference::elementwise(s, batch, in);
  JitKernel k = jitDefault(s);
  std::vector<Tensor> got = runMixed(k, batch, in);
  ASSERT_EQ(got.size(), ref.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_LE(relError(got[i], ref[i]), kTolerance) << p.outputs[i].name;
}

TEST(ActivationTable, UnaryOpAndGradConstructors) {
  KernelSpec f = KernelSpec::unaryOp("gelu", {-1, 5, 3, 17}, UnaryFn::Gelu);
  KernelSpec g = KernelSpec::unaryGradOp("gelu_grad", {-1, 5, 3, 17},
                                         UnaryFn::Gelu);
  ASSERT_EQ(kernelArguments(g).size(), 3u);
  EXPECT_EQ(kernelArguments(g)[1].name, "output_grad");
  for (int batch : {1, 7}) {
    for (const KernelSpec &s : {f, g}) {
      std::vector<Tensor> in = randomInputs(s, batch);
      Tensor got = runKernel(s, batch, in)[0];
      EXPECT_LE(relError(got, reference::elementwise(s, batch, in)[0]),
                kTolerance)
          << s.name << " batch " << batch;
    }
  }
}

/// x full, b along the last axis, scalars of rank 0 and 1 and an int one.
TEST(Elementwise, BroadcastsAndScalars) {
  ElementwiseProgram p;
  int x = p.input("x"), b = p.input("bias", Broadcast::LastAxis);
  int s0 = p.input("s0", Broadcast::Scalar);
  int s1 = p.input("s1", Broadcast::Scalar, DType::Float32, 1);
  int si = p.input("si", Broadcast::Scalar, DType::Int32);
  int xx = p.op(EwOp::Add, p.op(EwOp::Mul, x, x), p.constant(0.5f));
  int sel = p.op(EwOp::SelectGt, x, b,
                 p.op(EwOp::Mul, p.unary(UnaryFn::Sqrt, p.op(EwOp::Abs, x)), s0),
                 p.op(EwOp::Rsqrt, xx));
  int m = p.op(EwOp::Div, p.op(EwOp::Min, x, b), p.op(EwOp::Add, si, s1));
  p.output("y", p.op(EwOp::Sub, sel, m));
  p.output("z", p.op(EwOp::Max, p.unary(UnaryFn::Neg, x), b));
  KernelSpec s = KernelSpec::elementwise("bcast", {-1, 6, 5, 19}, p);
  std::vector<TensorArg> args = kernelArguments(s);
  EXPECT_EQ(args[1].shape, std::vector<int>{19});
  EXPECT_TRUE(args[2].shape.empty());
  EXPECT_EQ(args[3].shape, std::vector<int>{1});
  EXPECT_EQ(args[4].dtype, DType::Int32);
  JitKernel k = jitDefault(s);
  for (int batch : {1, 7}) {
    std::vector<Tensor> in = randomInputs(s, batch);
    in[4] = {3.0f};
    std::vector<Tensor> ref = reference::elementwise(s, batch, in);
    std::vector<Tensor> got = runMixed(k, batch, in);
    EXPECT_LE(relError(got[0], ref[0]), kTolerance) << batch;
    EXPECT_LE(relError(got[1], ref[1]), kTolerance) << batch;
  }
}

/// Batch-norm inference as a program, against plain loops.
TEST(Elementwise, BatchNormInference) {
  const float eps = 1e-3f;
  ElementwiseProgram p;
  int x = p.input("input");
  int mean = p.input("moving_mean", Broadcast::LastAxis);
  int var = p.input("moving_variance", Broadcast::LastAxis);
  int gamma = p.input("gamma", Broadcast::LastAxis);
  int beta = p.input("beta", Broadcast::LastAxis);
  int inv = p.op(EwOp::Rsqrt, p.op(EwOp::Add, var, p.constant(eps)));
  p.output("output",
           p.op(EwOp::Add,
                p.op(EwOp::Mul, p.op(EwOp::Mul, p.op(EwOp::Sub, x, mean), inv),
                     gamma),
                beta));
  const int batch = 7, C = 17;
  KernelSpec s = KernelSpec::elementwise("bn", {-1, 7, 5, C}, p);
  std::vector<Tensor> in = randomInputs(s, batch);
  in[2] = randomTensor(C, 77, 0.1f, 2.f); // variance > 0
  Tensor ref(in[0].size());
  for (size_t i = 0; i < ref.size(); ++i) {
    size_t c = i % C;
    ref[i] = float((in[0][i] - double(in[1][c])) /
                       std::sqrt(double(in[2][c]) + eps) * in[3][c] +
                   in[4][c]);
  }
  EXPECT_LE(relError(runKernel(s, batch, in)[0], ref), kTolerance);
}

/// Adam: w, g, m, v and scalars lr_t, beta1, beta2, epsilon -> w', m', v'.
KernelSpec adamSpec(std::vector<int> shape) {
  ElementwiseProgram p;
  int w = p.input("w"), g = p.input("g"), m = p.input("m"), v = p.input("v");
  int lr = p.input("lr_t", Broadcast::Scalar);
  int b1 = p.input("beta1", Broadcast::Scalar);
  int b2 = p.input("beta2", Broadcast::Scalar);
  int eps = p.input("epsilon", Broadcast::Scalar);
  int one = p.constant(1.0f);
  int m2 = p.op(EwOp::Add, p.op(EwOp::Mul, b1, m),
                p.op(EwOp::Mul, p.op(EwOp::Sub, one, b1), g));
  int v2 = p.op(EwOp::Add, p.op(EwOp::Mul, b2, v),
                p.op(EwOp::Mul, p.op(EwOp::Sub, one, b2),
                     p.unary(UnaryFn::Square, g)));
  int step = p.op(EwOp::Div, p.op(EwOp::Mul, lr, m2),
                  p.op(EwOp::Add, p.unary(UnaryFn::Sqrt, v2), eps));
  p.output("w_new", p.op(EwOp::Sub, w, step));
  p.output("m_new", m2);
  p.output("v_new", v2);
  return KernelSpec::elementwise("adam", std::move(shape), p);
}

TEST(Elementwise, AdamUpdateInPlace) {
  KernelSpec s = adamSpec({3, 3, 5, 17});
  std::vector<Tensor> in = randomInputs(s, 1);
  in[3] = randomTensor(in[3].size(), 9, 0.f, 1.f); // v >= 0
  in[4] = {1e-3f}, in[5] = {0.9f}, in[6] = {0.999f}, in[7] = {1e-7f};
  Tensor w(in[0].size()), m(w.size()), v(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    double g = in[1][i];
    double m2 = 0.9 * in[2][i] + 0.1 * g;
    double v2 = 0.999 * in[3][i] + 0.001 * g * g;
    m[i] = float(m2), v[i] = float(v2);
    w[i] = float(in[0][i] - 1e-3 * m2 / (std::sqrt(v2) + 1e-7));
  }
  JitKernel k = jitDefault(s);
  std::vector<Tensor> got = runMixed(k, 1, in);
  EXPECT_LE(relError(got[0], w), kTolerance);
  EXPECT_LE(relError(got[1], m), kTolerance);
  EXPECT_LE(relError(got[2], v), kTolerance);
  // In place: w' over w, m' over m, v' over v gives the same values.
  std::vector<Tensor> inPlace = runMixed(k, 1, in, {0, 2, 3});
  EXPECT_EQ(inPlace[0], got[0]);
  EXPECT_EQ(inPlace[1], got[1]);
  EXPECT_EQ(inPlace[2], got[2]);
}

/// The default schedule flattens constant-extent axes: a weight-shaped
/// Adam update whose last axis is narrower than a vector ([1601, 11]:
/// 17611 points, 3 parallel chunks with a guarded tail) and a batched
/// program flattened per image, under every vector width and with and
/// without parallel loops, against plain loops and in place.
TEST(Elementwise, FlattenedSchedulesMatchReference) {
  KernelSpec s = adamSpec({1601, 11});
  std::vector<Tensor> in = randomInputs(s, 1);
  in[3] = randomTensor(in[3].size(), 9, 0.f, 1.f); // v >= 0
  in[4] = {1e-3f}, in[5] = {0.9f}, in[6] = {0.999f}, in[7] = {1e-7f};
  std::vector<Tensor> ref = reference::elementwise(s, 1, in);
  ElementwiseProgram p;
  int x = p.input("x"), y = p.input("y");
  p.output("z", p.op(EwOp::Add, p.op(EwOp::Mul, x, y), p.constant(0.25f)));
  KernelSpec b = KernelSpec::elementwise("batched", {-1, 3, 7}, p);
  Halide::Target t = kiln::codegen::hostTarget();
  for (int vec : {4, 16, 64})
    for (const char *par : {"n", "none"}) {
      Schedule sc = defaultScheduleFor(s, t);
      sc.vectorWidth = vec;
      sc.parallel = par;
      JitKernel k(s, sc, t);
      std::vector<Tensor> got = runMixed(k, 1, in);
      ASSERT_EQ(got.size(), 3u);
      for (int i = 0; i < 3; ++i)
        EXPECT_LE(relError(got[i], ref[i]), kTolerance) << vec << par << i;
      std::vector<Tensor> inPlace = runMixed(k, 1, in, {0, 2, 3});
      for (int i = 0; i < 3; ++i)
        EXPECT_EQ(inPlace[i], got[i]) << vec << par << i;
      Schedule sb = defaultScheduleFor(b, t);
      sb.vectorWidth = vec;
      sb.parallel = par;
      JitKernel kb(b, sb, t);
      for (int batch : {1, 5}) {
        std::vector<Tensor> bin = randomInputs(b, batch);
        EXPECT_LE(relError(runMixed(kb, batch, bin)[0],
                           reference::elementwise(b, batch, bin)[0]),
                  kTolerance)
            << vec << par << batch;
      }
    }
}

/// y = x * keep / (1 - rate), mask = keep; seed/step are Int32 here and
/// Float32 in the backward kernel, which must recompute the same mask.
KernelSpec dropoutSpec(bool backward, float rate, DType t) {
  ElementwiseProgram p;
  int x = p.input(backward ? "output_grad" : "input");
  int seed = p.input("seed", Broadcast::Scalar, t);
  int step = p.input("step", Broadcast::Scalar, t);
  int keep = p.dropoutKeep(seed, step, rate);
  p.output(backward ? "input_grad" : "output",
           p.op(EwOp::Mul, p.op(EwOp::Mul, x, keep),
                p.constant(1.0f / (1.0f - rate))));
  if (!backward)
    p.output("mask", keep);
  return KernelSpec::elementwise(backward ? "dropout_grad" : "dropout",
                                 {-1, 1000}, p);
}

TEST(Elementwise, DropoutMaskIsReproducible) {
  const float rate = 0.3f;
  const int batch = 7;
  KernelSpec fs = dropoutSpec(false, rate, DType::Int32);
  KernelSpec bs = dropoutSpec(true, rate, DType::Float32);
  JitKernel fwd = jitDefault(fs), bwd = jitDefault(bs);
  Tensor x = randomTensor(batch * 1000, 5);
  std::vector<Tensor> a = runMixed(fwd, batch, {x, {1234.f}, {17.f}});
  std::vector<Tensor> ref = reference::elementwise(fs, batch, {x, {1234.f}, {17.f}});
  EXPECT_EQ(a[1], ref[1]);
  EXPECT_LE(relError(a[0], ref[0]), kTolerance);
  // Same (seed, step): same mask; the next step: a different one.
  EXPECT_EQ(runMixed(fwd, batch, {x, {1234.f}, {17.f}})[1], a[1]);
  Tensor next = runMixed(fwd, batch, {x, {1234.f}, {18.f}})[1];
  Tensor other = runMixed(fwd, batch, {x, {1235.f}, {17.f}})[1];
  size_t kept = 0, diffStep = 0, diffSeed = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    kept += a[1][i] == 1.0f;
    diffStep += a[1][i] != next[i];
    diffSeed += a[1][i] != other[i];
  }
  double frac = double(kept) / x.size();
  EXPECT_NEAR(frac, 1.0 - rate, 0.03);
  // Independent masks differ in 2 * 0.3 * 0.7 = 42% of the elements.
  EXPECT_NEAR(double(diffStep) / x.size(), 0.42, 0.05);
  EXPECT_NEAR(double(diffSeed) / x.size(), 0.42, 0.05);
  // Backward with float seed/step: dx = dy * mask / (1 - rate).
  Tensor dy = randomTensor(x.size(), 6);
  Tensor dx = runMixed(bwd, batch, {dy, {1234.f}, {17.f}})[0];
  Tensor expect(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    expect[i] = dy[i] * a[1][i] * (1.0f / (1.0f - rate));
  EXPECT_LE(relError(dx, expect), 1e-6);
  // Rate 0 keeps everything.
  JitKernel none = jitDefault(dropoutSpec(false, 0.0f, DType::Int32));
  Tensor all = runMixed(none, 1, {Tensor(1000, 1.f), {1.f}, {2.f}})[1];
  EXPECT_EQ(all, Tensor(1000, 1.f));
}

TEST(Elementwise, MultiOutputCompilesAheadOfTime) {
  KernelSpec s = adamSpec({-1, 7});
  std::string obj = testing::TempDir() + "/kiln_adam_aot.o";
  Halide::Target t = Halide::get_host_target();
  EXPECT_EQ(compileKernelToObject(s, defaultScheduleFor(s, t), t,
                                  kernelSymbol(s), obj),
            "");
  std::ifstream f(obj, std::ios::binary | std::ios::ate);
  EXPECT_GT(f.tellg(), 0);
}

TEST(Elementwise, DropoutHashKnownValues) {
  // Pins "kiln dropout hash v1": changing it changes every saved run.
  EXPECT_EQ(dropoutMix(0u), 0u);
  EXPECT_NE(dropoutHash(1, 0, 0), dropoutHash(0, 1, 0));
  EXPECT_EQ(dropoutThreshold(0.0f), 0u);
  EXPECT_EQ(dropoutThreshold(0.5f), 0x80000000u);
  EXPECT_EQ(dropoutThreshold(1.0f), 0xffffffffu);
}

TEST(Elementwise, SymbolsAreDistinctIdentifiers) {
  std::vector<KernelSpec> specs = {
      adamSpec({3, 3, 5, 17}), adamSpec({3, 3, 5, 16}),
      dropoutSpec(false, 0.3f, DType::Int32),
      dropoutSpec(false, 0.5f, DType::Int32),
      dropoutSpec(false, 0.3f, DType::Float32),
      KernelSpec::unaryOp("a", {-1, 10}, UnaryFn::LeakyRelu, 0.1f),
      KernelSpec::unaryOp("a", {-1, 10}, UnaryFn::LeakyRelu, 0.2f),
      KernelSpec::unaryOp("a", {-1, 10}, UnaryFn::Relu),
      KernelSpec::unaryGradOp("a", {-1, 10}, UnaryFn::Relu)};
  std::set<std::string> symbols;
  for (const KernelSpec &s : specs) {
    std::string sym = kernelSymbol(s);
    EXPECT_TRUE(std::isalpha(static_cast<unsigned char>(sym[0])));
    for (char c : sym)
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '_')
          << sym;
    EXPECT_LE(sym.size(), 96u);
    symbols.insert(sym);
  }
  EXPECT_EQ(symbols.size(), specs.size());
}

} // namespace
} // namespace kiln::codegen::test
