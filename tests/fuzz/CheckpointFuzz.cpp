//===- CheckpointFuzz.cpp - Fuzz target: training checkpoints -------------===//
//
// What `--resume` does with a checkpoint file (runtime/exe/TrainDriver.cpp):
// readCheckpoint checks it against the model's weights, then the saved run
// settings are compared with the current ones and the saved history is
// parsed with History::fromJson. The model here is the one the seed writer
// (SeedWriter.cpp) saves checkpoints for, so that mutated seeds get past the
// weight check and into the metadata.
//
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"
#include "FuzzModel.h"
#include "runtime/exec/Checkpoint.h"
#include "runtime/train/History.h"

using namespace kiln::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = kiln::fuzz::scratchPath("checkpoint.safetensors");
  kiln::fuzz::writeInput(path, data, size);
  Expected<Checkpoint> ckpt = readCheckpoint(path, kiln::fuzz::checkpointShapes());
  if (!ckpt.ok())
    return 0;
  (void)checkResumeSettings(path, ckpt->state.settings, kiln::fuzz::runSettings());
  if (!ckpt->state.historyJson.empty()) {
    Expected<History> h = History::fromJson(ckpt->state.historyJson, path);
    if (h.ok())
      (void)h->toJson();
  }
  return 0;
}
