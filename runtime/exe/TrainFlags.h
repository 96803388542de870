//===- TrainFlags.h - The train command's flags -> TrainSettings -*- C++ -*-===//
//
// `kiln train` and a compiled trainer's `train` take the same flags with the
// same meaning; this reads them once for both, over the model's defaults
// (the script's fit() call, or what kiln compile recorded). Header-only so
// that each program uses its own copy of the option parser.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_EXE_TRAINFLAGS_H
#define KILN_RUNTIME_EXE_TRAINFLAGS_H

#include "runtime/exe/TrainDriver.h"
#include "runtime/support/CommandLine.h"

#include <optional>
#include <string>

namespace kiln::exe {

/// What a model says about its own training, before flags.
struct TrainFlagDefaults {
  std::string dataset;
  int64_t epochs = 1;
  int64_t batchSize = 32;
  double validationSplit = 0;
  int64_t seed = 0;
  std::string model = "model";
};

/// The settings the flags give, or nullopt with `error` set.
inline std::optional<TrainSettings>
trainSettingsFromFlags(const CommandLine &cl, const TrainFlagDefaults &d,
                       std::string &error) {
  auto seed = cl.getInt("--seed", d.seed, error);
  auto limit = seed ? cl.getInt("--limit", -1, error) : std::nullopt;
  auto epochs = limit ? cl.getInt("--epochs", d.epochs, error) : std::nullopt;
  auto batch =
      epochs ? cl.getInt("--batch-size", d.batchSize, error) : std::nullopt;
  auto split = batch ? cl.getFloat("--validation-split", d.validationSplit,
                                   error)
                     : std::nullopt;
  if (!split)
    return std::nullopt;
  if (*seed < 0) {
    error = "--seed must not be negative";
    return std::nullopt;
  }
  TrainSettings s;
  s.data = cl.get("--data", d.dataset);
  s.testData = cl.get("--test-data");
  s.limit = *limit;
  s.epochs = *epochs;
  s.batchSize = *batch;
  s.validationSplit = *split;
  s.shuffle = !cl.has("--no-shuffle");
  s.seed = *seed;
  s.dropoutSeed = *seed;
  s.weights = cl.get("--weights");
  s.checkpoint = cl.get("--checkpoint");
  s.resume = cl.has("--resume");
  s.history = cl.get("--history");
  s.plot = cl.get("--plot");
  s.save = cl.get("--save");
  s.plotTitle = "kiln train " + d.model;
  s.model = d.model;
  return s;
}

} // namespace kiln::exe

#endif // KILN_RUNTIME_EXE_TRAINFLAGS_H
