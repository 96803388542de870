//===- ModelBuilder.cpp - ModelSpec -> nn IR ------------------------------===//
//
// Builds @forward layer by layer through the layer table.
//
// 1. Input layers become function arguments (batch `?`).
// 2. Each other layer resolves its arguments (LayerArgs) and lowers to nn
//    ops at NameLoc(layer, file:line:col); every op is shape-inferred as it
//    is created, and an op's error is reported at the layer.
// 3. The model's outputs are returned; compile/fit settings and the data
//    set become module attributes (nn.compile, nn.fit, nn.dataset).
// 4. The module is verified.
//
//===----------------------------------------------------------------------===//
#include "frontend/ModelBuilder.h"
#include "frontend/KValueAttr.h"
#include "frontend/LayerEmitter.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <map>
#include <set>

using namespace mlir;

namespace kiln::frontend {
namespace {

/// Signature of InputLayer / keras.Input.
std::vector<Param> inputParams() {
  return {{"shape", KValue::none()},       {"batch_size", KValue::none()},
          {"dtype", KValue::none()},       {"sparse", KValue::none()},
          {"batch_shape", KValue::none()}, {"name", KValue::none()},
          {"tensor", KValue::none()},      {"optional", KValue::boolean(false)},
          {"ragged", KValue::none()},      {"input_tensor", KValue::none()}};
}

class Builder {
public:
  Builder(const ModelSpec &spec, MLIRContext &ctx, llvm::SourceMgr &sm,
          llvm::raw_ostream &errs)
      : spec(spec), ctx(ctx), b(&ctx), diag(sm, errs) {}

  std::optional<BuiltModel> build();

private:
  Location locate(llvm::SMLoc loc, const std::string &layer);
  std::optional<std::vector<int64_t>> inputShape(const LayerSpec &layer);
  bool buildLayer(size_t index);
  void addTrainingAttrs(ModuleOp module);
  std::string connection(const TensorRef &ref) const;

  const ModelSpec &spec;
  MLIRContext &ctx;
  OpBuilder b;
  LayerDiag diag;
  BuiltModel model;
  std::vector<SmallVector<Value, 1>> outputs; ///< per layer
  llvm::SMLoc currentLoc; ///< the layer being built, for op diagnostics
};

Location Builder::locate(llvm::SMLoc loc, const std::string &layer) {
  Location fileLoc = UnknownLoc::get(&ctx);
  if (loc.isValid()) {
    unsigned buf = diag.sm.FindBufferContainingLoc(loc);
    if (buf) {
      auto [line, col] = diag.sm.getLineAndColumn(loc, buf);
      fileLoc = FileLineColLoc::get(
          &ctx, diag.sm.getMemoryBuffer(buf)->getBufferIdentifier(), line, col);
    }
  }
  return layer.empty() ? fileLoc
                       : NameLoc::get(StringAttr::get(&ctx, layer), fileLoc);
}

std::optional<std::vector<int64_t>>
Builder::inputShape(const LayerSpec &layer) {
  auto args = LayerArgs::resolve(layer, inputParams(), diag);
  if (!args || !args->requireFloat32())
    return std::nullopt;
  for (const char *flag : {"sparse", "ragged"})
    if (args->get(flag).kind == KValue::Kind::Bool && args->get(flag).b) {
      args->error(flag, std::string(flag) + " inputs are not supported");
      return std::nullopt;
    }
  // Keras 3: shape (no batch) or batch_shape; Keras 2: batch_input_shape or
  // input_shape.
  for (const char *withBatch : {"batch_shape", "batch_input_shape"})
    if (!args->get(withBatch).isNone()) {
      auto s = args->getShape(withBatch, true);
      if (!s)
        return std::nullopt;
      if (s->empty()) {
        args->error(withBatch, std::string(withBatch) +
                                   " must include the batch axis");
        return std::nullopt;
      }
      s->erase(s->begin());
      return s;
    }
  for (const char *noBatch : {"shape", "input_shape"})
    if (!args->get(noBatch).isNone())
      return args->getShape(noBatch, true);
  diag.error(layer.loc, "input '" + layer.name + "' has no shape");
  return std::nullopt;
}

std::string Builder::connection(const TensorRef &ref) const {
  return spec.layers[ref.layer].name + "[0][" + std::to_string(ref.index) +
         "]";
}

bool Builder::buildLayer(size_t index) {
  const LayerSpec &layer = spec.layers[index];
  diag.context = "layer '" + layer.name + "' (" + layer.className + "): ";
  const LayerDef *def = lookupLayer(layer.className);
  if (!def) {
    diag.error(layer.loc, "unknown layer class '" + layer.className + "'");
    return false;
  }
  SmallVector<Value, 2> inputs;
  SummaryRow row{layer.name, def->className, {}, 0, {}, false};
  for (const TensorRef &ref : layer.inputs) {
    if (ref.layer < 0 || static_cast<size_t>(ref.layer) >= index ||
        ref.index < 0 ||
        static_cast<size_t>(ref.index) >= outputs[ref.layer].size()) {
      diag.error(layer.loc, "refers to a tensor that is not defined before it");
      return false;
    }
    inputs.push_back(outputs[ref.layer][ref.index]);
    row.connectedTo.push_back(connection(ref));
  }
  if (def->arity == 1 && inputs.size() != 1) {
    diag.error(layer.loc, "takes one input, got " +
                              std::to_string(inputs.size()));
    return false;
  }
  if (def->arity == 0 && inputs.size() < 2) {
    diag.error(layer.loc, "merges a list of at least two inputs, got " +
                              std::to_string(inputs.size()));
    return false;
  }
  auto args = LayerArgs::resolve(layer, def->signature, diag);
  if (!args)
    return false;
  // Keras's trainable=False freezes a layer: none of its weights is updated
  // (and a frozen BatchNormalization normalises with its moving statistics).
  std::optional<bool> trainable = args->getBool("trainable");
  if (!trainable)
    return false;
  LayerEmitter emitter(b, locate(layer.loc, layer.name), *args, layer.name);
  emitter.frozen = !*trainable;
  SmallVector<Value, 1> results;
  if (!def->lower(emitter, inputs, results) || diag.failed)
    return false;
  for (Value v : results)
    row.shape.assign(LayerEmitter::shapeOf(v).begin(),
                     LayerEmitter::shapeOf(v).end());
  row.params = emitter.trainableParams + emitter.nonTrainableParams;
  model.trainableParams += emitter.trainableParams;
  model.nonTrainableParams += emitter.nonTrainableParams;
  outputs[index] = results;
  model.rows.push_back(row);
  return true;
}

void Builder::addTrainingAttrs(ModuleOp module) {
  if (spec.compile)
    module->setAttr("nn.compile", toDictAttr(b, spec.compile->kwargs));
  if (spec.fit)
    module->setAttr("nn.fit", toDictAttr(b, spec.fit->kwargs));
  if (!spec.dataset.empty())
    module->setAttr("nn.dataset", b.getStringAttr(spec.dataset));
}

std::optional<BuiltModel> Builder::build() {
  model.name = spec.name;
  model.functional = spec.kind == ModelSpec::Kind::Functional;
  // Keras calls a functional model "sequential-like" when each layer has
  // one input from the layer before it; its summary then has no "Connected
  // to" column.
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const auto &ins = spec.layers[i].inputs;
    if (spec.layers[i].className == "InputLayer")
      continue;
    if (ins.size() != 1 || ins[0].layer != static_cast<int>(i) - 1)
      model.sequential = false;
  }
  if (spec.inputs.size() != 1)
    model.sequential = spec.inputs.empty() ? model.sequential : false;

  model.module = ModuleOp::create(locate(spec.loc, ""));
  ModuleOp module = *model.module;
  module->setAttr("nn.model", b.getStringAttr(spec.name));

  // 1. Inputs.
  SmallVector<Type, 2> argTypes;
  std::vector<int> argOf(spec.layers.size(), -1);
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec &layer = spec.layers[i];
    if (layer.className != "InputLayer")
      continue;
    diag.context = "input '" + layer.name + "': ";
    if (!layer.inputs.empty()) {
      diag.error(layer.loc, "an InputLayer takes no inputs");
      return std::nullopt;
    }
    auto shape = inputShape(layer);
    if (!shape)
      return std::nullopt;
    SmallVector<int64_t, 4> dims{ShapedType::kDynamicSize};
    for (int64_t d : *shape)
      dims.push_back(d < 0 ? ShapedType::kDynamicSize : d);
    argOf[i] = argTypes.size();
    argTypes.push_back(RankedTensorType::get(dims, b.getF32Type()));
  }
  if (argTypes.empty()) {
    diag.context.clear();
    diag.error(spec.loc, "the model has no input: add keras.Input(shape=...) "
                         "or input_shape=... on the first layer");
    return std::nullopt;
  }
  auto func = FuncOp::create(locate(spec.loc, ""), "forward",
                             b.getFunctionType(argTypes, {}));
  module.push_back(func);
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  outputs.resize(spec.layers.size());

  // 2. Layers. Diagnostics that ops emit are reported at the layer.
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    if (d.getSeverity() != DiagnosticSeverity::Error)
      return success();
    std::string msg = d.str();
    // "'nn.conv2d' op kernel ..." -> "kernel ...": the user wrote a layer.
    size_t op = msg.find("' op ");
    if (!msg.empty() && msg[0] == '\'' && op != std::string::npos)
      msg = msg.substr(op + 5);
    diag.error(currentLoc, msg);
    return success();
  });
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec &layer = spec.layers[i];
    currentLoc = layer.loc;
    if (argOf[i] >= 0) {
      Value arg = body->getArgument(argOf[i]);
      outputs[i].push_back(arg);
      func.setArgAttr(argOf[i], "nn.name", b.getStringAttr(layer.name));
      SummaryRow row{layer.name, "InputLayer", {}, 0, {}, true};
      row.shape.assign(LayerEmitter::shapeOf(arg).begin(),
                       LayerEmitter::shapeOf(arg).end());
      model.rows.push_back(row);
      continue;
    }
    if (!buildLayer(i))
      return std::nullopt;
  }

  // 3. Outputs and training settings.
  SmallVector<Value, 2> results;
  for (const TensorRef &ref : spec.outputs) {
    if (ref.layer < 0 || static_cast<size_t>(ref.layer) >= outputs.size() ||
        ref.index < 0 ||
        static_cast<size_t>(ref.index) >= outputs[ref.layer].size()) {
      diag.context.clear();
      diag.error(spec.loc, "the model's output is not a layer's output");
      return std::nullopt;
    }
    results.push_back(outputs[ref.layer][ref.index]);
  }
  if (results.empty()) {
    diag.context.clear();
    diag.error(spec.loc, "the model has no output");
    return std::nullopt;
  }
  b.create<ReturnOp>(locate(spec.loc, ""), results);
  func.setType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  addTrainingAttrs(module);

  // 4. Verify: a failure here is kiln's bug, but still a message, not a
  // crash.
  currentLoc = spec.loc;
  diag.context = "internal error: ";
  if (failed(verify(module)) || diag.failed)
    return std::nullopt;
  return std::move(model);
}

} // namespace

std::optional<BuiltModel> buildModel(const ModelSpec &spec,
                                     MLIRContext &context, llvm::SourceMgr &sm,
                                     llvm::raw_ostream &errs) {
  context.loadDialect<nn::NNDialect, StandardOpsDialect>();
  return Builder(spec, context, sm, errs).build();
}

std::vector<std::string> knownLayerClasses() {
  auto names = layerClassNames();
  names.push_back("InputLayer");
  return names;
}

} // namespace kiln::frontend
