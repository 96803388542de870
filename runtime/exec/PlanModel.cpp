//===- PlanModel.cpp - A trainable model made of compiled plans -----------===//
#include "runtime/exec/PlanModel.h"

#include <cmath>
#include <cstdio>

namespace kiln::runtime {

Expected<std::unique_ptr<PlanModel>>
PlanModel::create(Plan train, Plan eval, const KernelResolver &resolve,
                  std::map<std::string, Tensor> weights,
                  std::shared_ptr<DeviceBinding> device) {
  if (train.inputs.size() != 3 || train.outputs.size() != 2 ||
      eval.inputs.size() != 2 || eval.outputs.size() != 2)
    return makeError("internal error: a training plan takes (x, targets, "
                     "step) and an evaluation plan (x, targets), each giving "
                     "(loss sum, correct count)");
  std::unique_ptr<PlanModel> m(new PlanModel());
  const PlanTensor &x = train.tensors[train.inputs[0]];
  const PlanTensor &y = train.tensors[train.inputs[1]];
  m->inputShape_.assign(x.shape.begin() + 1, x.shape.end());
  m->classes_ = y.shape.back();
  m->weights_ = std::move(weights);
  // Fresh optimizer state for what the weights file lacks.
  for (const Plan *p : {&train, &eval})
    for (const PlanTensor &t : p->tensors)
      if (t.role == TensorRole::Weight && !m->weights_.count(t.name)) {
        bool optimizerState = false;
        for (const char *prefix : {"adam/", "sgd/", "rmsprop/"})
          optimizerState |= t.name.rfind(prefix, 0) == 0;
        if (!optimizerState)
          return makeError("the weights have no tensor '", t.name, "'");
        auto z = Tensor::create(DType::F32, Shape(t.shape.begin(), t.shape.end()));
        if (!z.ok())
          return z.status();
        m->weights_.emplace(t.name, std::move(*z));
      }
  for (auto [plan, slot] : {std::pair{&train, &m->train_}, {&eval, &m->eval_}}) {
    auto ex = Executor::create(*plan, resolve);
    if (!ex.ok())
      return ex.status();
    for (const std::string &name : (*ex)->unboundWeights()) {
      Status s = (*ex)->bindWeight(name, m->weights_.at(name).data<float>());
      if (!s.ok())
        return s;
    }
    if (device)
      (*ex)->useDevice(device);
    *slot = std::move(*ex);
  }
  m->device_ = std::move(device);
  return m;
}

std::map<std::string, Tensor> &PlanModel::weights() {
  if (device_) {
    Status s = device_->syncToHost();
    if (!s.ok())
      std::fprintf(stderr, "error: %s\n", s.message().c_str());
  }
  return weights_;
}

Status PlanModel::trainStep(const Batch &batch, int64_t step, StepResult &out) {
  alignas(64) float stepValue[16] = {static_cast<float>(step)};
  alignas(64) float loss[16] = {0}, correct[16] = {0};
  Status s = train_->run(batch.n, {batch.x, batch.y, stepValue},
                         {loss, correct});
  if (!s.ok())
    return s;
  out.lossSum = loss[0];
  out.correct = std::llround(correct[0]);
  return Status::success();
}

Status PlanModel::evalStep(const Batch &batch, StepResult &out) {
  alignas(64) float loss[16] = {0}, correct[16] = {0};
  Status s = eval_->run(batch.n, {batch.x, batch.y}, {loss, correct});
  if (!s.ok())
    return s;
  out.lossSum = loss[0];
  out.correct = std::llround(correct[0]);
  return Status::success();
}

} // namespace kiln::runtime
