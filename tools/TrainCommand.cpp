//===- TrainCommand.cpp - kiln train, kiln evaluate -----------------------===//
//
// Training as the script's model.compile/model.fit say, flags overriding:
// nn-build-train-step makes @train_step and @eval_step, both are lowered to
// plans whose kernels are compiled (or found in the cache), and the runtime's
// fit loop runs them with Keras's semantics and output.
//
//===----------------------------------------------------------------------===//
#include "codegen/ir/KernelLibrary.h"
#include "codegen/ir/LowerToKernels.h"
#include "codegen/tune/ScheduleDB.h"
#include "passes/Passes.h"
#include "runtime/exec/PlanModel.h"
#include "runtime/train/Plot.h"
#include "runtime/train/Progress.h"
#include "runtime/train/Trainer.h"
#include "runtime/train/TrainingData.h"
#include "tools/Commands.h"
#include "tools/ModelLoader.h"
#include "tools/Weights.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <iostream>
#include <unistd.h>

using namespace kiln::runtime;

namespace kiln {
namespace {

/// A model ready to train: the module with its steps, and the trainable
/// model over compiled plans.
struct Trainable {
  std::unique_ptr<KernelLibrary> kernels;
  std::unique_ptr<PlanModel> model;
};

/// A number from the module's nn.fit, or `def`.
double fitSetting(mlir::ModuleOp module, llvm::StringRef key, double def) {
  auto fit = module->getAttrOfType<mlir::DictionaryAttr>("nn.fit");
  if (!fit)
    return def;
  if (auto i = fit.getAs<mlir::IntegerAttr>(key))
    return i.getInt();
  if (auto f = fit.getAs<mlir::FloatAttr>(key))
    return f.getValueAsDouble();
  return def;
}

std::optional<Trainable> prepare(const CommandLine &cl, mlir::MLIRContext &ctx,
                                 llvm::SourceMgr &sm, LoadedModel &model,
                                 uint64_t seed) {
  mlir::ModuleOp module = *model.built.module;
  mlir::SourceMgrDiagnosticHandler handler(sm, &ctx, llvm::errs());
  mlir::PassManager pm(&ctx);
  std::string error;
  auto lr = cl.getFloat("--learning-rate", -1, error);
  if (!lr) {
    fail(error);
    return std::nullopt;
  }
  auto pass = createBuildTrainStepPass();
  std::string options = "seed=" + std::to_string(seed);
  if (cl.has("--optimizer"))
    options += " optimizer=" + cl.get("--optimizer");
  if (*lr > 0)
    options += " learning-rate=" + std::to_string(*lr);
  if (mlir::failed(pass->initializeOptions(options))) {
    fail("bad training options: " + options);
    return std::nullopt;
  }
  pm.addPass(std::move(pass));
  if (mlir::failed(pm.run(module)))
    return std::nullopt;
  auto train = lowerToKernels(module.lookupSymbol<mlir::FuncOp>("train_step"));
  auto eval = lowerToKernels(module.lookupSymbol<mlir::FuncOp>("eval_step"));
  if (!train || !eval)
    return std::nullopt;
  auto kernels = train->kernels;
  kernels.insert(eval->kernels.begin(), eval->kernels.end());
  auto schedules = tune::scheduleLookupFor(cl.get("--schedules"));
  if (!schedules.ok()) {
    fail(schedules.status().message());
    return std::nullopt;
  }
  auto lib = KernelLibrary::load(kernels, cl.get("--target", "host"),
                                 isatty(2), nullptr, *schedules);
  if (!lib.ok()) {
    fail(lib.status().message());
    return std::nullopt;
  }
  Expected<SafetensorsData> weights =
      cl.has("--weights") ? loadWeights(module, cl.get("--weights"))
                          : initialWeights(module, seed);
  if (!weights.ok()) {
    fail(weights.status().message());
    return std::nullopt;
  }
  auto pm2 = PlanModel::create(train->plan, eval->plan, (*lib)->resolver(),
                               std::move(weights->tensors));
  if (!pm2.ok()) {
    fail(pm2.status().message());
    return std::nullopt;
  }
  return Trainable{std::move(*lib), std::move(*pm2)};
}

/// The model's weights (not the optimizer's state) for --save.
SafetensorsData modelWeights(PlanModel &model, mlir::ModuleOp module) {
  SafetensorsData out;
  for (auto &[name, t] : model.weights())
    if (name.rfind("adam/", 0) != 0 && name.rfind("sgd/", 0) != 0 &&
        name.rfind("rmsprop/", 0) != 0) {
      auto copy = t.clone();
      if (copy.ok())
        out.tensors.emplace(name, std::move(*copy));
    }
  if (auto n = module->getAttrOfType<mlir::StringAttr>("nn.model"))
    out.metadata["model"] = n.getValue().str();
  out.metadata["format"] = "kiln weights";
  return out;
}

} // namespace

int runTrain(const CommandLine &cl) {
  std::string error;
  auto seed = cl.getInt("--seed", 0, error);
  auto limit = seed ? cl.getInt("--limit", -1, error) : std::nullopt;
  if (!seed || !limit)
    return fail(error);
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto model = loadModel(cl.positional[0], ctx, sm, llvm::errs());
  if (!model)
    return 1;
  mlir::ModuleOp module = *model->built.module;

  // Settings: the script's fit() call, then flags.
  auto epochs = cl.getInt("--epochs", fitSetting(module, "epochs", 1), error);
  auto batch = epochs ? cl.getInt("--batch-size",
                                  fitSetting(module, "batch_size", 32), error)
                      : std::nullopt;
  auto split = batch ? cl.getFloat("--validation-split",
                                   fitSetting(module, "validation_split", 0),
                                   error)
                     : std::nullopt;
  if (!epochs || !batch || !split)
    return fail(error);
  if (*epochs < 1 || *batch < 1)
    return fail("--epochs and --batch-size must be at least 1");
  if (*split < 0 || *split >= 1)
    return fail("--validation-split must be in [0, 1)");
  std::string dataSpec = cl.get("--data");
  if (dataSpec.empty())
    if (auto ds = module->getAttrOfType<mlir::StringAttr>("nn.dataset"))
      dataSpec = ds.getValue().str();
  if (dataSpec.empty())
    return fail("no data: the script loads no data set; pass --data");

  DataSpecOptions dataOptions;
  dataOptions.limit = *limit;
  auto data = loadDataSpec(dataSpec, dataOptions);
  if (!data.ok())
    return fail(data.status().message());
  if (cl.has("--test-data")) {
    auto test = loadDataSpec(cl.get("--test-data"), dataOptions);
    if (!test.ok())
      return fail(test.status().message());
    data->test = std::move(test->train);
  }

  auto trainable = prepare(cl, ctx, sm, *model, *seed);
  if (!trainable)
    return 1;
  PlanModel &pm = *trainable->model;

  FitOptions fit;
  fit.batchSize = *batch;
  fit.epochs = *epochs;
  fit.validationSplit = *split;
  fit.shuffle = !cl.has("--no-shuffle");
  fit.seed = *seed;
  fit.out = &std::cout;
  fit.style = progressStyleForFd(STDOUT_FILENO);
  auto history = runtime::fit(pm, data->train, fit);
  if (!history.ok())
    return fail(history.status().message());
  if (data->test) {
    auto score = evaluate(pm, *data->test, *batch);
    if (!score.ok())
      return fail(score.status().message());
    history->test = *score;
    std::cout << formatTestScore(*score) << std::flush;
  }
  if (cl.has("--history")) {
    Status s = history->writeJson(cl.get("--history"));
    if (!s.ok())
      return fail(s.message());
  }
  if (cl.has("--plot")) {
    PlotOptions plot;
    plot.title = "kiln train " + model->built.name;
    Status s = writeHistorySvg(cl.get("--plot"), *history, plot);
    if (!s.ok())
      return fail(s.message());
  }
  if (cl.has("--save")) {
    Status s = writeSafetensors(cl.get("--save"), modelWeights(pm, module));
    if (!s.ok())
      return fail(s.message());
  }
  return 0;
}

int runEvaluate(const CommandLine &cl) {
  if (!cl.has("--weights"))
    return fail("kiln evaluate needs --weights");
  std::string error;
  auto batch = cl.getInt("--batch-size", 128, error);
  auto limit = batch ? cl.getInt("--limit", -1, error) : std::nullopt;
  if (!batch || !limit)
    return fail(error);
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  auto model = loadModel(cl.positional[0], ctx, sm, llvm::errs());
  if (!model)
    return 1;
  mlir::ModuleOp module = *model->built.module;
  std::string dataSpec = cl.get("--data");
  if (dataSpec.empty())
    if (auto ds = module->getAttrOfType<mlir::StringAttr>("nn.dataset"))
      dataSpec = ds.getValue().str();
  if (dataSpec.empty())
    return fail("no data: the script loads no data set; pass --data");
  DataSpecOptions dataOptions;
  dataOptions.limit = *limit;
  auto data = loadDataSpec(dataSpec, dataOptions);
  if (!data.ok())
    return fail(data.status().message());
  auto trainable = prepare(cl, ctx, sm, *model, 0);
  if (!trainable)
    return 1;
  const LabeledData &set = data->test ? *data->test : data->train;
  auto score = evaluate(*trainable->model, set, *batch);
  if (!score.ok())
    return fail(score.status().message());
  std::cout << formatTestScore(*score) << std::flush;
  return 0;
}

} // namespace kiln
