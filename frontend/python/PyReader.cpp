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

bool Interp::buildSpec(ModelSpec &out) {
  if (models.empty())
    return fail(llvm::SMLoc::getFromPointer(bufferStart),
                "no Keras model is built in this script: kiln needs "
                "keras.Sequential(...) or keras.Model(...)");
  const ModelRec &m = models.back();
  for (size_t k = 0; k + 1 < models.size(); ++k)
    for (const auto *call : {&models[k].compile, &models[k].fit})
      if (*call)
        return fail((*call)->loc,
                    std::string(call == &models[k].compile ? "compile"
                                                           : "fit") +
                        "() is called on model '" + models[k].name +
                        "', but the model kiln reads is '" + m.name +
                        "', the last one built");
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
    std::set<int> seen;
    std::vector<int> stack;
    for (const TensorRef &t : m.outs)
      stack.push_back(t.layer);
    for (const TensorRef &t : m.ins)
      stack.push_back(t.layer);
    while (!stack.empty()) {
      int l = stack.back();
      stack.pop_back();
      if (!seen.insert(l).second)
        continue;
      for (const TensorRef &t : layers[size_t(l)].spec.inputs)
        stack.push_back(t.layer);
    }
    std::vector<int> order(seen.begin(), seen.end());
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      return layers[size_t(a)].order < layers[size_t(b)].order;
    });
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
  return execBlock(stmts) && buildSpec(out);
}

} // namespace kiln::frontend::python

namespace kiln::frontend {

std::optional<ModelSpec> parsePythonModel(llvm::SourceMgr &sm,
                                          unsigned bufferId,
                                          llvm::raw_ostream &errs) {
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
  ModelSpec spec;
  if (!interp.run(stmts, spec))
    return report(interp.error());
  return spec;
}

} // namespace kiln::frontend
