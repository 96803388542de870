//===- Executor.cpp - Runs a Plan's kernel calls --------------------------===//
//
// See Executor.h. The only per-run work is setting host pointers and the
// batch extent when it changes; no allocation happens after the largest
// batch has been seen.
//
//===----------------------------------------------------------------------===//
#include "runtime/exec/Executor.h"
#include "runtime/support/Memory.h"
#include "runtime/exec/HalideErrors.h"

#include <cstdlib>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <cstdint>
#include <cstring>

namespace kiln::runtime {

Expected<std::unique_ptr<Executor>> Executor::create(Plan plan,
                                                     const KernelResolver &resolve) {
  std::unique_ptr<Executor> ex(new Executor(std::move(plan)));
  for (const PlanCall &call : ex->plan_.calls) {
    KernelEntry e = resolve(call.symbol);
    if (!e)
      return makeError("kernel '", call.symbol, "' (", call.label,
                       ") is missing from the compiled kernels");
    ex->entries_.push_back(e);
  }
  size_t n = ex->plan_.tensors.size();
  ex->buffers_.resize(n);
  ex->dims_.resize(n);
  ex->host_.assign(n, nullptr);
  for (size_t t = 0; t < n; ++t)
    ex->fixed_.emplace_back(nullptr, std::free);
  for (size_t t = 0; t < n; ++t) {
    const PlanTensor &pt = ex->plan_.tensors[t];
    ex->dims_[t].resize(pt.shape.size());
    halide_buffer_t &b = ex->buffers_[t];
    std::memset(&b, 0, sizeof b);
    b.type = halide_type_t(halide_type_float, 32, 1);
    b.dimensions = pt.shape.size();
    b.dim = ex->dims_[t].data();
    if (pt.role == TensorRole::Fixed) {
      void *p = nullptr;
      size_t bytes = std::max<int64_t>(pt.elementsPerSample(), 16) * 4;
      if (posix_memalign(&p, 64, bytes) != 0)
        return makeError("out of memory for '", pt.name, "'");
      std::memset(p, 0, bytes);
      ex->fixed_[t].reset(static_cast<float *>(p));
      ex->host_[t] = ex->fixed_[t].get();
      if (pt.fill == PlanTensor::Fill::Constant)
        for (int64_t i = 0; i < pt.elementsPerSample(); ++i)
          ex->host_[t][i] = pt.fillValue;
    }
  }
  ex->setSeed(0);
  for (const PlanCall &call : ex->plan_.calls)
    ex->profile_.push_back({call.label, 0, 0});
  if (const char *p = std::getenv("KILN_PROFILE"); p && *p && *p != '0')
    ex->profiling_ = true;
  return ex;
}

std::string Executor::profileReport() const {
  std::vector<CallTime> rows = profile_;
  double total = 0;
  for (const CallTime &r : rows)
    total += r.seconds;
  std::sort(rows.begin(), rows.end(),
            [](const CallTime &a, const CallTime &b) {
              return a.seconds > b.seconds;
            });
  std::ostringstream os;
  char line[256];
  std::snprintf(line, sizeof line, "%10s %6s  %s\n", "ms/call", "share",
                "kernel");
  os << line;
  for (const CallTime &r : rows) {
    if (!r.calls)
      continue;
    std::snprintf(line, sizeof line, "%10.3f %5.1f%%  %s\n",
                  1000 * r.seconds / r.calls,
                  total > 0 ? 100 * r.seconds / total : 0.0, r.label.c_str());
    os << line;
  }
  return os.str();
}

Status Executor::bindWeight(const std::string &name, float *data) {
  int t = plan_.find(name);
  if (t < 0 || plan_.tensors[t].role != TensorRole::Weight)
    return makeError("the model has no weight named '", name, "'");
  // The kernels' contract: every buffer is 64-byte aligned.
  if (reinterpret_cast<uintptr_t>(data) % 64 != 0)
    return makeError("weight '", name,
                     "' is not 64-byte aligned (kiln's kernels need it)");
  host_[t] = data;
  return Status::success();
}

std::vector<std::string> Executor::unboundWeights() const {
  std::vector<std::string> names;
  for (size_t t = 0; t < plan_.tensors.size(); ++t)
    if (plan_.tensors[t].role == TensorRole::Weight && !host_[t])
      names.push_back(plan_.tensors[t].name);
  return names;
}

void Executor::setSeed(uint64_t seed) {
  for (size_t t = 0; t < plan_.tensors.size(); ++t)
    if (plan_.tensors[t].fill == PlanTensor::Fill::Seed)
      host_[t][0] = dropoutSeedValue(
          seed, static_cast<int64_t>(plan_.tensors[t].fillValue));
}

float *Executor::data(int tensor) { return host_[tensor]; }

void Executor::bindShapes(int64_t n) {
  if (n == boundBatch_)
    return;
  int64_t need = plan_.arenaBytesPerSample * n;
  if (need > arenaCapacity_) {
    void *p = nullptr;
    if (posix_memalign(&p, 64, need > 0 ? need : 64) != 0)
      p = nullptr;
    arena_ = {static_cast<uint8_t *>(p), std::free};
    arenaCapacity_ = need;
  }
  for (size_t t = 0; t < plan_.tensors.size(); ++t) {
    const PlanTensor &pt = plan_.tensors[t];
    // Halide's dimension 0 is the innermost (last Keras) axis.
    int64_t stride = 1;
    int rank = pt.shape.size();
    for (int d = 0; d < rank; ++d) {
      int64_t extent = pt.shape[rank - 1 - d];
      if (extent < 0)
        extent = n;
      dims_[t][d] = halide_dimension_t(0, static_cast<int32_t>(extent),
                                       static_cast<int32_t>(stride));
      stride *= extent;
    }
    if (pt.role == TensorRole::Intermediate)
      host_[t] = reinterpret_cast<float *>(arena_.get() +
                                           pt.arenaOffsetPerSample * n);
    if (pt.fill == PlanTensor::Fill::InverseBatch)
      host_[t][0] = pt.fillValue / static_cast<float>(n);
  }
  boundBatch_ = n;
}

Status Executor::run(int64_t n, const std::vector<const float *> &inputs,
                     const std::vector<float *> &outputs) {
  if (inputs.size() != plan_.inputs.size() ||
      outputs.size() != plan_.outputs.size())
    return makeError("the model takes ", plan_.inputs.size(), " inputs and ",
                     plan_.outputs.size(), " outputs, got ", inputs.size(),
                     " and ", outputs.size());
  if (n <= 0 || n > (int64_t(1) << 24))
    return makeError("batch size ", n, " is out of range");
  // Refused before the arena is allocated, with the figures.
  if (n != boundBatch_) {
    // Halide's extents and strides are int32 (lowering checked one sample).
    for (const PlanTensor &pt : plan_.tensors)
      if (pt.hasBatch() &&
          static_cast<double>(pt.elementsPerSample()) * static_cast<double>(n) >
              2147483647.0)
        return makeError("a batch of ", n, " makes tensor '", pt.name,
                         "' hold ", pt.elementsPerSample() * n,
                         " elements, more than the 2^31-1 kiln's kernels "
                         "address; use a smaller batch");
    std::string shortfall = memoryShortfall(
        static_cast<double>(plan_.arenaBytesPerSample) * static_cast<double>(n),
        "activations for a batch of " + std::to_string(n));
    if (!shortfall.empty())
      return makeError(shortfall);
  }
  bindShapes(n);
  if (!arena_ && plan_.arenaBytesPerSample > 0)
    return makeError("cannot allocate ", plan_.arenaBytesPerSample * n,
                     " bytes for the activations");
  // Caller buffers that break the kernels' 64-byte alignment go through an
  // aligned copy.
  size_t slots = inputs.size() + outputs.size();
  if (staging_.size() < slots) {
    while (staging_.size() < slots)
      staging_.emplace_back(nullptr, std::free);
    stagingCapacity_.resize(slots, 0);
  }
  auto place = [&](size_t slot, int tensor, float *ptr, bool copyIn) {
    int64_t count = plan_.tensors[tensor].elementsPerSample() *
                    (plan_.tensors[tensor].hasBatch() ? n : 1);
    if (reinterpret_cast<uintptr_t>(ptr) % 64 == 0) {
      host_[tensor] = ptr;
      return true;
    }
    if (stagingCapacity_[slot] < count) {
      void *p = nullptr;
      if (posix_memalign(&p, 64, std::max<int64_t>(count, 1) * 4) != 0)
        return false;
      staging_[slot] = {static_cast<float *>(p), std::free};
      stagingCapacity_[slot] = count;
    }
    if (copyIn)
      std::memcpy(staging_[slot].get(), ptr, count * 4);
    host_[tensor] = staging_[slot].get();
    return true;
  };
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!place(i, plan_.inputs[i], const_cast<float *>(inputs[i]), true))
      return makeError("out of memory staging input ", i);
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!place(inputs.size() + i, plan_.outputs[i], outputs[i], false))
      return makeError("out of memory staging output ", i);
  auto missing = unboundWeights();
  if (!missing.empty())
    return makeError("weight '", missing.front(), "' has no value");
  for (size_t t = 0; t < plan_.tensors.size(); ++t) {
    int r = t;
    while (plan_.tensors[r].role == TensorRole::View)
      r = plan_.tensors[r].viewOf;
    buffers_[t].host = reinterpret_cast<uint8_t *>(host_[r]);
  }
  if (device_)
    KILN_RETURN_IF_ERROR(device_->prepare(plan_, buffers_, n));
  std::vector<void *> argv;
  for (size_t c = 0; c < plan_.calls.size(); ++c) {
    argv.clear();
    for (int a : plan_.calls[c].args)
      argv.push_back(&buffers_[a]);
    auto t0 = profiling_ ? std::chrono::steady_clock::now()
                         : std::chrono::steady_clock::time_point();
    int err = entries_[c](argv.data());
    if (profiling_) {
      profile_[c].seconds += std::chrono::duration<double>(
                                 std::chrono::steady_clock::now() - t0)
                                 .count();
      ++profile_[c].calls;
    }
    if (err != 0) {
      std::string detail = takeLastHalideError();
      return makeError("kernel '", plan_.calls[c].symbol, "' (",
                       plan_.calls[c].label, ") failed with Halide error ", err,
                       detail.empty() ? "" : ": ", detail);
    }
  }
  if (device_)
    KILN_RETURN_IF_ERROR(device_->finish(plan_, buffers_));
  for (size_t i = 0; i < outputs.size(); ++i) {
    int t = plan_.outputs[i];
    if (host_[t] != outputs[i])
      std::memcpy(outputs[i], host_[t],
                  plan_.tensors[t].elementsPerSample() *
                      (plan_.tensors[t].hasBatch() ? n : 1) * 4);
  }
  return Status::success();
}

} // namespace kiln::runtime
