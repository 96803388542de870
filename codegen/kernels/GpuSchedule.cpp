//===- GpuSchedule.cpp - One GPU schedule for every kernel family ---------===//
//
// For targets with a GPU feature (CUDA, OpenCL) buildKernel replaces the
// family's CPU schedule by this one, driven by the same Schedule data (its
// gpu* fields, plus rfactor/rfactorChunk, which pick each family's
// batch-chunked algorithm and so how widely a weight gradient's reduction
// over the batch spreads over the device).
//   1. Every Function's schedule is reset to a fresh definition's (inlined,
//      no splits), as for the autoschedulers.
//   2. Computed Funcs are the outputs and every Func with update definitions
//      (an accumulator cannot be inlined); every other Func stays inlined
//      (padding selects, transposed views, relu, the partials of a chunked
//      batch sum).
//   3. Each stage of a computed Func (its pure definition and every update)
//      maps its pure dimensions onto the device: gpuTileX == 0 fuses them
//      all into one axis (channels innermost, so neighbouring threads touch
//      neighbouring addresses) split into blocks of gpuThreads threads;
//      gpuTileX > 0 makes 2-D blocks of gpuTileX x (gpuThreads / gpuTileX)
//      over the two innermost axes and fuses the rest into a third block
//      axis. Reduction variables stay serial inside each thread, so every
//      output element is summed in the same order as on the CPU (results
//      are deterministic; they differ from the CPU's only by FMA
//      contraction). A stage with no pure dimension (a scalar total) runs
//      as one GPU thread. Tails are guarded (GuardWithIf), so no buffer is
//      read or written past its exact bounds.
//   4. gpuComputeAt == "thread": an accumulator whose only computed consumer
//      is one Func is computed inside that consumer's innermost GPU thread
//      loop, so its values live in registers and the family's kernel is one
//      launch (conv + bias + relu + fused pool; dense; pools). "root" gives
//      it its own launch, tiled as in 3: right for chunked batch sums,
//      whose partials (one per chunk) then run in parallel across blocks.
//      Under "thread", a Func with more dimensions than its consumer (a
//      batch-chunk partial the consumer sums over) still gets its own
//      launch: conv backprop filter computes each chunk's per-image
//      products inside the partial's thread (one thread per weight and
//      chunk, the whole device busy), and a second small launch adds the
//      chunks in order.
//   5. Convolutions (forward, backprop input) with gpuRegisterTile > 0 are
//      tiled instead of 3/4: each thread computes gpuRegisterTile output
//      channels of one pixel (the accumulators, unrolled, in registers, so
//      every input value read serves that many channels); a block is
//      G channel groups x gpuTileX columns x rows (at most gpuThreads
//      threads, one 1-D thread index), the blocks over channel groups,
//      columns and (rows, image). With gpuShared == "input" the block's
//      input window (every input channel, the columns and rows its pixels
//      read) is first copied to shared memory by all its threads, so each
//      input value is read from global memory once per block instead of
//      once per output channel group and kernel tap.
// Figures: none yet, no GPU has been lent to this project (see
// docs/PERFORMANCE.md, "GPU"); scripts/gpu-check measures them.
//
//===----------------------------------------------------------------------===//
#include "codegen/kernels/Kernels.h"

#include <map>
#include <optional>
#include <set>

using namespace Halide;

namespace kiln::codegen {

bool isGpuTarget(const Target &target) {
  return target.has_gpu_feature();
}

Schedule defaultGpuSchedule(const KernelSpec &spec) {
  Schedule s = defaultSchedule(spec, 16);
  s.gpuThreads = 128;
  s.gpuTileX = 0;
  switch (spec.family) {
  case KernelFamily::Conv2D:
  case KernelFamily::Conv2DBackpropInput:
    // Register tile of 4 channels, input window in shared memory (5).
    s.gpuComputeAt = "thread";
    s.gpuRegisterTile = 4;
    s.gpuShared = "input";
    break;
  case KernelFamily::Dense:
  case KernelFamily::MaxPool2D:
  case KernelFamily::AvgPool2D:
  case KernelFamily::MaxPool2DGrad:
    // One output element per thread, its accumulator in registers.
    s.gpuComputeAt = "thread";
    break;
  case KernelFamily::MatMul:
    // Static inner axis: one element per thread; a reduction over the batch
    // (dW = x^T dy): chunk partials in their own launch, in parallel.
    s.gpuComputeAt = spec.matmul.r < 0 ? "root" : "thread";
    s.rfactor = true;
    s.rfactorChunk = 8;
    break;
  case KernelFamily::Conv2DBackpropFilter:
    // Per-image products in the chunk partial's thread; the partials (one
    // thread per weight and chunk) in their own launch, then the chunks'
    // sum (4).
    s.gpuComputeAt = "thread";
    s.rfactor = true;
    s.rfactorChunk = 8;
    break;
  case KernelFamily::Conv2DBackpropBias:
  case KernelFamily::Reduce:
  case KernelFamily::BatchNormStats:
    // Batch sums: more, smaller chunks than on the CPU, so the partials
    // fill the device; each summed in order, then the chunks in order.
    s.gpuComputeAt = "root";
    s.rfactor = true;
    s.rfactorChunk = 8;
    break;
  case KernelFamily::Elementwise:
  case KernelFamily::Concatenate:
  case KernelFamily::ZeroPadding2D:
    s.gpuComputeAt = "root"; // no accumulators
    break;
  }
  return s;
}

namespace kernels {

namespace {

using Internal::Function;

/// The pure dimensions of a stage, innermost first, after
/// resetFunctionSchedule (rvars first, then pure vars, then __outermost).
std::vector<std::string> pureDims(const Internal::Definition &def) {
  std::vector<std::string> dims;
  for (const Internal::Dim &d : def.schedule().dims())
    if (d.dim_type == Internal::DimType::PureVar &&
        d.var != Var::outermost().name())
      dims.push_back(d.var);
  return dims;
}

/// Maps one stage onto the device (banner, 3). Returns its innermost
/// thread variable (undefined for a single-thread stage).
std::optional<Var> tileStage(Stage stage, const Internal::Definition &def,
                             const std::string &prefix, int threads,
                             int tileX) {
  std::vector<std::string> dims = pureDims(def);
  if (dims.empty()) {
    stage.gpu_single_thread();
    return std::nullopt;
  }
  auto fuseAll = [&](size_t from, const std::string &name) {
    Var cur(dims[from]);
    for (size_t i = from + 1; i < dims.size(); ++i) {
      Var next(prefix + "_" + name + std::to_string(i));
      stage.fuse(cur, Var(dims[i]), next);
      cur = next;
    }
    return cur;
  };
  if (tileX > 0 && dims.size() >= 2) {
    int ty = std::max(1, threads / tileX);
    Var bx(prefix + "_bx"), by(prefix + "_by"), tx(prefix + "_tx"),
        ty_(prefix + "_ty");
    stage.gpu_tile(Var(dims[0]), Var(dims[1]), bx, by, tx, ty_, tileX, ty,
                   TailStrategy::GuardWithIf);
    if (dims.size() > 2)
      stage.gpu_blocks(fuseAll(2, "bz"));
    return tx;
  }
  Var flat = fuseAll(0, "f");
  Var bx(prefix + "_bx"), tx(prefix + "_tx");
  stage.gpu_tile(flat, bx, tx, threads, TailStrategy::GuardWithIf);
  return tx;
}

/// The Funcs one stage calls directly (its values, arguments and
/// predicates).
std::set<std::string> stageCalls(const Internal::Definition &def) {
  struct Calls : Internal::IRGraphVisitor {
    std::set<std::string> names;
    using Internal::IRGraphVisitor::visit;
    void visit(const Internal::Call *c) override {
      if (c->call_type == Internal::Call::Halide)
        names.insert(c->name);
      Internal::IRGraphVisitor::visit(c);
    }
  } calls;
  for (const Expr &e : def.values())
    e.accept(&calls);
  for (const Expr &e : def.args())
    e.accept(&calls);
  for (const Expr &e : def.split_predicate())
    e.accept(&calls);
  return calls.names;
}

/// A Func's name as its kernel file wrote it: Halide appends "$N" to a name
/// already used in the process (the same layer's kernel built again).
std::string baseName(const std::string &name) {
  return name.substr(0, name.find('$'));
}

/// Convolutions with a register tile and shared input (banner, 5). Returns
/// false (nothing scheduled) when the schedule or kernel does not ask for
/// it.
bool tileConvolution(const KernelSpec &spec, const Schedule &sc,
                     const std::map<std::string, Function> &env, Func out) {
  bool fwd = spec.family == KernelFamily::Conv2D;
  if ((!fwd && spec.family != KernelFamily::Conv2DBackpropInput) ||
      sc.gpuRegisterTile <= 0)
    return false;
  // Only the plain kernels (a fused epilogue with another output keeps the
  // generic schedule).
  std::string outName = fwd ? spec.name : spec.name + "_input_grad";
  if (baseName(out.name()) != outName || out.dimensions() != 4)
    return false;
  std::string accBase =
      spec.name + (fwd ? "_conv2d" : "_conv2d_backprop_input");
  std::string inBase = spec.name + (fwd ? "_padded" : "_grad_dilated");
  std::string accName, inName;
  for (const auto &[name, fn] : env) {
    if (baseName(name) == accBase)
      accName = name;
    if (baseName(name) == inBase)
      inName = name;
  }
  if (accName.empty() || inName.empty())
    return false;
  const Conv2DAttrs &a = spec.conv;
  int cout = fwd ? a.filters : spec.channels;
  int cin = fwd ? spec.channels : a.filters;
  int width = fwd ? spec.outW().out : spec.width;
  int height = fwd ? spec.outH().out : spec.height;
  if (fwd && spec.fusedPool.enabled) {
    width = (width - spec.fusedPool.poolW) / spec.fusedPool.strideW + 1;
    height = (height - spec.fusedPool.poolH) / spec.fusedPool.strideH + 1;
  }
  int threads = sc.gpuThreads > 0 ? sc.gpuThreads : 128;
  int tile = fitDivisor(sc.gpuRegisterTile, cout);
  int groups = cout / tile;
  int tx = std::max(1, std::min(sc.gpuTileX > 0 ? sc.gpuTileX : 8, width));
  int gt = fitDivisor(groups, std::max(1, threads / tx));
  int ty = std::max(1, std::min(threads / (gt * tx), height));

  // The output: blocks over (channel groups, columns, rows x images), one
  // thread index over (channel group, column, row), the tile unrolled.
  // Edge tiles shift inwards (tx, ty fit the output): a guarded tile would
  // still stage its whole window, past the input's edge. Pixels two tiles
  // share are computed by both, identically.
  std::string p = baseName(out.name());
  std::vector<Var> v = out.args(); // c, x, y, n
  Var cg(p + "_cg"), ci(p + "_ci"), cgo(p + "_cgo"), cgt(p + "_cgt"),
      xo(p + "_xo"), xt(p + "_xt"), yo(p + "_yo"), yt(p + "_yt"),
      yn(p + "_yn"), t1(p + "_t1"), t(p + "_t");
  out.split(v[0], cg, ci, tile)
      .split(cg, cgo, cgt, gt)
      .split(v[1], xo, xt, tx, TailStrategy::ShiftInwards)
      .split(v[2], yo, yt, ty, TailStrategy::ShiftInwards)
      .reorder(ci, cgt, xt, yt, cgo, xo, yo, v[3])
      .fuse(yo, v[3], yn)
      .fuse(cgt, xt, t1)
      .fuse(t1, yt, t)
      .gpu_blocks(cgo, xo, yn)
      .gpu_threads(t)
      .unroll(ci);

  // The accumulator in the thread: channels innermost, unrolled, inside
  // the reduction over (input channel, kx, ky).
  Func acc(env.at(accName));
  acc.compute_at(out, t).unroll(acc.args()[0]);
  std::vector<VarOrRVar> order;
  std::vector<Var> av = acc.args();
  order.push_back(av[0]);
  order.push_back(av[1]);
  order.push_back(av[2]);
  for (const Internal::Dim &d : env.at(accName).update(0).schedule().dims())
    if (d.is_rvar())
      order.push_back(RVar(d.var));
  order.push_back(av[3]);
  acc.update().reorder(order).unroll(av[0]);

  // The block's input window in shared memory, copied by all its threads.
  if (sc.gpuShared == "input") {
    int pixX = tx, pixY = ty;
    if (fwd && spec.fusedPool.enabled) {
      pixX = (tx - 1) * spec.fusedPool.strideW + spec.fusedPool.poolW;
      pixY = (ty - 1) * spec.fusedPool.strideH + spec.fusedPool.poolH;
    }
    int64_t reachX = int64_t(a.kernelW - 1) * a.dilationW;
    int64_t reachY = int64_t(a.kernelH - 1) * a.dilationH;
    int64_t spanX = fwd ? (pixX - 1) * a.strideW + reachX + 1 : pixX + reachX;
    int64_t spanY = fwd ? (pixY - 1) * a.strideH + reachY + 1 : pixY + reachY;
    if (int64_t(cin) * spanX * spanY * 4 <= 40 * 1024) {
      Func in(env.at(inName));
      std::vector<Var> iv = in.args();
      std::string q = baseName(inName);
      Var f1(q + "_f1"), f2(q + "_f2"), f(q + "_f"), fo(q + "_fo"),
          fi(q + "_fi");
      in.compute_at(out, cgo)
          .store_in(MemoryType::GPUShared)
          .fuse(iv[0], iv[1], f1)
          .fuse(f1, iv[2], f2)
          .fuse(f2, iv[3], f)
          .split(f, fo, fi, gt * tx * ty, TailStrategy::GuardWithIf)
          .reorder(fo, fi)
          .gpu_threads(fi);
    }
  }
  return true;
}

} // namespace

void applyGpuSchedule(const KernelSpec &spec, const Schedule &schedule,
                      KernelPipeline &k, const Target &target) {
  (void)target;
  // 1. Every Function of the pipeline, reset.
  std::map<std::string, Function> env;
  std::set<std::string> outputs;
  for (const Func &f : k.outputs) {
    env[f.name()] = f.function();
    outputs.insert(f.name());
    auto calls = Internal::find_transitive_calls(f.function());
    env.insert(calls.begin(), calls.end());
  }
  for (auto &[name, fn] : env)
    resetFunctionSchedule(fn);
  if (k.outputs.size() == 1 &&
      tileConvolution(spec, schedule, env, k.outputs.front()))
    return;

  // 2. Computed Funcs, and for each accumulator the computed Funcs that
  //    call it (through inlined ones).
  std::set<std::string> computed = outputs;
  for (auto &[name, fn] : env)
    if (fn.has_update_definition())
      computed.insert(name);
  std::map<std::string, std::set<std::string>> consumers;
  for (const std::string &g : computed) {
    std::vector<std::string> stack = {g};
    std::set<std::string> seen;
    while (!stack.empty()) {
      std::string cur = stack.back();
      stack.pop_back();
      for (auto &[callee, fn] : Internal::find_direct_calls(env.at(cur))) {
        if (callee == cur || !env.count(callee))
          continue;
        if (computed.count(callee))
          consumers[callee].insert(g);
        else if (seen.insert(callee).second)
          stack.push_back(callee);
      }
    }
  }

  // 3. and 4. Outputs first, so a consumer's thread loop exists before an
  //    accumulator is placed in it; then accumulators, consumers before
  //    producers (repeat until each placed one's consumer is done).
  int threads = schedule.gpuThreads > 0 ? schedule.gpuThreads : 128;
  bool inThread = schedule.gpuComputeAt == "thread";
  // Per computed Func, the thread variable of each stage.
  std::map<std::string, std::vector<std::optional<Var>>> threadVars;
  // The stage of `user` that reaches `callee` (through inlined Funcs), if
  // exactly one does.
  auto usingStage = [&](const std::string &user,
                        const std::string &callee) -> int {
    Function fn = env.at(user);
    int found = -1;
    for (int st = 0; st <= static_cast<int>(fn.updates().size()); ++st) {
      const Internal::Definition &def =
          st == 0 ? fn.definition() : fn.update(st - 1);
      std::vector<std::string> stack;
      for (const std::string &c : stageCalls(def))
        stack.push_back(c);
      std::set<std::string> seen;
      bool reaches = false;
      while (!stack.empty() && !reaches) {
        std::string cur = stack.back();
        stack.pop_back();
        if (cur == callee)
          reaches = true;
        else if (env.count(cur) && !computed.count(cur) &&
                 seen.insert(cur).second)
          for (auto &[c, f] : Internal::find_direct_calls(env.at(cur)))
            stack.push_back(c);
      }
      if (reaches) {
        if (found >= 0)
          return -1;
        found = st;
      }
    }
    return found;
  };
  std::set<std::string> done;
  auto scheduleRoot = [&](const std::string &name) {
    Function fn = env.at(name);
    Func f(fn);
    if (!outputs.count(name))
      f.compute_root();
    std::vector<std::optional<Var>> &tv = threadVars[name];
    tv.push_back(tileStage(Stage(f), fn.definition(), name + "_s0", threads,
                           schedule.gpuTileX));
    for (int u = 0; u < static_cast<int>(fn.updates().size()); ++u)
      tv.push_back(tileStage(f.update(u), fn.update(u),
                             name + "_s" + std::to_string(u + 1), threads,
                             schedule.gpuTileX));
    done.insert(name);
  };
  for (const std::string &name : outputs)
    scheduleRoot(name);
  bool progress = true;
  while (progress) {
    progress = false;
    for (const std::string &name : computed) {
      if (done.count(name))
        continue;
      const std::set<std::string> &users = consumers[name];
      bool ready = true;
      for (const std::string &u : users)
        ready = ready && done.count(u);
      if (!ready)
        continue;
      progress = true;
      int stage = -1;
      if (inThread && users.size() == 1 && threadVars.count(*users.begin()) &&
          env.at(name).dimensions() <= env.at(*users.begin()).dimensions())
        stage = usingStage(*users.begin(), name);
      if (stage >= 0 && threadVars.at(*users.begin()).at(stage)) {
        const std::string &user = *users.begin();
        Func(env.at(name))
            .compute_at(Func(env.at(user)), *threadVars.at(user).at(stage));
        done.insert(name); // serial inside the thread; no thread var of its own
      } else {
        scheduleRoot(name);
      }
    }
  }
  // A cycle cannot occur (Halide's graphs are acyclic); anything left is
  // computed at root.
  for (const std::string &name : computed)
    if (!done.count(name))
      scheduleRoot(name);
}

} // namespace kernels

} // namespace kiln::codegen
