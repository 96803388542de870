//===- Checkpoint.cpp - Resumable training state in one file --------------===//
//
// Metadata keys: "format" = "kiln checkpoint", "epochs_done", "steps_done",
// "model", "history" (JSON) and one "run.<setting>" per RunSettings entry.
//
//===----------------------------------------------------------------------===//
#include "runtime/exec/Checkpoint.h"
#include "runtime/Safetensors.h"

#include <cerrno>
#include <cstdlib>

namespace kiln::runtime {

static const char *kFormat = "kiln checkpoint";

bool isOptimizerState(const std::string &name) {
  for (const char *prefix : {"adam/", "sgd/", "rmsprop/"})
    if (name.rfind(prefix, 0) == 0)
      return true;
  return false;
}

Status writeCheckpoint(const std::string &path,
                       const std::map<std::string, Tensor> &weights,
                       const TrainingState &state) {
  SafetensorsData data;
  for (const auto &[name, t] : weights) {
    Expected<Tensor> copy = t.clone();
    if (!copy.ok())
      return copy.status();
    data.tensors.emplace(name, std::move(*copy));
  }
  data.metadata["format"] = kFormat;
  data.metadata["epochs_done"] = std::to_string(state.epochsDone);
  data.metadata["steps_done"] = std::to_string(state.stepsDone);
  data.metadata["model"] = state.model;
  data.metadata["history"] = state.historyJson;
  for (const auto &[key, value] : state.settings)
    data.metadata["run." + key] = value;
  return writeSafetensors(path, data).withContext("writing checkpoint");
}

static bool parseCount(const std::string &text, int64_t &out) {
  if (text.empty())
    return false;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (*end || errno || v < 0)
    return false;
  out = v;
  return true;
}

Status checkWeightSet(const std::string &what,
                      const std::map<std::string, Tensor> &weights,
                      const std::map<std::string, Shape> &expected) {
  for (const auto &[name, shape] : expected) {
    auto it = weights.find(name);
    if (it == weights.end())
      return makeError(what, ": has no tensor '", name,
                       "', which the model needs");
    if (it->second.dtype() != DType::F32 || it->second.shape() != shape)
      return makeError(what, ": tensor '", name, "' is ",
                       safetensorsDTypeName(it->second.dtype()), " ",
                       shapeToString(it->second.shape()),
                       " but the model needs F32 ", shapeToString(shape));
  }
  for (const auto &[name, t] : weights)
    if (!expected.count(name))
      return makeError(what, ": tensor '", name,
                       "' is not a weight of this model");
  return Status::success();
}

Expected<Checkpoint> readCheckpoint(const std::string &path,
                                    const std::map<std::string, Shape> &expected) {
  Expected<SafetensorsData> data = readSafetensors(path);
  if (!data.ok())
    return data.status();
  auto meta = [&](const std::string &key) -> std::string {
    auto it = data->metadata.find(key);
    return it == data->metadata.end() ? std::string() : it->second;
  };
  if (meta("format") != kFormat)
    return makeError(path, ": not a kiln checkpoint (its metadata has format '",
                     meta("format"), "'; a weights file is loaded with --weights)");
  Checkpoint ckpt;
  if (!parseCount(meta("epochs_done"), ckpt.state.epochsDone) ||
      !parseCount(meta("steps_done"), ckpt.state.stepsDone))
    return makeError(path, ": the checkpoint's epochs_done or steps_done is "
                           "missing or malformed");
  KILN_RETURN_IF_ERROR(checkWeightSet(path, data->tensors, expected));
  ckpt.state.model = meta("model");
  ckpt.state.historyJson = meta("history");
  for (const auto &[key, value] : data->metadata)
    if (key.rfind("run.", 0) == 0)
      ckpt.state.settings[key.substr(4)] = value;
  ckpt.weights = std::move(data->tensors);
  return ckpt;
}

Status checkResumeSettings(const std::string &path, const RunSettings &saved,
                           const RunSettings &current) {
  for (const auto &[key, value] : current) {
    auto it = saved.find(key);
    std::string was = it == saved.end() ? "(unset)" : it->second;
    if (was != value)
      return makeError(path, ": the checkpoint was written with ", key, " ",
                       was, " but this run has ", key, " ", value,
                       "; resuming needs the same settings");
  }
  return Status::success();
}

} // namespace kiln::runtime
