//===- TrainCommand.cpp - kiln train, kiln evaluate -----------------------===//
//
// Training as the script's model.compile/model.fit say, flags overriding:
// nn-build-train-step makes @train_step and @eval_step, both are lowered to
// plans whose kernels are compiled (or found in the cache), and the runtime's
// training driver (runtime/exe/TrainDriver, shared with compiled
// executables) runs the fit loop with Keras's semantics and output,
// checkpointing and resuming when asked. With a GPU --target both run
// through a compiled executable instead (runThroughExecutable).
//
//===----------------------------------------------------------------------===//
#include "codegen/ir/KernelLibrary.h"
#include "codegen/tune/ScheduleDB.h"
#include "runtime/exe/TrainDriver.h"
#include "runtime/exe/TrainFlags.h"
#include "runtime/exec/Checkpoint.h"
#include "runtime/exec/PlanModel.h"
#include "runtime/train/Trainer.h"
#include "runtime/train/TrainingData.h"
#include "tools/Commands.h"
#include "tools/KerasModel.h"
#include "tools/ModelLoader.h"
#include "tools/TrainingSetup.h"
#include "tools/Weights.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <iostream>
#include <unistd.h>

using namespace kiln::runtime;

namespace kiln {
namespace {

/// The weights of `module` that are not optimizer state, by shape.
std::map<std::string, Shape> modelWeightShapes(const TrainingPrograms &p) {
  std::map<std::string, Shape> out;
  for (const Plan *plan : {&p.train.plan, &p.eval.plan})
    for (const PlanTensor &t : plan->tensors)
      if (t.role == TensorRole::Weight)
        out.emplace(t.name, Shape(t.shape.begin(), t.shape.end()));
  return out;
}

/// The model's weights (not the optimizer's state) for --save.
Expected<SafetensorsData> modelWeights(const std::map<std::string, Tensor> &all,
                                       mlir::ModuleOp module) {
  SafetensorsData out;
  for (const auto &[name, t] : all)
    if (!isOptimizerState(name)) {
      auto copy = t.clone();
      if (!copy.ok())
        return copy.status();
      out.tensors.emplace(name, std::move(*copy));
    }
  if (auto n = module->getAttrOfType<mlir::StringAttr>("nn.model"))
    out.metadata["model"] = n.getValue().str();
  out.metadata["format"] = "kiln weights";
  return out;
}

/// The optimizer state a plain weights file lacks is not required.
Expected<SafetensorsData> loadModelWeights(mlir::ModuleOp module,
                                           const TrainingPrograms &p,
                                           const std::string &path) {
  Expected<SafetensorsData> data = readSafetensors(path);
  if (!data.ok())
    return data;
  std::map<std::string, Shape> expected;
  for (auto &[name, shape] : modelWeightShapes(p))
    if (!isOptimizerState(name))
      expected.emplace(name, shape);
  KILN_RETURN_IF_ERROR(checkWeightSet(path, data->tensors, expected));
  return data;
}

} // namespace

int runTrain(const CommandLine &cl) {
  {
    // Malformed numbers are reported before any GPU compile.
    std::string error;
    if (!exe::trainSettingsFromFlags(cl, {}, error))
      return fail(error);
  }
  if (cl.has("--save"))
    if (Status st = checkWeightsOutputPath(cl.get("--save")); !st.ok())
      return fail(st.message());
  if (auto rc = runThroughExecutable(
          cl, "train",
          forwardedFlags(cl,
                         {"--data", "--test-data", "--epochs", "--batch-size",
                          "--validation-split", "--seed", "--weights", "--save",
                          "--checkpoint", "--history", "--plot", "--limit"},
                         {"--no-shuffle", "--resume"})))
    return *rc;
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto model = loadModel(cl.positional[0], ctx, sm, llvm::errs());
  if (!model)
    return 1;
  mlir::ModuleOp module = *model->built.module;

  // Settings: the script's fit() call, then flags.
  FitDefaults d = fitDefaults(module);
  std::string error;
  auto settings = exe::trainSettingsFromFlags(
      cl, {d.dataset, d.epochs, d.batchSize, d.validationSplit, 0,
           model->built.name},
      error);
  if (!settings)
    return fail(error);
  exe::TrainSettings &s = *settings;

  std::optional<TrainingPrograms> programs;
  std::unique_ptr<KernelLibrary> lib;
  exe::TrainingHooks hooks;
  hooks.prepare = [&]() -> Status {
    programs = buildTrainingPrograms(cl, module, sm, s.seed);
    if (!programs)
      return makeError("could not build the training step (see above)");
    auto schedules = tune::scheduleLookupFor(cl.get("--schedules"));
    if (!schedules.ok())
      return schedules.status();
    auto l = KernelLibrary::load(programs->kernels, cl.get("--target", "host"),
                                 isatty(2), nullptr, *schedules);
    if (!l.ok())
      return l.status();
    lib = std::move(*l);
    return Status::success();
  };
  hooks.checkpointShapes = [&] { return modelWeightShapes(*programs); };
  // A Keras model file starts from its own weights and, when it saved the
  // optimizer kiln trains with, that optimizer's state.
  hooks.initialWeights = [&](uint64_t seed) {
    if (auto w = fileWeightsFor(*model, optimizerLayout(module)))
      return std::move(*w);
    return initialWeights(module, seed);
  };
  hooks.loadWeights = [&](const std::string &path) {
    if (isKerasFilePath(path))
      return loadKerasWeightsFor(*model, path, optimizerLayout(module));
    return loadModelWeights(module, *programs, path);
  };
  hooks.makeModel = [&](std::map<std::string, Tensor> w) {
    return PlanModel::create(programs->train.plan, programs->eval.plan,
                             lib->resolver(), std::move(w));
  };
  hooks.saveable = [&](const std::map<std::string, Tensor> &w) {
    return modelWeights(w, module);
  };
  // .keras and .weights.h5 keep the optimizer's state, as Keras's do.
  hooks.save = [&](const std::string &path,
                   const std::map<std::string, Tensor> &w) -> Status {
    auto out = modelWeights(w, module);
    if (!out.ok())
      return out.status();
    if (!isKerasFilePath(path) && path.find(".weights.h5") == std::string::npos)
      return saveWeightsAs(path, *model, *out);  // .safetensors: weights only
    keras::OptimizerLayout opt = optimizerLayout(module);
    for (const auto &[name, t] : w)
      if (isOptimizerState(name)) {
        auto copy = t.clone();
        if (!copy.ok())
          return copy.status();
        out->tensors.emplace(name, std::move(*copy));
      }
    return saveWeightsAs(path, *model, *out, opt);
  };
  Status st = exe::runTraining(s, hooks);
  return st.ok() ? 0 : fail(st.message());
}

int runEvaluate(const CommandLine &cl) {
  std::string error;
  auto batch = cl.getInt("--batch-size", 128, error);
  auto limit = batch ? cl.getInt("--limit", -1, error) : std::nullopt;
  if (!batch || !limit)
    return fail(error);
  if (auto rc = runThroughExecutable(
          cl, "evaluate",
          forwardedFlags(cl, {"--weights", "--data", "--batch-size", "--limit"},
                         {})))
    return *rc;
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto model = loadModel(cl.positional[0], ctx, sm, llvm::errs());
  if (!model)
    return 1;
  mlir::ModuleOp module = *model->built.module;
  if (!cl.has("--weights") && !model->fileWeights)
    return fail("kiln evaluate needs --weights (or a .keras/.h5 model, which holds them)");
  std::string dataSpec = cl.get("--data", fitDefaults(module).dataset);
  if (dataSpec.empty())
    return fail("no data: the script loads no data set; pass --data");
  DataSpecOptions dataOptions;
  dataOptions.limit = *limit;
  auto data = loadDataSpec(dataSpec, dataOptions);
  if (!data.ok())
    return fail(data.status().message());
  auto programs = buildTrainingPrograms(cl, module, sm, 0);
  if (!programs)
    return 1;
  auto schedules = tune::scheduleLookupFor(cl.get("--schedules"));
  if (!schedules.ok())
    return fail(schedules.status().message());
  auto lib = KernelLibrary::load(programs->kernels, cl.get("--target", "host"),
                                 isatty(2), nullptr, *schedules);
  if (!lib.ok())
    return fail(lib.status().message());
  auto weights =
      !cl.has("--weights") ? std::move(*fileWeightsFor(*model, {}))
      : isKerasFilePath(cl.get("--weights"))
          ? loadKerasWeightsFor(*model, cl.get("--weights"))
          : loadModelWeights(module, *programs, cl.get("--weights"));
  if (!weights.ok())
    return fail(weights.status().message());
  auto pm = PlanModel::create(programs->train.plan, programs->eval.plan,
                              (*lib)->resolver(), std::move(weights->tensors));
  if (!pm.ok())
    return fail(pm.status().message());
  const LabeledData &set = data->test ? *data->test : data->train;
  auto score = evaluate(**pm, set, *batch);
  if (!score.ok())
    return fail(score.status().message());
  std::cout << formatTestScore(*score) << std::flush;
  return 0;
}

} // namespace kiln
