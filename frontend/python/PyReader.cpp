//===- PyReader.cpp - parsePythonModel and the final ModelSpec ------------===//
//
// The Python reader's entry point: tokenize, parse, interpret, then turn the
// model the script built last into a ModelSpec (Sequential chains, or the
// functional graph in call order with producers renumbered), reporting the
// first error through the SourceMgr.
//
//===----------------------------------------------------------------------===//
#include "frontend/Frontends.h"
#include "frontend/Diagnostics.h"
#include "frontend/python/PyInterp.h"

#include <algorithm>
#include <set>

namespace kiln::frontend::python {
namespace {
std::string layerContext(const LayerSpec &spec) {
  return "in layer '" + spec.name + "' (" + spec.className + "): ";
}
} // namespace

std::vector<int> Interp::reachableLayers(const std::vector<TensorRef> &from,
                                         const std::set<int> *stop) const {
  std::set<int> seen;
  std::vector<int> stack;
  for (const TensorRef &t : from)
    stack.push_back(t.layer);
  while (!stack.empty()) {
    int l = stack.back();
    stack.pop_back();
    if ((stop && stop->count(l)) || !seen.insert(l).second)
      continue;
    for (const TensorRef &t : layers[size_t(l)].spec.inputs)
      stack.push_back(t.layer);
  }
  std::vector<int> order(seen.begin(), seen.end());
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return layers[size_t(a)].order < layers[size_t(b)].order;
  });
  return order;
}

bool Interp::buildSpec(ModelSpec &out) {
  if (models.empty())
    return fail(llvm::SMLoc::getFromPointer(bufferStart),
                "no Keras model is built in this script: kiln needs "
                "keras.Sequential(...) or keras.Model(...)");
  // The model is the one the script trains (fit() last called on it), else
  // the last one built; `--model NAME` picks any other by its name.
  int chosen = int(models.size()) - 1;
  for (size_t k = 0; k < models.size(); ++k)
    if (models[k].fitOrder > 0 &&
        (models[size_t(chosen)].fitOrder < models[k].fitOrder))
      chosen = int(k);
  if (!wantedModel.empty()) {
    chosen = -1;
    std::string names;
    for (size_t k = 0; k < models.size(); ++k) {
      if (models[k].name == wantedModel)
        chosen = int(k);
      names += (names.empty() ? "" : ", ") + models[k].name;
    }
    if (chosen < 0)
      return fail(llvm::SMLoc::getFromPointer(bufferStart),
                  "the script builds no model named '" + wantedModel +
                      "' (it builds " + names + ")");
  }
  const ModelRec &m = models[size_t(chosen)];
  if (m.inlined && !m.sequential)
    return fail(m.loc, "model '" + m.name + "' is used as a layer of "
                       "another model, so kiln reads it only as part of "
                       "that model");
  if (m.object >= 0) {
    int cls = objects[size_t(m.object)].cls;
    Value step;
    int owner = -1;
    if (findAttr(cls, "train_step", step, &owner))
      return fail(step.loc.isValid() ? step.loc : m.loc,
                  "model '" + m.name + "' (class " +
                      classes[size_t(cls)].name +
                      ") overrides train_step(): kiln trains models with "
                      "Keras's built-in training step only");
    if (m.outs.empty())
      return fail(m.loc, "model '" + m.name + "' (class " +
                             classes[size_t(cls)].name +
                             ") is never called on a Keras tensor, so kiln "
                             "cannot trace it: call model.build(input_shape) "
                             "or model(keras.Input(shape=...))");
  }
  out.kind = m.sequential ? ModelSpec::Kind::Sequential
                          : ModelSpec::Kind::Functional;
  out.name = m.name;
  out.loc = m.loc;
  out.compile = m.compile;
  out.fit = m.fit;
  out.dataset = dataset;
  out.datasetLoc = datasetLoc;
  if (m.sequential) {
    if (m.input < 0)
      return fail(m.loc, "the Sequential model '" + m.name +
                             "' has no input shape: add "
                             "keras.Input(shape=...) as its first layer");
    std::vector<int> order{m.input};
    order.insert(order.end(), m.seq.begin(), m.seq.end());
    for (size_t k = 0; k < order.size(); ++k) {
      LayerSpec spec = layers[size_t(order[k])].spec;
      spec.inputs.clear();
      if (k > 0)
        spec.inputs.push_back({int(k - 1), 0});
      out.layers.push_back(std::move(spec));
    }
    out.inputs = {{0, 0}};
    out.outputs = {{int(order.size() - 1), 0}};
  } else {
    // The layers the outputs reach, plus the inputs, in connection order.
    std::vector<TensorRef> ends = m.outs;
    ends.insert(ends.end(), m.ins.begin(), m.ins.end());
    std::vector<int> order = reachableLayers(ends);
    std::map<int, int> local;
    for (int l : order)
      local[l] = int(local.size());
    for (int l : order) {
      LayerSpec spec = layers[size_t(l)].spec;
      for (TensorRef &t : spec.inputs)
        t.layer = local[t.layer];
      out.layers.push_back(std::move(spec));
    }
    for (const TensorRef &t : m.ins)
      out.inputs.push_back({local[t.layer], t.index});
    for (const TensorRef &t : m.outs)
      out.outputs.push_back({local[t.layer], t.index});
  }
  std::set<std::string> names;
  for (const LayerSpec &spec : out.layers)
    if (!names.insert(spec.name).second) {
      Context ctx(*this, layerContext(spec));
      return fail(spec.loc, "the name '" + spec.name +
                                "' is used by two layers of the model");
    }
  return true;
}

bool Interp::run(const std::vector<StmtP> &stmts, ModelSpec &out) {
  if (!execBlock(stmts))
    return false;
  if (raising)
    return fail(raised.loc, "the script raises " + raised.s2 +
                                " here, and nothing catches it");
  return buildSpec(out);
}

} // namespace kiln::frontend::python

namespace kiln::frontend {

std::optional<ModelSpec> parsePythonModel(llvm::SourceMgr &sm,
                                          unsigned bufferId,
                                          llvm::raw_ostream &errs,
                                          const PythonOptions &options) {
  using namespace python;
  const llvm::MemoryBuffer *buf = sm.getMemoryBuffer(bufferId);
  std::vector<Token> tokens;
  std::vector<StmtP> stmts;
  Diag diag;
  auto report = [&](const Diag &d) {
    llvm::SMLoc loc = d.loc.isValid()
                          ? d.loc
                          : llvm::SMLoc::getFromPointer(buf->getBufferStart());
    printSourceMessage(sm, errs, loc, llvm::SourceMgr::DK_Error, d.msg);
    return std::nullopt;
  };
  if (!tokenize(buf->getBuffer(), tokens, diag) ||
      !parseTokens(tokens, stmts, diag))
    return report(diag);
  Interp interp(buf->getBufferStart());
  interp.wantedModel = options.model;
  ModelSpec spec;
  if (!interp.run(stmts, spec))
    return report(interp.error());
  return spec;
}

} // namespace kiln::frontend
