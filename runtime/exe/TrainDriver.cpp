//===- TrainDriver.cpp - A whole training run, resumable ------------------===//
#include "runtime/exe/TrainDriver.h"
#include "runtime/exec/Checkpoint.h"
#include "runtime/train/History.h"
#include "runtime/train/Plot.h"
#include "runtime/train/Progress.h"
#include "runtime/train/Trainer.h"
#include "runtime/train/TrainingData.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <filesystem>
#include <iostream>
#include <unistd.h>

using namespace kiln::runtime;

namespace kiln::exe {

/// The settings a resume must repeat, as strings.
static RunSettings runSettings(const TrainSettings &s) {
  char split[32];
  std::snprintf(split, sizeof split, "%.17g", s.validationSplit);
  return {{"seed", std::to_string(s.seed)},
          {"dropout_seed", std::to_string(s.dropoutSeed)},
          {"batch_size", std::to_string(s.batchSize)},
          {"data", s.data},
          {"limit", std::to_string(s.limit)},
          {"validation_split", split},
          {"shuffle", s.shuffle ? "true" : "false"}};
}

Status runTraining(const TrainSettings &s, const TrainingHooks &hooks) {
  if (s.epochs < 1 || s.batchSize < 1)
    return makeError("--epochs and --batch-size must be at least 1");
  if (s.validationSplit < 0 || s.validationSplit >= 1)
    return makeError("--validation-split must be in [0, 1)");
  if (s.resume && s.checkpoint.empty())
    return makeError("--resume needs --checkpoint FILE");
  if (s.data.empty())
    return makeError("no data: the script loads no data set; pass --data");

  // 1. Data.
  DataSpecOptions dataOptions;
  dataOptions.limit = s.limit;
  Expected<TrainTestData> data = loadDataSpec(s.data, dataOptions);
  if (!data.ok())
    return data.status();
  if (!s.testData.empty()) {
    Expected<TrainTestData> test = loadDataSpec(s.testData, dataOptions);
    if (!test.ok())
      return test.status();
    data->test = std::move(test->train);
  }

  // 2. The model's code.
  if (hooks.prepare)
    KILN_RETURN_IF_ERROR(hooks.prepare());

  // 3. Weights: checkpoint, weights file, or initializers.
  std::map<std::string, Tensor> weights;
  TrainingState state;
  state.settings = runSettings(s);
  state.model = s.model;
  History previous;
  bool resumed = false;
  if (s.resume && std::filesystem::exists(s.checkpoint)) {
    Expected<Checkpoint> ckpt = readCheckpoint(s.checkpoint, hooks.checkpointShapes());
    if (!ckpt.ok())
      return ckpt.status();
    KILN_RETURN_IF_ERROR(
        checkResumeSettings(s.checkpoint, ckpt->state.settings, state.settings));
    if (!ckpt->state.historyJson.empty()) {
      Expected<History> h = History::fromJson(ckpt->state.historyJson, s.checkpoint);
      if (!h.ok())
        return h.status();
      previous = std::move(*h);
    }
    weights = std::move(ckpt->weights);
    state.epochsDone = ckpt->state.epochsDone;
    state.stepsDone = ckpt->state.stepsDone;
    resumed = true;
    std::cerr << "resuming from " << s.checkpoint << " after epoch "
              << state.epochsDone << " (step " << state.stepsDone << ")\n";
  } else {
    Expected<SafetensorsData> w =
        s.weights.empty() ? hooks.initialWeights(s.seed) : hooks.loadWeights(s.weights);
    if (!w.ok())
      return w.status();
    weights = std::move(w->tensors);
  }
  Expected<std::unique_ptr<PlanModel>> model = hooks.makeModel(std::move(weights));
  if (!model.ok())
    return model.status();
  PlanModel &pm = **model;
  pm.trainExecutor().setSeed(s.dropoutSeed);

  // 4. The fit, checkpointed after every epoch.
  FitOptions fit;
  fit.batchSize = s.batchSize;
  fit.epochs = s.epochs;
  fit.initialEpoch = resumed ? std::min(state.epochsDone, s.epochs) : 0;
  fit.validationSplit = s.validationSplit;
  fit.shuffle = s.shuffle;
  fit.seed = s.seed;
  fit.out = &std::cout;
  fit.style = progressStyleForFd(STDOUT_FILENO);
  History sofar = previous;
  if (!s.checkpoint.empty())
    fit.onEpochEnd = [&](const EpochRecord &record) -> Status {
      sofar.epochs.push_back(record);
      state.epochsDone = record.epoch;
      state.stepsDone += record.steps;
      state.historyJson = sofar.toJson();
      return writeCheckpoint(s.checkpoint, pm.weights(), state);
    };
  Expected<History> history = runtime::fit(pm, data->train, fit);
  if (!history.ok())
    return history.status();
  // KILN_PROFILE=1: where the training step spent its time, per kernel.
  if (const char *p = std::getenv("KILN_PROFILE"); p && *p && *p != '0')
    std::cerr << "\ntraining step, per kernel:\n"
              << pm.trainExecutor().profileReport();
  previous.epochs.insert(previous.epochs.end(), history->epochs.begin(),
                         history->epochs.end());

  // 5. Test score and outputs.
  if (data->test) {
    Expected<EvalResult> score = evaluate(pm, *data->test, s.batchSize);
    if (!score.ok())
      return score.status();
    previous.test = *score;
    std::cout << formatTestScore(*score) << std::flush;
  }
  if (!s.history.empty())
    KILN_RETURN_IF_ERROR(previous.writeJson(s.history));
  if (!s.plot.empty()) {
    PlotOptions plot;
    plot.title = s.plotTitle;
    KILN_RETURN_IF_ERROR(writeHistorySvg(s.plot, previous, plot));
  }
  if (!s.save.empty() && hooks.save)
    return hooks.save(s.save, pm.weights());
  if (!s.save.empty()) {
    Expected<SafetensorsData> out = hooks.saveable(pm.weights());
    if (!out.ok())
      return out.status();
    KILN_RETURN_IF_ERROR(writeSafetensors(s.save, *out));
  }
  return Status::success();
}

} // namespace kiln::exe
