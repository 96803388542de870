//===- CompiledModel.cpp - An embedded model, ready to run ----------------===//
#include "runtime/exe/CompiledModel.h"
#include "runtime/ByteIO.h"
#include "runtime/Initializers.h"
#include "runtime/exec/Checkpoint.h"
#include "runtime/support/Memory.h"

#include <algorithm>

using namespace kiln::runtime;

namespace kiln::exe {

static Expected<Plan> parsePlan(const char *text, const char *what) {
  if (!text)
    return makeError("the executable embeds no ", what, " plan");
  Expected<Plan> plan = Plan::fromJson(text);
  if (!plan.ok())
    return plan.status().withContext(std::string("the embedded ") + what + " plan");
  return plan;
}

Expected<std::unique_ptr<CompiledModel>>
CompiledModel::load(const struct kiln_embedded_model &e) {
  if (e.abi != KILN_EMBEDDED_ABI)
    return makeError("the embedded model has layout ", e.abi,
                     " but this runtime reads layout ", KILN_EMBEDDED_ABI);
  std::unique_ptr<CompiledModel> m(new CompiledModel());
  for (auto [text, what, slot] :
       {std::tuple{e.train_plan, "training", &m->train_},
        {e.eval_plan, "evaluation", &m->eval_},
        {e.forward_plan, "forward", &m->forward_}}) {
    Expected<Plan> p = parsePlan(text, what);
    if (!p.ok())
      return p.status();
    *slot = std::move(*p);
  }
  try {
    for (const auto &w : nlohmann::json::parse(e.weights_manifest)) {
      WeightInfo info;
      info.name = w.at("name").get<std::string>();
      info.shape = w.at("shape").get<Shape>();
      info.initializer = w.at("initializer");
      info.trainable = w.value("trainable", true);
      info.optimizerState = w.value("optimizer_state", false);
      m->manifest_.push_back(std::move(info));
    }
    auto d = nlohmann::json::parse(e.defaults);
    m->defaults_.model = d.value("model", "model");
    m->defaults_.batchSize = d.value("batch_size", int64_t(32));
    m->defaults_.epochs = d.value("epochs", int64_t(1));
    m->defaults_.validationSplit = d.value("validation_split", 0.0);
    m->defaults_.dataset = d.value("dataset", "");
    m->defaults_.seed = d.value("seed", uint64_t(0));
    m->defaults_.hasDropout = d.value("has_dropout", true);
    m->defaults_.target = d.value("target", "");
    m->defaults_.kilnVersion = d.value("kiln_version", "");
  } catch (const std::exception &ex) {
    return makeError("the embedded weights manifest or defaults: ", ex.what());
  }
  m->summary_ = e.summary ? e.summary : "";
  if (e.weights && e.weights_size > 0) {
    auto source = makeMemorySource(e.weights, e.weights_size, "the embedded weights");
    Expected<SafetensorsData> w = readSafetensors(*source);
    if (!w.ok())
      return w.status();
    KILN_RETURN_IF_ERROR(checkWeightSet("the embedded weights", w->tensors,
                                        m->modelWeightShapes()));
    m->embedded_ = std::move(*w);
  }
  for (int i = 0; i < e.num_kernels; ++i)
    m->kernels_[e.kernels[i].symbol] = e.kernels[i].entry;
  return m;
}

KernelResolver CompiledModel::resolver() const {
  return [this](const std::string &symbol) -> KernelEntry {
    auto it = kernels_.find(symbol);
    return it == kernels_.end() ? nullptr : it->second;
  };
}

/// A deep copy of `data`.
static Expected<SafetensorsData> cloneWeights(const SafetensorsData &data) {
  SafetensorsData out;
  out.metadata = data.metadata;
  for (const auto &[name, t] : data.tensors) {
    Expected<Tensor> c = t.clone();
    if (!c.ok())
      return c.status();
    out.tensors.emplace(name, std::move(*c));
  }
  return out;
}

Expected<SafetensorsData> CompiledModel::initialWeights(uint64_t seed) const {
  if (embedded_)
    return cloneWeights(*embedded_);
  // Refused before allocation when the weights cannot fit (docs/LIMITS.md).
  double bytes = 0;
  for (const WeightInfo &w : manifest_) {
    double n = 4;
    for (int64_t d : w.shape)
      n *= static_cast<double>(d);
    bytes += n;
  }
  if (std::string shortfall = memoryShortfall(bytes, "weights");
      !shortfall.empty())
    return makeError(shortfall);
  SafetensorsData data;
  for (const WeightInfo &w : manifest_) {
    Expected<Initializer> init = initializerFromKeras(w.initializer);
    if (!init.ok())
      return init.status().withContext("weight '" + w.name + "'");
    Expected<Tensor> t = makeInitializedTensor(
        *init, DType::F32, w.shape, initializerKey(*init, seed, w.name));
    if (!t.ok())
      return t.status().withContext("weight '" + w.name + "'");
    data.tensors.emplace(w.name, std::move(*t));
  }
  data.metadata["model"] = defaults_.model;
  data.metadata["format"] = "kiln weights";
  data.metadata["seed"] = std::to_string(seed);
  return data;
}

std::map<std::string, Shape> CompiledModel::modelWeightShapes() const {
  std::map<std::string, Shape> out;
  for (const WeightInfo &w : manifest_)
    if (!w.optimizerState)
      out.emplace(w.name, w.shape);
  return out;
}

std::map<std::string, Shape> CompiledModel::trainWeightShapes() const {
  std::map<std::string, Shape> out;
  for (const Plan *p : {&train_, &eval_})
    for (const PlanTensor &t : p->tensors)
      if (t.role == TensorRole::Weight)
        out.emplace(t.name, Shape(t.shape.begin(), t.shape.end()));
  return out;
}

Expected<SafetensorsData> CompiledModel::loadWeights(const std::string &path) const {
  if (path.empty() && embedded_)
    return cloneWeights(*embedded_);
  Expected<SafetensorsData> data = readSafetensors(path);
  if (!data.ok())
    return data;
  KILN_RETURN_IF_ERROR(checkWeightSet(path, data->tensors, modelWeightShapes()));
  return data;
}

Expected<std::unique_ptr<PlanModel>>
CompiledModel::makeTrainable(std::map<std::string, Tensor> weights) const {
  // Built for a GPU: every tensor stays on it (runtime/exec/Device.h), or
  // the program stops here, before any kernel runs, when none is found.
  std::shared_ptr<DeviceBinding> device;
  if (!gpuApiOfTarget(defaults_.target).empty()) {
    auto d = DeviceBinding::create(defaults_.target);
    if (!d.ok())
      return d.status();
    device = *d;
  }
  return PlanModel::create(train_, eval_, resolver(), std::move(weights),
                           std::move(device));
}

Expected<std::unique_ptr<Executor>>
CompiledModel::makeForward(std::map<std::string, Tensor> &weights) const {
  if (forward_.inputs.size() != 1 || forward_.outputs.size() != 1)
    return makeError("predict handles models with one input and one output");
  Expected<std::unique_ptr<Executor>> exec = Executor::create(forward_, resolver());
  if (!exec.ok())
    return exec;
  for (const std::string &name : (*exec)->unboundWeights()) {
    auto it = weights.find(name);
    if (it == weights.end())
      return makeError("the weights have no tensor '", name, "'");
    KILN_RETURN_IF_ERROR((*exec)->bindWeight(name, it->second.data<float>()));
  }
  if (!gpuApiOfTarget(defaults_.target).empty()) {
    auto d = DeviceBinding::create(defaults_.target);
    if (!d.ok())
      return d.status();
    (*exec)->useDevice(*d);
  }
  return exec;
}

Expected<SafetensorsData>
CompiledModel::saveableWeights(const std::map<std::string, Tensor> &all) const {
  SafetensorsData out;
  for (const auto &[name, t] : all)
    if (!isOptimizerState(name)) {
      Expected<Tensor> copy = t.clone();
      if (!copy.ok())
        return copy.status();
      out.tensors.emplace(name, std::move(*copy));
    }
  out.metadata["model"] = defaults_.model;
  out.metadata["format"] = "kiln weights";
  return out;
}

Expected<Tensor> predict(Executor &exec, const Tensor &inputIn, int64_t chunk,
                         const std::string &what) {
  const Plan &plan = exec.plan();
  const PlanTensor &inT = plan.tensors[plan.inputs[0]];
  const PlanTensor &outT = plan.tensors[plan.outputs[0]];
  Tensor converted;
  const Tensor *input = &inputIn;
  if (inputIn.dtype() != DType::F32) {
    Expected<Tensor> c = convertTensor(inputIn, DType::F32);
    if (!c.ok())
      return c.status().withContext(what);
    converted = std::move(*c);
    input = &converted;
  }
  Shape have = input->shape();
  bool ok = have.size() == inT.shape.size() && !have.empty() && have[0] >= 1;
  for (size_t i = 1; ok && i < inT.shape.size(); ++i)
    ok = have[i] == inT.shape[i];
  if (!ok) {
    std::string want = "(N";
    for (size_t i = 1; i < inT.shape.size(); ++i)
      want += ", " + std::to_string(inT.shape[i]);
    return makeError(what, ": shape ", shapeToString(have),
                     " does not match the model's input ", want, ")");
  }
  int64_t n = have[0];
  Shape outShape = {n};
  for (size_t i = 1; i < outT.shape.size(); ++i)
    outShape.push_back(outT.shape[i]);
  Expected<Tensor> output = Tensor::create(DType::F32, outShape);
  if (!output.ok())
    return output;
  int64_t inPer = inT.elementsPerSample(), outPer = outT.elementsPerSample();
  for (int64_t start = 0; start < n; start += chunk) {
    int64_t m = std::min<int64_t>(chunk, n - start);
    KILN_RETURN_IF_ERROR(exec.run(m, {input->data<float>() + start * inPer},
                                  {output->data<float>() + start * outPer}));
  }
  return output;
}

} // namespace kiln::exe
