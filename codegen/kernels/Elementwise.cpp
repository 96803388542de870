//===- Elementwise.cpp - Expression programs over one index space ---------===//
//
// Algorithm (spec.ew, output shape spec.shape, Halide vars d0 = last axis):
//   1. Each input is read at the output's point: Full inputs at (d0, d1, ...),
//      LastAxis vectors at (d0), Scalars at () or (0). Int32 inputs are
//      converted to float for arithmetic.
//   2. Each node becomes an Expr over the earlier ones; Unary/UnaryGrad take
//      their expressions from codegen/Activations.def; DropoutKeep hashes
//      (seed, step, flat row-major index) with dropoutHash's rounds
//      (KernelSpec.h) in uint32 arithmetic and compares with the threshold.
//   3. The outputs are one Func named after the layer, Tuple-valued when
//      there are several (e.g. an Adam update: w', m', v'), so every point's
//      outputs are computed from its inputs before any is stored and outputs
//      may alias inputs.
//
// Default schedule: memory-bound, about one op per loaded float.
//   1. Flatten: every buffer is dense with constant strides (constrainDense),
//      so the axes with constant extents are fused into one index that
//      Halide's simplifier turns back into a linear address; a weight
//      [1600, 10] becomes 16000 contiguous points instead of 1600 rows of
//      10 (8 lanes + a scalar tail of 2). Not when an input is broadcast
//      along the last axis (it would become a gather): then only the last
//      axis is vectorised, as before.
//   2. Vectorise the flat index with GuardWithIf (a ShiftInwards tail would
//      recompute points whose aliased inputs were already overwritten).
//   3. Parallelise: over the batch when it is dynamic (each image's points
//      flat inside), else over chunks of about kParallelChunk points of the
//      flat index when there are at least two of them.
//   Measured (2-thread AVX-512 host, batch 128, kiln tune's JIT timing): the
//   Adam update of the seed's dense/kernel [1600, 10] took 0.276 ms with the
//   last-axis schedule (quiet machine) and 0.009 ms flattened (loaded
//   machine); see docs/PERFORMANCE.md, "Tuning".
//
//===----------------------------------------------------------------------===//
#include "codegen/kernels/Kernels.h"

#include <algorithm>
#include <cmath>

using namespace Halide;

namespace kiln::codegen::kernels {

Expr unaryFnExpr(UnaryFn fn, Expr x, Expr alpha) {
  (void)alpha;
  switch (fn) {
#define KILN_ACTIVATION(Name, mnemonic, halide, ref, dhalide, dref)            \
  case UnaryFn::Name:                                                          \
    return halide;
#include "codegen/Activations.def"
#undef KILN_ACTIVATION
  }
  return x;
}

Expr unaryFnGradExpr(UnaryFn fn, Expr x, Expr y, Expr alpha) {
  (void)alpha;
  switch (fn) {
#define KILN_ACTIVATION(Name, mnemonic, halide, ref, dhalide, dref)            \
  case UnaryFn::Name:                                                          \
    return dhalide;
#include "codegen/Activations.def"
#undef KILN_ACTIVATION
  }
  return x;
}

namespace {

Expr u32(uint32_t v) { return Internal::make_const(UInt(32), uint64_t(v)); }

Expr mix(Expr h) {
  h = h ^ (h >> 16);
  h = h * u32(0x7feb352du);
  h = h ^ (h >> 15);
  h = h * u32(0x846ca68bu);
  h = h ^ (h >> 16);
  return h;
}

/// The raw 32 bits of a Scalar input for the dropout hash.
Expr hashBits(Expr raw) {
  if (raw.type().is_float())
    raw = cast<int32_t>(raw);
  return reinterpret<uint32_t>(raw);
}

struct EwFuncs {
  std::vector<ImageParam> inputs;
  Func output;
  std::vector<Var> vars; ///< Halide order: vars[0] is the last Keras axis
};

EwFuncs defineElementwise(const KernelSpec &s) {
  const ElementwiseProgram &p = s.ew;
  int rank = int(s.shape.size());
  EwFuncs f;
  for (int i = 0; i < rank; ++i)
    f.vars.push_back(Var("d" + std::to_string(i)));
  std::vector<Expr> vars(f.vars.begin(), f.vars.end());
  std::vector<TensorArg> args = kernelArguments(s);

  // 1. Inputs at the output's point.
  std::vector<Expr> raw;
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    ImageParam in = makeInput(s, args[i]);
    f.inputs.push_back(in);
    const EwInput &d = p.inputs[i];
    if (d.broadcast == Broadcast::Full)
      raw.push_back(in(vars));
    else if (d.broadcast == Broadcast::LastAxis)
      raw.push_back(in(vars.empty() ? Expr(0) : vars[0]));
    else if (d.scalarRank == 1)
      raw.push_back(in(0));
    else
      raw.push_back(in());
  }

  // Flat row-major index (uint32) of the point, for dropout.
  Expr index = u32(0);
  uint32_t stride = 1;
  for (int i = 0; i < rank; ++i) {
    index = index + cast<uint32_t>(vars[i]) * u32(stride);
    stride *= uint32_t(std::max(s.shape[rank - 1 - i], 1));
  }

  // 2. Nodes.
  std::vector<Expr> e(p.nodes.size());
  auto at = [&](int id) -> Expr {
    if (id < 0 || id >= int(e.size()) || !e[id].defined())
      throw CompileError(s.name + ": elementwise operand " +
                         std::to_string(id) + " is not an earlier node");
    return e[id];
  };
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const EwNode &n = p.nodes[i];
    switch (n.op) {
    case EwOp::Input: {
      Expr r = raw.at(n.a);
      e[i] = r.type().is_float() ? r : cast<float>(r);
      break;
    }
    case EwOp::Const: e[i] = Expr(n.value); break;
    case EwOp::Add: e[i] = at(n.a) + at(n.b); break;
    case EwOp::Sub: e[i] = at(n.a) - at(n.b); break;
    case EwOp::Mul: e[i] = at(n.a) * at(n.b); break;
    case EwOp::Div: e[i] = at(n.a) / at(n.b); break;
    case EwOp::Max: e[i] = max(at(n.a), at(n.b)); break;
    case EwOp::Min: e[i] = min(at(n.a), at(n.b)); break;
    case EwOp::Abs: e[i] = abs(at(n.a)); break;
    case EwOp::Rsqrt: e[i] = 1.0f / sqrt(at(n.a)); break;
    case EwOp::SelectGt:
      e[i] = select(at(n.a) > at(n.b), at(n.c), at(n.d));
      break;
    case EwOp::Unary: e[i] = unaryFnExpr(n.fn, at(n.a), n.value); break;
    case EwOp::UnaryGrad: {
      Expr x = at(n.a);
      Expr y = n.b >= 0 ? at(n.b) : unaryFnExpr(n.fn, x, n.value);
      e[i] = unaryFnGradExpr(n.fn, x, y, n.value);
      break;
    }
    case EwOp::DropoutKeep: {
      const EwNode &seed = p.nodes.at(n.a), &step = p.nodes.at(n.b);
      if (seed.op != EwOp::Input || step.op != EwOp::Input ||
          p.inputs.at(seed.a).broadcast != Broadcast::Scalar ||
          p.inputs.at(step.a).broadcast != Broadcast::Scalar)
        throw CompileError(s.name + ": dropout seed and step must be scalar "
                                    "inputs");
      Expr key = mix(mix(hashBits(raw[seed.a]) ^
                         u32(0x9e3779b9u)) ^
                     hashBits(raw[step.a]));
      Expr h = mix(mix(index ^ key) + key);
      e[i] = select(h >= u32(dropoutThreshold(n.value)),
                    1.0f, 0.0f);
      break;
    }
    }
  }

  // 3. One (Tuple-valued) output Func.
  if (p.outputs.empty())
    throw CompileError(s.name + ": elementwise program without outputs");
  std::vector<Expr> outs;
  for (const EwOutput &o : p.outputs)
    outs.push_back(at(o.node));
  f.output = Func(s.name);
  if (outs.size() == 1)
    f.output(f.vars) = outs[0];
  else
    f.output(f.vars) = Tuple(outs);
  return f;
}

/// Points per parallel task of a flattened weight-sized program (8192
/// floats = 32 KB per stream: the Adam update's 7 streams stay in L2).
constexpr int kParallelChunk = 8192;

void scheduleElementwise(EwFuncs &f, const KernelSpec &s, const Schedule &sc) {
  int rank = int(s.shape.size());
  if (rank == 0)
    return;
  bool lastAxisInput = false;
  for (const EwInput &in : s.ew.inputs)
    lastAxisInput |= in.broadcast == Broadcast::LastAxis;
  bool dynamicBatch = s.shape[0] < 0;
  bool parallel = sc.parallel != "none";

  // 1. Flatten the constant-extent axes (Halide order: vars[0] innermost).
  int fused = lastAxisInput ? 1 : (dynamicBatch ? rank - 1 : rank);
  fused = std::max(fused, 1);
  Var flat = f.vars[0];
  int64_t points = s.shape[rank - 1];
  for (int i = 1; i < fused; ++i) {
    Var v("d0_" + std::to_string(i));
    f.output.fuse(flat, f.vars[i], v);
    flat = v;
    points *= s.shape[rank - 1 - i];
  }
  // 2./3. Parallel chunks of a fully flattened (constant-size) program.
  int vec = points > 0 ? fitVector(sc.vectorWidth, int(std::min<int64_t>(
                                                       points, 1 << 20)))
                       : std::max(1, sc.vectorWidth);
  if (fused == rank && rank > 0 && points >= 2 * kParallelChunk &&
      parallel) {
    int64_t tasks = (points + kParallelChunk - 1) / kParallelChunk;
    int64_t chunk = (points + tasks - 1) / tasks;
    chunk = (chunk + vec - 1) / vec * vec;
    Var fo(flat.name() + "_task"), fi(flat.name() + "_in");
    f.output.split(flat, fo, fi, int(chunk), TailStrategy::GuardWithIf)
        .parallel(fo);
    flat = fi;
  }
  if (vec > 1)
    f.output.vectorize(flat, vec, TailStrategy::GuardWithIf);
  if (fused < rank && parallel)
    f.output.parallel(f.vars[rank - 1]);
}

} // namespace

KernelPipeline buildElementwise(const KernelSpec &s, const Schedule &sc) {
  EwFuncs f = defineElementwise(s);
  scheduleElementwise(f, s, sc);
  KernelPipeline k;
  k.inputs = f.inputs;
  k.outputs = {f.output};
  return k;
}

} // namespace kiln::codegen::kernels
