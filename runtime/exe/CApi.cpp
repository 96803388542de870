//===- CApi.cpp - The C API of a model compiled by kiln -------------------===//
//
// kiln_model.h over CompiledModel: a PlanModel for training steps and the
// forward plan's executor bound to the same weight storage, so predictions
// see every update. Integer labels become one-hot rows here.
//
//===----------------------------------------------------------------------===//
#include "runtime/exe/kiln_model.h"
#include "runtime/exe/CompiledModel.h"
#include "runtime/exe/Embedded.h"
#include "runtime/exec/HalideErrors.h"

#include <string>
#include <vector>

using namespace kiln;
using namespace kiln::runtime;

struct kiln_model {
  std::unique_ptr<exe::CompiledModel> compiled;
  std::unique_ptr<PlanModel> model;
  std::unique_ptr<Executor> forward;
  int64_t step = 0;
  uint64_t seed = 0; ///< keys the dropout masks
  std::vector<float> targets;
  std::string error;
};

static std::string createError;

static int failWith(kiln_model *m, const Status &s) {
  m->error = s.message();
  return 1;
}

/// (Re)builds the trainable model and forward executor over `weights`.
static Status rebuild(kiln_model *m, std::map<std::string, Tensor> weights) {
  m->forward.reset();
  Expected<std::unique_ptr<PlanModel>> model =
      m->compiled->makeTrainable(std::move(weights));
  if (!model.ok())
    return model.status();
  m->model = std::move(*model);
  m->model->trainExecutor().setSeed(m->seed);
  Expected<std::unique_ptr<Executor>> fwd = m->compiled->makeForward(m->model->weights());
  if (!fwd.ok())
    return fwd.status();
  m->forward = std::move(*fwd);
  m->step = 0;
  return Status::success();
}

extern "C" {

kiln_model *kiln_model_create(uint64_t seed) {
  createError.clear();
  installHalideErrorHandler(reinterpret_cast<void *>(&halide_set_error_handler));
  auto m = std::make_unique<kiln_model>();
  Expected<std::unique_ptr<exe::CompiledModel>> c =
      exe::CompiledModel::load(kiln_embedded_model);
  if (!c.ok()) {
    createError = c.status().message();
    return nullptr;
  }
  m->compiled = std::move(*c);
  m->seed = seed;
  Expected<SafetensorsData> w = m->compiled->initialWeights(seed);
  Status s = w.ok() ? rebuild(m.get(), std::move(w->tensors)) : w.status();
  if (!s.ok()) {
    createError = s.message();
    return nullptr;
  }
  return m.release();
}

int kiln_model_load_weights(kiln_model *m, const char *path) {
  m->error.clear();
  Expected<SafetensorsData> w = m->compiled->loadWeights(path ? path : "");
  if (!w.ok())
    return failWith(m, w.status());
  Status s = rebuild(m, std::move(w->tensors));
  return s.ok() ? 0 : failWith(m, s);
}

int kiln_model_train_step(kiln_model *m, const float *x, const int32_t *labels,
                          int64_t n, float *loss, float *accuracy) {
  m->error.clear();
  if (!x || !labels || n < 1)
    return failWith(m, makeError("train_step needs inputs, labels and n >= 1"));
  int64_t classes = m->model->numClasses();
  m->targets.assign(size_t(n * classes), 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    if (labels[i] < 0 || labels[i] >= classes)
      return failWith(m, makeError("label ", labels[i], " of sample ", i,
                                   " is outside [0, ", classes, ")"));
    m->targets[size_t(i * classes + labels[i])] = 1.0f;
  }
  Batch batch;
  batch.x = x;
  batch.y = m->targets.data();
  batch.n = n;
  StepResult r;
  Status s = m->model->trainStep(batch, m->step, r);
  if (!s.ok())
    return failWith(m, s);
  ++m->step;
  if (loss)
    *loss = float(r.lossSum / double(n));
  if (accuracy)
    *accuracy = float(double(r.correct) / double(n));
  return 0;
}

int kiln_model_predict(kiln_model *m, const float *x, int64_t n, float *y) {
  m->error.clear();
  if (!x || !y || n < 1)
    return failWith(m, makeError("predict needs inputs, outputs and n >= 1"));
  Status s = m->forward->run(n, {x}, {y});
  return s.ok() ? 0 : failWith(m, s);
}

int kiln_model_save(kiln_model *m, const char *path) {
  m->error.clear();
  Expected<SafetensorsData> w = m->compiled->saveableWeights(m->model->weights());
  if (!w.ok())
    return failWith(m, w.status());
  Status s = writeSafetensors(path ? path : "", *w);
  return s.ok() ? 0 : failWith(m, s);
}

void kiln_model_destroy(kiln_model *m) { delete m; }

int64_t kiln_model_input_size(const kiln_model *m) {
  const Plan &p = m->compiled->forwardPlan();
  return p.tensors[p.inputs[0]].elementsPerSample();
}

int64_t kiln_model_output_size(const kiln_model *m) {
  const Plan &p = m->compiled->forwardPlan();
  return p.tensors[p.outputs[0]].elementsPerSample();
}

int64_t kiln_model_num_classes(const kiln_model *m) {
  return m->model->numClasses();
}

const char *kiln_model_last_error(const kiln_model *m) {
  return m ? m->error.c_str() : createError.c_str();
}

} // extern "C"
