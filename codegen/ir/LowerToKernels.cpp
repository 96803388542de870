//===- LowerToKernels.cpp - nn IR -> kernel calls and a Plan --------------===//
//
// One lowering per op family, each a small function from the op (and the
// epilogue it absorbs) to a KernelSpec whose argument order
// (codegen::kernelArguments) says which plan tensors to bind.
//
// 1. Function arguments become plan inputs; nn.weight ops plan weights.
// 2. Each op lowers to one call (or a view), absorbing a single-use
//    elementwise consumer where its family can fuse it.
// 3. Returned values become the plan's outputs; the arena is planned.
//
//===----------------------------------------------------------------------===//
#include "codegen/ir/LowerToKernels.h"
#include "codegen/KernelCompiler.h"
#include "ir/NNDialect.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
namespace cg = kiln::codegen;

namespace kiln {
namespace {

std::vector<int64_t> planShape(Value v) {
  std::vector<int64_t> s;
  for (int64_t d : v.getType().cast<RankedTensorType>().getShape())
    s.push_back(d == ShapedType::kDynamicSize ? -1 : d);
  return s;
}

/// The Keras layer name of an op (its NameLoc), for kernel and tensor names.
std::string layerName(Operation *op) {
  if (auto n = op->getLoc().dyn_cast<NameLoc>())
    return n.getName().str();
  return op->getName().stripDialect().str();
}

std::vector<int> ints(ArrayAttr a) {
  std::vector<int> v;
  for (Attribute x : a)
    v.push_back(x.cast<IntegerAttr>().getInt());
  return v;
}

class Lowering {
public:
  std::optional<KernelProgram> run(FuncOp func);

private:
  int tensorFor(Value v, runtime::TensorRole role, const std::string &name);
  int lookup(Value v) { return ids.lookup(v); }
  /// The single user of `v` if it is an op of type OpTy, else null.
  template <typename OpTy> OpTy soleUser(Value v) {
    if (!v.hasOneUse())
      return nullptr;
    return dyn_cast<OpTy>(*v.getUsers().begin());
  }
  void call(const cg::KernelSpec &spec, std::vector<Value> args,
            const std::string &label);
  LogicalResult lowerOp(Operation *op);
  LogicalResult lowerConv(nn::Conv2DOp op);
  LogicalResult lowerDense(nn::DenseOp op);
  template <typename OpTy>
  LogicalResult lowerPool(OpTy op, cg::KernelFamily family);

  KernelProgram program;
  llvm::DenseMap<Value, int> ids;
  llvm::DenseSet<Operation *> absorbed;
};

int Lowering::tensorFor(Value v, runtime::TensorRole role,
                        const std::string &name) {
  runtime::PlanTensor t;
  t.name = name;
  t.shape = planShape(v);
  t.role = role;
  int id = program.plan.tensors.size();
  program.plan.tensors.push_back(t);
  ids[v] = id;
  return id;
}

void Lowering::call(const cg::KernelSpec &spec, std::vector<Value> args,
                    const std::string &label) {
  std::string symbol = cg::kernelSymbol(spec);
  program.kernels.emplace(symbol, spec);
  runtime::PlanCall c{symbol, {}, label};
  for (Value v : args)
    c.args.push_back(lookup(v));
  program.plan.calls.push_back(c);
}

LogicalResult Lowering::lowerConv(nn::Conv2DOp op) {
  auto in = planShape(op.input());
  auto k = planShape(op.kernel());
  cg::Conv2DAttrs a;
  a.kernelH = k[0];
  a.kernelW = k[1];
  a.filters = k[3];
  auto st = ints(op.strides()), dil = ints(op.dilation());
  a.strideH = st[0];
  a.strideW = st[1];
  a.dilationH = dil[0];
  a.dilationW = dil[1];
  a.padding = op.padding() == "same" ? cg::Padding::Same : cg::Padding::Valid;
  a.useBias = bool(op.bias());
  Value out = op.output();
  if (auto relu = soleUser<nn::ReluOp>(out)) {
    a.activation = cg::Activation::Relu;
    absorbed.insert(relu);
    out = relu.output();
  }
  std::string name = layerName(op);
  tensorFor(out, runtime::TensorRole::Intermediate, name + "/output");
  std::vector<Value> args = {op.input(), op.kernel()};
  if (op.bias())
    args.push_back(op.bias());
  args.push_back(out);
  call(cg::KernelSpec::conv2d(name, in[1], in[2], in[3], a), args,
       name + ": conv2d" + (a.activation == cg::Activation::Relu ? "+relu" : ""));
  return success();
}

LogicalResult Lowering::lowerDense(nn::DenseOp op) {
  auto in = planShape(op.input());
  if (in.size() != 2)
    return op.emitOpError("has no kernel for rank-")
           << in.size() << " inputs yet (flatten first)";
  cg::DenseAttrs a;
  a.units = planShape(op.kernel())[1];
  a.useBias = bool(op.bias());
  Value out = op.output();
  std::string suffix;
  if (auto sm = soleUser<nn::SoftmaxOp>(out)) {
    a.activation = cg::Activation::Softmax;
    absorbed.insert(sm);
    out = sm.output();
    suffix = "+softmax";
  } else if (auto relu = soleUser<nn::ReluOp>(out)) {
    a.activation = cg::Activation::Relu;
    absorbed.insert(relu);
    out = relu.output();
    suffix = "+relu";
  }
  std::string name = layerName(op);
  tensorFor(out, runtime::TensorRole::Intermediate, name + "/output");
  std::vector<Value> args = {op.input(), op.kernel()};
  if (op.bias())
    args.push_back(op.bias());
  args.push_back(out);
  call(cg::KernelSpec::denseLayer(name, in[1], a), args,
       name + ": dense" + suffix);
  return success();
}

template <typename OpTy>
LogicalResult Lowering::lowerPool(OpTy op, cg::KernelFamily family) {
  auto in = planShape(op.input());
  cg::PoolAttrs a;
  auto ps = ints(op.pool_size()), st = ints(op.strides());
  a.poolH = ps[0];
  a.poolW = ps[1];
  a.strideH = st[0];
  a.strideW = st[1];
  a.padding = op.padding() == "same" ? cg::Padding::Same : cg::Padding::Valid;
  std::string name = layerName(op);
  tensorFor(op.output(), runtime::TensorRole::Intermediate, name + "/output");
  call(cg::KernelSpec::pool2d(name, family, in[1], in[2], in[3], a),
       {op.input(), op.output()},
       name + ": " + op->getName().stripDialect().str());
  return success();
}

LogicalResult Lowering::lowerOp(Operation *op) {
  if (absorbed.count(op))
    return success();
  auto view = [&](Value from, Value to) {
    int id = tensorFor(to, runtime::TensorRole::View,
                       layerName(to.getDefiningOp()) + "/output");
    program.plan.tensors[id].viewOf = lookup(from);
    return success();
  };
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](nn::WeightOp w) {
        tensorFor(w.output(), runtime::TensorRole::Weight, w.name().str());
        return success();
      })
      .Case([&](nn::Conv2DOp c) { return lowerConv(c); })
      .Case([&](nn::DenseOp d) { return lowerDense(d); })
      .Case([&](nn::MaxPool2DOp p) {
        return lowerPool(p, cg::KernelFamily::MaxPool2D);
      })
      .Case([&](nn::AvgPool2DOp p) {
        return lowerPool(p, cg::KernelFamily::AvgPool2D);
      })
      // Row-major NHWC flattens in place; dropout is the identity at
      // inference.
      .Case([&](nn::FlattenOp f) { return view(f.input(), f.output()); })
      .Case([&](nn::ReshapeOp f) { return view(f.input(), f.output()); })
      .Case([&](nn::DropoutOp d) { return view(d.input(), d.output()); })
      .Case([&](ReturnOp r) {
        for (Value v : r.getOperands()) {
          int id = lookup(v);
          auto &t = program.plan.tensors[id];
          if (t.role == runtime::TensorRole::Intermediate)
            t.role = runtime::TensorRole::Output;
          program.plan.outputs.push_back(id);
        }
        return success();
      })
      .Default([&](Operation *o) {
        return o->emitOpError("has no kernel yet (kiln cannot run this "
                              "model's layer '")
               << layerName(o) << "')";
      });
}

std::optional<KernelProgram> Lowering::run(FuncOp func) {
  for (BlockArgument arg : func.getArguments()) {
    std::string name = "input" + std::to_string(arg.getArgNumber());
    if (auto n = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                   "nn.name"))
      name = n.getValue().str();
    program.plan.inputs.push_back(
        tensorFor(arg, runtime::TensorRole::Input, name));
  }
  for (Operation &op : func.getBody().front())
    if (failed(lowerOp(&op)))
      return std::nullopt;
  // An output that is a view or an input needs its own buffer: the caller's.
  for (int &o : program.plan.outputs) {
    auto role = program.plan.tensors[o].role;
    if (role != runtime::TensorRole::Output) {
      func.emitError("returning a ")
          << (role == runtime::TensorRole::View ? "view" : "non-computed")
          << " tensor is not supported yet";
      return std::nullopt;
    }
  }
  runtime::planArena(program.plan);
  return std::move(program);
}

} // namespace

std::optional<KernelProgram> lowerToKernels(FuncOp func) {
  return Lowering().run(func);
}

} // namespace kiln
