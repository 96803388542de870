//===- PyModels.cpp - Sequential and functional models --------------------===//
//
// The model half of the Keras semantics: keras.Sequential (list and add()
// forms, the Keras 2 input_shape= form), keras.Model(inputs, outputs),
// calling layers on tensors, what a model's attributes and methods are
// (layers, get_layer, compile, fit, build, ...), and calling a model on
// data (skipped: that is inference, not the model's structure).
//
//===----------------------------------------------------------------------===//
#include "frontend/Frontends.h"
#include "frontend/python/PyInterp.h"

#include <algorithm>
#include <map>
#include <set>

namespace kiln::frontend::python {
namespace {

using VK = Value::Kind;

Value makeValue(VK kind, std::string s, llvm::SMLoc loc) {
  Value v;
  v.kind = kind;
  v.s = std::move(s);
  v.loc = loc;
  return v;
}

std::string layerContext(const LayerSpec &spec) {
  return "in layer '" + spec.name + "' (" + spec.className + "): ";
}

} // namespace

using namespace values;

bool Interp::tensorsOf(const Value &v, const std::string &what,
                       std::vector<TensorRef> &out) {
  if (v.kind == VK::Tensor) {
    out.push_back({v.ref, v.index});
    return true;
  }
  if (v.isSeq() && !v.items.empty()) {
    for (const Value &item : v.items) {
      if (item.kind == VK::Opaque && item.origin.isValid())
        return fail(item.loc, what + " must be Keras tensors, not a value "
                                     "computed from data: " +
                                  dataOrigin(item));
      if (item.kind != VK::Tensor)
        return fail(item.loc, what + " must be Keras tensors, not a " +
                                  typeName(item));
      out.push_back({item.ref, item.index});
    }
    return true;
  }
  if (v.kind == VK::Model)
    return fail(v.loc, "using a model as a layer is not supported");
  if (v.kind == VK::Opaque && v.origin.isValid())
    return fail(v.loc, what + " must be Keras tensors, not a value computed "
                              "from data: " + dataOrigin(v));
  return fail(v.loc, what + " must be Keras tensors, not a " + typeName(v));
}


bool Interp::createModel(const Value &fn, llvm::SMLoc loc, CallArgs &a,
                         Value &out, int object) {
  bool seq = fn.s == "Sequential";
  std::vector<Value> &args = a.args, &kwargs = a.kwargs;
  std::vector<std::string> posNames =
      seq ? std::vector<std::string>{"layers", "name"}
          : std::vector<std::string>{"inputs", "outputs", "name"};
  std::map<std::string, Value> given;
  if (args.size() > posNames.size())
    return fail(args[posNames.size()].loc,
                "too many positional arguments to keras." + fn.s + "()");
  for (size_t k = 0; k < args.size(); ++k)
    given[posNames[k]] = args[k];
  for (size_t k = 0; k < kwargs.size(); ++k) {
    const std::string &key = a.kwNames[k];
    if (std::find(posNames.begin(), posNames.end(), key) == posNames.end() &&
        key != "trainable" && key != "kwargs")
      return fail(a.kwLocs[k], "keras." + fn.s + "() argument '" + key +
                                   "' is not supported");
    if (given.count(key))
      return fail(a.kwLocs[k], "keras." + fn.s +
                                   "() got multiple values for '" + key + "'");
    given[key] = kwargs[k];
  }
  ModelRec m;
  m.sequential = seq;
  m.loc = loc;
  m.object = object;
  if (!seq) {
    if (!given.count("inputs") || !given.count("outputs"))
      return fail(loc, "keras.Model() needs inputs and outputs");
    if (!tensorsOf(given["inputs"], "model inputs", m.ins) ||
        !tensorsOf(given["outputs"], "model outputs", m.outs))
      return false;
    std::set<int> inputSet;
    for (const TensorRef &t : m.ins) {
      if (layers[size_t(t.layer)].spec.className != "InputLayer")
        return fail(given["inputs"].loc,
                    "model inputs must be keras.Input(...) tensors");
      inputSet.insert(t.layer);
    }
    // Every InputLayer the outputs depend on must be an input.
    std::vector<int> stack;
    std::set<int> seen;
    for (const TensorRef &t : m.outs)
      stack.push_back(t.layer);
    while (!stack.empty()) {
      int l = stack.back();
      stack.pop_back();
      if (!seen.insert(l).second)
        continue;
      const LayerSpec &spec = layers[size_t(l)].spec;
      if (spec.className == "InputLayer" && !inputSet.count(l))
        return fail(loc, "the model's outputs depend on input '" +
                               spec.name + "', which is not among its inputs");
      for (const TensorRef &t : spec.inputs)
        stack.push_back(t.layer);
    }
  }
  auto name = given.find("name");
  if (name != given.end() && name->second.kind == VK::Str)
    m.name = name->second.s;
  else if (name != given.end() && name->second.kind != VK::None)
    return fail(name->second.loc, "name= must be a string");
  else if (object >= 0)
    m.name = models[size_t(objects[size_t(object)].model)].name;
  else
    m.name = uniqueName(seq ? "Sequential" : "Functional", used);
  int idx;
  if (object >= 0) {
    idx = objects[size_t(object)].model;
    m.compile = models[size_t(idx)].compile;
    m.fit = models[size_t(idx)].fit;
    m.fitOrder = models[size_t(idx)].fitOrder;
    models[size_t(idx)] = m;
  } else {
    models.push_back(m);
    idx = int(models.size() - 1);
  }
  if (seq && given.count("layers") && given["layers"].kind != VK::None) {
    const Value &list = given["layers"];
    if (!list.isSeq())
      return fail(list.loc, "keras.Sequential() takes a list of layers, not "
                            "a " + typeName(list));
    for (const Value &item : list.items)
      if (!sequentialAdd(idx, item))
        return false;
  }
  out = makeValue(VK::Model, m.name, loc);
  out.ref = idx;
  return true;
}

bool Interp::sequentialAdd(int model, const Value &v) {
  bool custom =
      (v.kind == VK::Instance &&
       (kerasBaseOf(objects[size_t(v.ref)].cls) == "Layer" ||
        kerasBaseOf(objects[size_t(v.ref)].cls) == "Model")) ||
      (v.kind == VK::Model && !models[size_t(v.ref)].sequential);
  if (custom && models[size_t(model)].sequential) {
    // From here on the model is traced: chain what it holds so far.
    ModelRec &m = models[size_t(model)];
    if (m.input < 0)
      return fail(v.loc, "a custom layer or a functional model in a "
                         "Sequential model needs keras.Input(shape=...) as "
                         "the model's first entry");
    TensorRef prev{m.input, 0};
    for (int l : m.seq) {
      layers[size_t(l)].spec.inputs = {prev};
      layers[size_t(l)].order = order++;
      prev = {l, 0};
    }
    m.sequential = false;
    m.traced = true;
    m.ins = {{m.input, 0}};
    m.outs = {prev};
  }
  if (models[size_t(model)].traced) {
    Value prev;
    prev.kind = VK::Tensor;
    prev.ref = models[size_t(model)].outs[0].layer;
    prev.index = models[size_t(model)].outs[0].index;
    prev.loc = v.loc;
    CallArgs a;
    a.args.push_back(prev);
    a.argSrc.push_back(nullptr);
    Value t;
    if (v.kind == VK::Instance) {
      if (!callInstance(v, nullptr, a, v.loc, t))
        return false;
    } else if (v.kind == VK::Model) {
      if (!modelCall(v, a, v.loc, t))
        return false;
    } else if (v.kind == VK::Layer) {
      Context ctx(*this, layerContext(layers[size_t(v.ref)].spec));
      LayerRec &rec = layers[size_t(v.ref)];
      if (rec.connected)
        return fail(v.loc, "the layer is used a second time: shared layers "
                           "are not supported");
      rec.connected = true;
      rec.order = order++;
      rec.spec.inputs = {models[size_t(model)].outs[0]};
      t = prev;
      t.ref = v.ref;
      t.index = 0;
      models[size_t(model)].seq.push_back(v.ref);
    } else {
      return fail(v.loc, "a Sequential model takes layers, not a " +
                             typeName(v));
    }
    std::vector<TensorRef> outs;
    if (!tensorsOf(t, "the output of a Sequential model's entry", outs))
      return false;
    if (outs.size() != 1)
      return fail(v.loc, "an entry of a Sequential model must have one "
                         "output");
    models[size_t(model)].outs = outs;
    return true;
  }
  if (v.kind == VK::Model) {
    // A Sequential model inside a Sequential model: its layers join.
    ModelRec &inner = models[size_t(v.ref)];
    if (!inner.sequential)
      return fail(v.loc, "a functional model inside a Sequential model is "
                         "not supported");
    if (inner.inlined || v.ref == model)
      return fail(v.loc, "model '" + inner.name + "' is used as a layer a "
                         "second time: shared models are not supported");
    inner.inlined = true;
    ModelRec &outer = models[size_t(model)];
    if (outer.seq.empty() && outer.input < 0)
      outer.input = inner.input;
    outer.seq.insert(outer.seq.end(), inner.seq.begin(), inner.seq.end());
    return true;
  }
  if (v.kind == VK::Tensor) {
    ModelRec &m = models[size_t(model)];
    if (layers[size_t(v.ref)].spec.className == "InputLayer" &&
        m.seq.empty() && m.input < 0) {
      m.input = v.ref;
      return true;
    }
    return fail(v.loc, "only keras.Input(...) can be added to a Sequential "
                       "model, as its first entry; other Keras tensors "
                       "cannot");
  }
  if (v.kind == VK::Opaque && v.origin.isValid())
    return fail(v.loc, "a Sequential model takes layers, not a value "
                       "computed from data: " + dataOrigin(v));
  if (v.kind != VK::Layer)
    return fail(v.loc, "a Sequential model takes layers, not a " +
                           typeName(v));
  Context ctx(*this, layerContext(layers[size_t(v.ref)].spec));
  if (layers[size_t(v.ref)].connected)
    return fail(v.loc, "the layer is used a second time: shared layers are "
                       "not supported");
  LayerSpec &spec = layers[size_t(v.ref)].spec;
  bool first = models[size_t(model)].seq.empty() &&
               models[size_t(model)].input < 0;
  if (spec.className == "InputLayer") {
    if (!first)
      return fail(v.loc, "an InputLayer must be the first layer of a "
                         "Sequential model");
  } else if (first) {
    // Keras 2: input_shape= (or batch_input_shape=, input_dim=) on the first
    // layer makes the InputLayer; the keyword stays on the layer too.
    for (const auto &kw : spec.kwargs) {
      KValue shape;
      std::string key = "shape";
      if (kw.first == "input_shape") {
        shape = kw.second;
      } else if (kw.first == "batch_input_shape") {
        shape = kw.second;
        key = "batch_shape";
      } else if (kw.first == "input_dim") {
        shape = KValue::tuple({kw.second}, kw.second.loc);
      } else {
        continue;
      }
      LayerRec in;
      in.spec.className = "InputLayer";
      in.spec.loc = spec.loc;
      in.spec.kwargs.emplace_back(key, std::move(shape));
      in.spec.name = uniqueName("InputLayer", used);
      in.connected = true;
      in.order = order++;
      layers.push_back(std::move(in));
      models[size_t(model)].input = int(layers.size() - 1);
      break;
    }
  }
  LayerRec &rec = layers[size_t(v.ref)];
  rec.connected = true;
  rec.order = order++;
  if (rec.spec.className == "InputLayer")
    models[size_t(model)].input = v.ref;
  else
    models[size_t(model)].seq.push_back(v.ref);
  return true;
}

bool Interp::layerCall(const Value &layer, const Expr &e, CallArgs &a,
                       Value &out) {
  int ref = layer.ref;
  Context ctx(*this, layerContext(layers[size_t(ref)].spec));
  for (size_t k = 0; k < a.kwNames.size(); ++k)
    if (a.kwNames[k] != "training" && a.kwNames[k] != "mask")
      return fail(a.kwLocs[k], "keyword argument '" + a.kwNames[k] +
                                   "' to a layer call is not supported");
  if (a.args.empty())
    return fail(e.loc, "a layer is called on one tensor or one list of "
                       "tensors");
  Value arg = a.args[0];
  if (a.args.size() > 1) {
    // layer(query, value): several input tensors.
    if (!makeSeq(VK::List, a.args, e.loc, arg))
      return false;
    for (const Value &x : a.args)
      if (x.kind == VK::Opaque)
        arg = x;
  }
  if (arg.kind == VK::Opaque) {
    // Running a layer on data (plots, previews) is not model structure.
    out = derived(arg, e.source().str(), e.loc);
    return true;
  }
  std::vector<TensorRef> ins;
  if (!tensorsOf(arg, "the layer's inputs", ins))
    return false;
  LayerRec &rec = layers[size_t(ref)];
  if (rec.spec.className == "InputLayer")
    return fail(e.loc, "an InputLayer cannot be called; use keras.Input()");
  if (rec.connected)
    return fail(e.loc, "the layer is used a second time: shared layers are "
                       "not supported");
  rec.connected = true;
  rec.order = order++;
  rec.spec.inputs = std::move(ins);
  out = makeValue(VK::Tensor, "", e.loc);
  out.ref = ref;
  return true;
}

/// A model called on tensors is used as a layer: its layers join the
/// calling graph in its place (the summary lists them flattened; the
/// parameters are the same). A second use would share its weights, which
/// kiln's flat graphs cannot express.
bool Interp::modelCall(const Value &model, CallArgs &a, llvm::SMLoc loc,
                       Value &out) {
  if (!a.args.empty() && a.args[0].kind == VK::Opaque) {
    out = derived(a.args[0], "a model's prediction", loc);
    return true;
  }
  ModelRec &m = models[size_t(model.ref)];
  if (a.args.size() != 1)
    return fail(loc, "a model is called on one tensor or one list of "
                     "tensors");
  if (m.inlined)
    return fail(loc, "model '" + m.name + "' is used as a layer a second "
                     "time: shared models are not supported");
  std::vector<TensorRef> ins;
  if (!tensorsOf(a.args[0], "the model's inputs", ins))
    return false;
  if (m.sequential) {
    if (m.seq.empty())
      return fail(loc, "the Sequential model '" + m.name + "' has no layers");
    if (ins.size() != 1)
      return fail(loc, "the Sequential model '" + m.name +
                           "' takes one input tensor");
    TensorRef prev = ins[0];
    for (int l : m.seq) {
      LayerRec &r = layers[size_t(l)];
      r.spec.inputs = {prev};
      r.order = order++;
      prev = {l, 0};
    }
    m.inlined = true;
    out = makeValue(VK::Tensor, "", loc);
    out.ref = prev.layer;
    return true;
  }
  if (m.outs.empty())
    return fail(loc, "model '" + m.name + "' has no outputs yet");
  if (ins.size() != m.ins.size())
    return fail(loc, "model '" + m.name + "' takes " +
                         std::to_string(m.ins.size()) + " inputs, not " +
                         std::to_string(ins.size()));
  std::map<int, TensorRef> mapIn;
  for (size_t k = 0; k < ins.size(); ++k)
    mapIn[m.ins[k].layer] = ins[k];
  std::set<int> inputLayers;
  for (const auto &[l, t] : mapIn)
    inputLayers.insert(l);
  std::vector<int> inner = reachableLayers(m.outs, &inputLayers);
  for (int l : inner) {
    LayerRec &r = layers[size_t(l)];
    for (TensorRef &t : r.spec.inputs)
      if (mapIn.count(t.layer))
        t = mapIn[t.layer];
    r.order = order++;
  }
  m.inlined = true;
  std::vector<Value> outs;
  for (TensorRef t : m.outs) {
    if (mapIn.count(t.layer))
      t = mapIn[t.layer];
    Value v = makeValue(VK::Tensor, "", loc);
    v.ref = t.layer;
    v.index = t.index;
    outs.push_back(v);
  }
  if (outs.size() == 1) {
    out = outs[0];
    return true;
  }
  return makeSeq(VK::List, std::move(outs), loc, out);
}

bool Interp::modelAttr(int idx, const std::string &name, llvm::SMLoc loc,
                       Value &out) {
  static const char *const methods[] = {
      "add",          "compile",      "fit",          "summary",
      "evaluate",     "predict",      "save",         "save_weights",
      "load_weights", "to_json",      "count_params", "get_config",
      "get_layer",    "build",        "predict_on_batch", "test_on_batch",
      "train_on_batch", "export",     "get_weights",  "set_weights",
      "call",         "pop"};
  for (const char *m : methods)
    if (name == m) {
      out = Value();
      out.kind = VK::Method;
      out.s = name;
      out.ref = idx;
      out.loc = loc;
      return true;
    }
  const ModelRec &m = models[size_t(idx)];
  if (name == "name") {
    out = makeValue(VK::Str, m.name, loc);
    return true;
  }
  if (name == "layers") {
    // Keras lists the layers without the InputLayer of a Sequential model.
    std::vector<Value> items;
    if (m.sequential) {
      for (int l : m.seq) {
        Value v = makeValue(VK::Layer, "", loc);
        v.ref = l;
        items.push_back(v);
      }
    } else {
      std::vector<int> order = reachableLayers(m.outs);
      for (int l : order) {
        Value v = makeValue(VK::Layer, "", loc);
        v.ref = l;
        items.push_back(v);
      }
    }
    return makeSeq(VK::List, std::move(items), loc, out);
  }
  if (name == "inputs" || name == "outputs" || name == "input" ||
      name == "output") {
    bool in = name[0] == 'i';
    std::vector<TensorRef> refs = in ? m.ins : m.outs;
    if (m.sequential) {
      refs.clear();
      if (in && m.input >= 0)
        refs.push_back({m.input, 0});
      if (!in && !m.seq.empty() && layers[size_t(m.seq.back())].connected)
        refs.push_back({m.seq.back(), 0});
    }
    if (refs.empty())
      return fail(loc, "model '" + m.name + "' has no " + name + " yet");
    std::vector<Value> items;
    for (const TensorRef &t : refs) {
      Value v = makeValue(VK::Tensor, "", loc);
      v.ref = t.layer;
      v.index = t.index;
      items.push_back(v);
    }
    if (name.back() != 's' && items.size() == 1) {
      out = items[0];
      return true;
    }
    return makeSeq(VK::List, std::move(items), loc, out);
  }
  if (name == "trainable") {
    out = makeValue(VK::Bool, "", loc);
    out.b = true;
    return true;
  }
  if (name == "optimizer" || name == "history" || name == "metrics" ||
      name == "loss" || name == "weights" || name == "trainable_weights" ||
      name == "trainable_variables" || name == "non_trainable_weights" ||
      name == "stop_training") {
    out = opaque("model." + name, loc);
    return true;
  }
  return fail(loc, "model attribute '" + name + "' is not supported");
}

bool Interp::modelMethod(const Value &m, const Expr &e, CallArgs &a,
                         Value &out) {
  const std::string &method = m.s;
  int idx = m.ref;
  out = Value();
  out.loc = e.loc;
  if (method == "add") {
    if (!models[size_t(idx)].sequential && !models[size_t(idx)].traced)
      return fail(e.loc, "add() is only available on Sequential models");
    if (a.args.size() != 1 || !a.kwNames.empty())
      return fail(e.loc, "model.add() takes one layer");
    return sequentialAdd(idx, a.args[0]);
  }
  if (method == "get_layer") {
    const Value *key = a.args.empty() ? nullptr : &a.args[0];
    for (size_t k = 0; k < a.kwNames.size(); ++k)
      if (a.kwNames[k] == "name" || a.kwNames[k] == "index")
        key = &a.kwargs[k];
    Value all;
    if (!key || !modelAttr(idx, "layers", e.loc, all))
      return key ? false : fail(e.loc, "get_layer() needs a name or index");
    if (key->kind == VK::Int) {
      if (key->i < 0 || size_t(key->i) >= all.items.size())
        return fail(key->loc, "get_layer(): index out of range");
      out = all.items[size_t(key->i)];
      return true;
    }
    if (key->kind == VK::Str)
      for (const Value &l : all.items)
        if (layers[size_t(l.ref)].spec.name == key->s) {
          out = l;
          return true;
        }
    return fail(key->loc, "model '" + models[size_t(idx)].name +
                              "' has no such layer");
  }
  if (method == "build") {
    ModelRec &rec = models[size_t(idx)];
    const Value *shape = a.args.empty() ? nullptr : &a.args[0];
    for (size_t k = 0; k < a.kwNames.size(); ++k)
      if (a.kwNames[k] == "input_shape")
        shape = &a.kwargs[k];
    if (rec.object >= 0 && rec.outs.empty()) {
      if (!shape)
        return fail(e.loc, "model.build() needs the input shape");
      return traceModel(rec.object, *shape, e.loc);
    }
    return true;
  }
  if (method == "pop")
    return fail(e.loc, "model.pop() is not supported");
  out = opaque(e.source().str(), e.loc);
  if (method != "compile" && method != "fit")
    return true;
  CallSpec spec;
  spec.loc = e.loc;
  bool savedData = allowData;
  allowData = true;
  bool ok = true;
  for (size_t k = 0; ok && k < a.args.size(); ++k) {
    KValue kv;
    ok = toKValue(a.args[k], a.argSrc[k],
                  "argument " + std::to_string(k + 1) + " of model." + method +
                      "()",
                  kv);
    spec.args.push_back(std::move(kv));
  }
  for (size_t k = 0; ok && k < a.kwargs.size(); ++k) {
    KValue kv;
    ok = toKValue(a.kwargs[k], a.kwSrc[k],
                  "argument '" + a.kwNames[k] + "' of model." + method + "()",
                  kv);
    spec.kwargs.emplace_back(a.kwNames[k], std::move(kv));
  }
  allowData = savedData;
  if (!ok)
    return false;
  (method == "compile" ? models[size_t(idx)].compile
                       : models[size_t(idx)].fit) = std::move(spec);
  if (method == "fit")
    models[size_t(idx)].fitOrder = ++fitCount;
  return true;
}

} // namespace kiln::frontend::python
