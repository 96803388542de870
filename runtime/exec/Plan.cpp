//===- Plan.cpp - Plans: JSON form and arena planning ---------------------===//
//
// Serialisation of plans, and the static memory planner that places every
// intermediate in one arena by liveness.
//
//===----------------------------------------------------------------------===//
#include "runtime/exec/Plan.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace kiln::runtime {

int64_t PlanTensor::elementsPerSample() const {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d >= 0)
      n *= d;
  return n;
}

bool PlanTensor::hasBatch() const {
  return std::find(shape.begin(), shape.end(), -1) != shape.end();
}

int Plan::find(const std::string &name) const {
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == name)
      return static_cast<int>(i);
  return -1;
}

static const char *roleName(TensorRole r) {
  switch (r) {
  case TensorRole::Input:
    return "input";
  case TensorRole::Output:
    return "output";
  case TensorRole::Weight:
    return "weight";
  case TensorRole::Intermediate:
    return "intermediate";
  case TensorRole::Fixed:
    return "fixed";
  case TensorRole::View:
    return "view";
  }
  return "?";
}

std::string Plan::toJson() const {
  nlohmann::json j;
  j["tensors"] = nlohmann::json::array();
  j["calls"] = nlohmann::json::array();
  j["arena_bytes_per_sample"] = arenaBytesPerSample;
  j["inputs"] = inputs;
  j["outputs"] = outputs;
  for (const PlanTensor &t : tensors) {
    nlohmann::json jt = {{"name", t.name},
                         {"shape", t.shape},
                         {"role", roleName(t.role)}};
    if (t.role == TensorRole::Intermediate || t.role == TensorRole::Output)
      jt["arena_offset_per_sample"] = t.arenaOffsetPerSample;
    if (t.role == TensorRole::View)
      jt["view_of"] = t.viewOf;
    if (t.fill == PlanTensor::Fill::Constant)
      jt["fill"] = t.fillValue;
    else if (t.fill == PlanTensor::Fill::InverseBatch)
      jt["fill"] = {{"inverse_batch", t.fillValue}};
    else if (t.fill == PlanTensor::Fill::Seed)
      jt["fill"] = {{"seed_stream", t.fillValue}};
    j["tensors"].push_back(jt);
  }
  for (const PlanCall &c : calls)
    j["calls"].push_back(
        {{"symbol", c.symbol}, {"args", c.args}, {"label", c.label}});
  return j.dump(1);
}

Expected<Plan> Plan::fromJson(const std::string &text) {
  try {
    auto j = nlohmann::json::parse(text);
    Plan p;
    p.arenaBytesPerSample = j.at("arena_bytes_per_sample").get<int64_t>();
    p.inputs = j.at("inputs").get<std::vector<int>>();
    p.outputs = j.at("outputs").get<std::vector<int>>();
    for (const auto &jt : j.at("tensors")) {
      PlanTensor t;
      t.name = jt.at("name").get<std::string>();
      t.shape = jt.at("shape").get<std::vector<int64_t>>();
      std::string role = jt.at("role").get<std::string>();
      bool known = false;
      for (TensorRole r : {TensorRole::Input, TensorRole::Output,
                           TensorRole::Weight, TensorRole::Intermediate,
                           TensorRole::Fixed, TensorRole::View})
        if (role == roleName(r)) {
          t.role = r;
          known = true;
        }
      if (!known)
        return makeError("plan: unknown tensor role '", role, "'");
      t.arenaOffsetPerSample = jt.value("arena_offset_per_sample", int64_t(0));
      t.viewOf = jt.value("view_of", -1);
      if (jt.contains("fill")) {
        if (jt["fill"].is_number()) {
          t.fill = PlanTensor::Fill::Constant;
          t.fillValue = jt["fill"].get<float>();
        } else if (jt["fill"].is_object() &&
                   jt["fill"].contains("inverse_batch")) {
          t.fill = PlanTensor::Fill::InverseBatch;
          t.fillValue = jt["fill"]["inverse_batch"].get<float>();
        } else if (jt["fill"].is_object() &&
                   jt["fill"].contains("seed_stream")) {
          t.fill = PlanTensor::Fill::Seed;
          t.fillValue = jt["fill"]["seed_stream"].get<float>();
        } else {
          return makeError("plan: unknown fill of '", t.name, "'");
        }
      }
      p.tensors.push_back(t);
    }
    if (j.contains("calls"))
      for (const auto &jc : j.at("calls"))
        p.calls.push_back({jc.at("symbol").get<std::string>(),
                           jc.at("args").get<std::vector<int>>(),
                           jc.value("label", std::string())});
    int n = p.tensors.size();
    auto valid = [n](int i) { return i >= 0 && i < n; };
    for (const PlanCall &c : p.calls)
      for (int a : c.args)
        if (!valid(a))
          return makeError("plan: call ", c.symbol, " names tensor ", a,
                           " of ", n);
    for (int i : p.inputs)
      if (!valid(i))
        return makeError("plan: input ", i, " out of range");
    for (int i : p.outputs)
      if (!valid(i))
        return makeError("plan: output ", i, " out of range");
    for (const PlanTensor &t : p.tensors)
      if (t.role == TensorRole::View && !valid(t.viewOf))
        return makeError("plan: view '", t.name, "' of an unknown tensor");
    return p;
  } catch (const nlohmann::json::exception &e) {
    return makeError("plan: malformed JSON: ", e.what());
  }
}

void planArena(Plan &plan) {
  const int n = plan.tensors.size();
  // 1. Storage root of each tensor (views share their source's).
  auto root = [&](int t) {
    while (plan.tensors[t].role == TensorRole::View)
      t = plan.tensors[t].viewOf;
    return t;
  };
  // 2. Live range [first write, last read] in call indices.
  std::vector<int> first(n, -1), last(n, -1);
  for (int c = 0; c < static_cast<int>(plan.calls.size()); ++c)
    for (int a : plan.calls[c].args) {
      int r = root(a);
      if (first[r] < 0)
        first[r] = c;
      last[r] = c;
    }
  for (int o : plan.outputs)  // outputs stay live to the end
    last[root(o)] = plan.calls.size();
  // 3. Greedy by start: reuse the best-fitting freed block, else grow.
  struct Block {
    int64_t offset, size;
  };
  std::vector<Block> free;
  std::multimap<int, std::pair<int64_t, int64_t>> releases; // call -> block
  std::vector<int> order;
  for (int t = 0; t < n; ++t)
    if (plan.tensors[t].role == TensorRole::Intermediate && first[t] >= 0)
      order.push_back(t);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return first[a] < first[b]; });
  int64_t top = 0;
  for (int t : order) {
    // Free every block whose tensor died before this one is written.
    for (auto it = releases.begin();
         it != releases.end() && it->first < first[t];) {
      free.push_back({it->second.first, it->second.second});
      it = releases.erase(it);
    }
    int64_t size = (plan.tensors[t].elementsPerSample() * 4 + 63) / 64 * 64;
    int best = -1;
    for (int i = 0; i < static_cast<int>(free.size()); ++i)
      if (free[i].size >= size &&
          (best < 0 || free[i].size < free[best].size))
        best = i;
    int64_t offset;
    if (best >= 0) {
      offset = free[best].offset;
      if (free[best].size > size)
        free.push_back({offset + size, free[best].size - size});
      free.erase(free.begin() + best);
    } else {
      offset = top;
      top += size;
    }
    plan.tensors[t].arenaOffsetPerSample = offset;
    releases.emplace(last[t], std::make_pair(offset, size));
  }
  plan.arenaBytesPerSample = top;
}

} // namespace kiln::runtime
