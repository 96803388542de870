//===- Device.cpp - Plan tensors resident on a GPU ------------------------===//
//
// See Device.h. Halide's flags drive its copies: a buffer with a device
// allocation and neither dirty bit is used on the device as it is, so every
// buffer is left clean except an input (host_dirty, uploaded here) and what
// the kernels write (device_dirty, read back here for outputs only).
//
//===----------------------------------------------------------------------===//
#include "runtime/exec/Device.h"

#include <cstring>

// Weak references: resolved where the program links a Halide runtime (a
// compiled executable), null elsewhere.
extern "C" {
const halide_device_interface_t *halide_cuda_device_interface()
    __attribute__((weak));
const halide_device_interface_t *halide_opencl_device_interface()
    __attribute__((weak));
}
#pragma weak halide_device_malloc
#pragma weak halide_copy_to_device
#pragma weak halide_copy_to_host
#pragma weak halide_device_free

namespace kiln::runtime {

RuntimeSymbolResolver linkedRuntimeSymbols() {
  return [](const char *name) -> void * {
    std::string n = name;
    if (n == "halide_cuda_device_interface")
      return reinterpret_cast<void *>(&halide_cuda_device_interface);
    if (n == "halide_opencl_device_interface")
      return reinterpret_cast<void *>(&halide_opencl_device_interface);
    if (n == "halide_device_malloc")
      return reinterpret_cast<void *>(&halide_device_malloc);
    if (n == "halide_copy_to_device")
      return reinterpret_cast<void *>(&halide_copy_to_device);
    if (n == "halide_copy_to_host")
      return reinterpret_cast<void *>(&halide_copy_to_host);
    if (n == "halide_device_free")
      return reinterpret_cast<void *>(&halide_device_free);
    return nullptr;
  };
}

std::string gpuApiOfTarget(const std::string &target) {
  // Halide target strings are '-'-separated features.
  std::string t = "-" + target + "-";
  if (t.find("-cuda") != std::string::npos)
    return "cuda";
  if (t.find("-opencl-") != std::string::npos)
    return "opencl";
  return "";
}

Expected<std::shared_ptr<DeviceBinding>>
DeviceBinding::create(const std::string &target,
                      const RuntimeSymbolResolver &resolve) {
  std::string api = gpuApiOfTarget(target);
  if (api.empty())
    return makeError("target '", target, "' has no GPU feature");
  std::shared_ptr<DeviceBinding> d(new DeviceBinding());
  d->api_ = api;
  using InterfaceFn = const halide_device_interface_t *(*)();
  auto getInterface = reinterpret_cast<InterfaceFn>(
      resolve(("halide_" + api + "_device_interface").c_str()));
  d->fns_.deviceMalloc = reinterpret_cast<decltype(Api::deviceMalloc)>(
      resolve("halide_device_malloc"));
  d->fns_.copyToDevice = reinterpret_cast<decltype(Api::copyToDevice)>(
      resolve("halide_copy_to_device"));
  d->fns_.copyToHost = reinterpret_cast<decltype(Api::copyToHost)>(
      resolve("halide_copy_to_host"));
  d->fns_.deviceFree = reinterpret_cast<decltype(Api::deviceFree)>(
      resolve("halide_device_free"));
  if (!getInterface || !d->fns_.deviceMalloc || !d->fns_.copyToDevice ||
      !d->fns_.copyToHost || !d->fns_.deviceFree)
    return makeError("this program's kernels were compiled for '", target,
                     "' but it holds no Halide ", api, " runtime");
  d->fns_.interface = getInterface();
  // Probe: one small allocation. Halide's runtime loads the driver library
  // (libcuda.so / libOpenCL.so) and picks a device here.
  alignas(64) float probe[16] = {0};
  halide_dimension_t dim(0, 16, 1);
  halide_buffer_t b{};
  b.host = reinterpret_cast<uint8_t *>(probe);
  b.type = halide_type_t(halide_type_float, 32, 1);
  b.dimensions = 1;
  b.dim = &dim;
  int err = d->fns_.deviceMalloc(nullptr, &b, d->fns_.interface);
  if (err != 0)
    return makeError(
        "no ", api == "cuda" ? "CUDA" : "OpenCL",
        " device or driver was found (Halide error ", err,
        "): this program was compiled for '", target, "' and runs its ",
        "kernels on the GPU only. Run it on a machine with a",
        api == "cuda" ? "n NVIDIA GPU and its driver (libcuda.so)"
                      : " working OpenCL platform (e.g. PoCL on the CPU)",
        ", or compile the model again with `kiln compile --target host`");
  d->fns_.deviceFree(nullptr, &b);
  return d;
}

DeviceBinding::~DeviceBinding() {
  for (auto &[host, r] : weights_)
    if (r->buffer.device)
      fns_.deviceFree(nullptr, &r->buffer);
}

Status DeviceBinding::bindWeight(float *host, int64_t elements,
                                 halide_buffer_t &b) {
  auto it = weights_.find(host);
  if (it == weights_.end()) {
    auto r = std::make_unique<Resident>();
    r->dim = halide_dimension_t(0, static_cast<int32_t>(elements), 1);
    r->buffer.host = reinterpret_cast<uint8_t *>(host);
    r->buffer.type = halide_type_t(halide_type_float, 32, 1);
    r->buffer.dimensions = 1;
    r->buffer.dim = &r->dim;
    r->buffer.set_host_dirty(true);
    if (fns_.copyToDevice(nullptr, &r->buffer, fns_.interface) != 0)
      return makeError("cannot upload a weight of ", elements,
                       " values to the ", api_, " device");
    it = weights_.emplace(host, std::move(r)).first;
  }
  b.device = it->second->buffer.device;
  b.device_interface = it->second->buffer.device_interface;
  b.flags = 0;
  return Status::success();
}

void DeviceBinding::weightWritten(float *host) {
  if (auto it = weights_.find(host); it != weights_.end())
    it->second->deviceNewer = true;
}

Status DeviceBinding::syncToHost() {
  for (auto &[host, r] : weights_) {
    if (!r->deviceNewer)
      continue;
    r->buffer.set_host_dirty(false);
    r->buffer.set_device_dirty(true);
    if (fns_.copyToHost(nullptr, &r->buffer) != 0)
      return makeError("cannot copy weights back from the ", api_, " device");
    r->deviceNewer = false;
  }
  return Status::success();
}

DeviceTensors::~DeviceTensors() {
  for (auto &[t, o] : owned_)
    if (o.buffer.device)
      device_->entry().deviceFree(nullptr, &o.buffer);
}

Status DeviceTensors::prepare(const Plan &plan,
                              std::vector<halide_buffer_t> &buffers,
                              int64_t n) {
  const DeviceBinding::Api &api = device_->entry();
  bool batchChanged = n != lastBatch_;
  std::vector<bool> isInput(plan.tensors.size(), false);
  for (int t : plan.inputs)
    isInput[t] = true;
  // 1. Storage: weights shared, everything else owned (views after).
  for (size_t t = 0; t < plan.tensors.size(); ++t) {
    const PlanTensor &pt = plan.tensors[t];
    halide_buffer_t &b = buffers[t];
    if (pt.role == TensorRole::View)
      continue;
    if (pt.role == TensorRole::Weight) {
      KILN_RETURN_IF_ERROR(device_->bindWeight(
          reinterpret_cast<float *>(b.host), pt.elementsPerSample(), b));
      continue;
    }
    Owned &o = owned_[static_cast<int>(t)];
    int64_t need = pt.hasBatch() ? n : 1;
    bool fresh = false;
    if (!o.buffer.device || need > o.capacity) {
      if (o.buffer.device)
        api.deviceFree(nullptr, &o.buffer);
      o.dims.assign(b.dim, b.dim + b.dimensions);
      o.buffer = b;
      o.buffer.dim = o.dims.data();
      o.buffer.device = 0;
      o.buffer.device_interface = nullptr;
      o.buffer.flags = 0;
      if (api.deviceMalloc(nullptr, &o.buffer, api.interface) != 0)
        return makeError("cannot allocate '", pt.name, "' on the ",
                         device_->api(), " device");
      o.capacity = need;
      fresh = true;
    }
    b.device = o.buffer.device;
    b.device_interface = o.buffer.device_interface;
    b.flags = 0;
    bool upload = isInput[t] ||
                  (pt.role == TensorRole::Fixed &&
                   (fresh || (batchChanged &&
                              pt.fill == PlanTensor::Fill::InverseBatch)));
    if (upload) {
      b.set_host_dirty(true);
      if (api.copyToDevice(nullptr, &b, api.interface) != 0)
        return makeError("cannot upload '", pt.name, "' to the ",
                         device_->api(), " device");
      b.flags = 0;
    }
  }
  // 2. Views share their source's device storage (whole tensors, offset 0).
  for (size_t t = 0; t < plan.tensors.size(); ++t) {
    if (plan.tensors[t].role != TensorRole::View)
      continue;
    int r = static_cast<int>(t);
    while (plan.tensors[r].role == TensorRole::View)
      r = plan.tensors[r].viewOf;
    buffers[t].device = buffers[r].device;
    buffers[t].device_interface = buffers[r].device_interface;
    buffers[t].flags = 0;
  }
  lastBatch_ = n;
  return Status::success();
}

Status DeviceTensors::finish(const Plan &plan,
                             std::vector<halide_buffer_t> &buffers) {
  const DeviceBinding::Api &api = device_->entry();
  // Weights the kernels wrote (in place, possibly through a view).
  for (size_t t = 0; t < plan.tensors.size(); ++t) {
    if (!buffers[t].device_dirty())
      continue;
    int r = static_cast<int>(t);
    while (plan.tensors[r].role == TensorRole::View)
      r = plan.tensors[r].viewOf;
    if (plan.tensors[r].role == TensorRole::Weight)
      device_->weightWritten(reinterpret_cast<float *>(buffers[r].host));
  }
  for (int t : plan.outputs) {
    halide_buffer_t &b = buffers[t];
    b.set_host_dirty(false);
    b.set_device_dirty(true);
    if (api.copyToHost(nullptr, &b) != 0)
      return makeError("cannot copy '", plan.tensors[t].name,
                       "' back from the ", device_->api(), " device");
  }
  for (halide_buffer_t &b : buffers)
    b.flags = 0;
  return Status::success();
}

} // namespace kiln::runtime
