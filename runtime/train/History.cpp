//===- History.cpp - Per-epoch metrics of a fit ---------------------------===//
//
// JSON conversion of History (nlohmann_json) and its atomic writer.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/History.h"

#include "runtime/ByteIO.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace kiln::runtime {

namespace {

/// JSON has no NaN or infinity; a diverged metric is written as null.
nlohmann::json number(double v) {
  if (!std::isfinite(v))
    return nullptr;
  return v;
}

double toDouble(const nlohmann::json &v) {
  return v.is_number() ? v.get<double>() : std::nan("");
}

} // namespace

bool History::hasValidation() const {
  for (const EpochRecord &e : epochs)
    if (e.valLoss || e.valAccuracy)
      return true;
  return false;
}

std::string History::toJson() const {
  using nlohmann::json;
  json lists = json::object();
  json accuracy = json::array(), loss = json::array(), valAccuracy = json::array(),
       valLoss = json::array(), msPerStep = json::array(), seconds = json::array(),
       steps = json::array();
  for (const EpochRecord &e : epochs) {
    accuracy.push_back(number(e.accuracy));
    loss.push_back(number(e.loss));
    valAccuracy.push_back(e.valAccuracy ? number(*e.valAccuracy) : json(nullptr));
    valLoss.push_back(e.valLoss ? number(*e.valLoss) : json(nullptr));
    msPerStep.push_back(number(e.msPerStep));
    seconds.push_back(number(e.seconds));
    steps.push_back(e.steps);
  }
  lists["accuracy"] = accuracy;
  lists["loss"] = loss;
  if (hasValidation()) {
    lists["val_accuracy"] = valAccuracy;
    lists["val_loss"] = valLoss;
  }
  lists["ms_per_step"] = msPerStep;
  lists["epoch_seconds"] = seconds;
  lists["steps"] = steps;
  json doc = json::object();
  doc["epochs"] = epochs.size();
  doc["history"] = lists;
  if (test)
    doc["test"] = {{"loss", number(test->loss)},
                   {"accuracy", number(test->accuracy)},
                   {"samples", test->samples}};
  return doc.dump(2) + "\n";
}

Expected<History> History::fromJson(const std::string &text, const std::string &what) {
  using nlohmann::json;
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return makeError(what, ": not a JSON object");
  auto listIt = doc.find("history");
  if (listIt == doc.end() || !listIt->is_object())
    return makeError(what, ": no \"history\" object");
  const json &lists = *listIt;
  auto list = [&](const char *key) -> const json * {
    auto it = lists.find(key);
    return it != lists.end() && it->is_array() ? &*it : nullptr;
  };
  const json *loss = list("loss"), *accuracy = list("accuracy");
  if (!loss || !accuracy)
    return makeError(what, ": \"history\" lacks the \"loss\" or \"accuracy\" list");
  size_t n = loss->size();
  for (const char *key : {"accuracy", "val_accuracy", "val_loss", "ms_per_step",
                          "epoch_seconds", "steps"})
    if (const json *l = list(key); l && l->size() != n)
      return makeError(what, ": \"", key, "\" has ", l->size(), " entries but \"loss\" has ",
                       n);
  History h;
  for (size_t i = 0; i < n; ++i) {
    EpochRecord e;
    e.epoch = int64_t(i) + 1;
    e.loss = toDouble((*loss)[i]);
    e.accuracy = toDouble((*accuracy)[i]);
    if (const json *l = list("val_loss"); l && !(*l)[i].is_null())
      e.valLoss = toDouble((*l)[i]);
    if (const json *l = list("val_accuracy"); l && !(*l)[i].is_null())
      e.valAccuracy = toDouble((*l)[i]);
    if (const json *l = list("ms_per_step"))
      e.msPerStep = toDouble((*l)[i]);
    if (const json *l = list("epoch_seconds"))
      e.seconds = toDouble((*l)[i]);
    if (const json *l = list("steps"); l && (*l)[i].is_number_integer())
      e.steps = (*l)[i].get<int64_t>();
    h.epochs.push_back(e);
  }
  if (auto it = doc.find("test"); it != doc.end() && it->is_object()) {
    EvalResult r;
    r.loss = toDouble(it->value("loss", json(nullptr)));
    r.accuracy = toDouble(it->value("accuracy", json(nullptr)));
    if (auto samples = it->find("samples"); samples != it->end() && samples->is_number_integer())
      r.samples = samples->get<int64_t>();
    h.test = r;
  }
  return h;
}

Status History::writeJson(const std::string &path) const {
  std::string text = toJson();
  return writeFileAtomic(path, text.data(), text.size()).withContext(path);
}

} // namespace kiln::runtime
