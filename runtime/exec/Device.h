//===- Device.h - Plan tensors resident on a GPU -----------------*- C++ -*-===//
//
// When a plan's kernels were compiled for a GPU target (CUDA, OpenCL), its
// executor keeps every tensor on the device: weights and optimizer state
// are uploaded once and shared by the model's executors (training and
// evaluation steps), intermediates and fixed tensors are allocated once per
// executor at the largest batch seen, and per run only the inputs go up and
// the outputs come back. Weights come back to the host only on request
// (syncToHost: checkpoints, saving). The Halide runtime's entry points are
// resolved by name from the program that holds the kernels' runtime (an
// executable's linked-in runtime, or a kernel library through dlsym), never
// from libHalide: a process may hold only one Halide runtime's device state.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_EXEC_DEVICE_H
#define KILN_RUNTIME_EXEC_DEVICE_H

#include "runtime/Status.h"
#include "runtime/exec/Plan.h"

#include "HalideRuntime.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln::runtime {

/// Finds a C symbol of the Halide runtime by name (null if absent).
using RuntimeSymbolResolver = std::function<void *(const char *)>;

/// The runtime linked into this program (weak references: null where the
/// program links no Halide runtime, as in the kiln tool itself).
RuntimeSymbolResolver linkedRuntimeSymbols();

/// "cuda", "opencl", or "" for a target string without a GPU feature.
std::string gpuApiOfTarget(const std::string &target);

/// A GPU of one API, and the model's weights resident on it (shared by every
/// executor of the model).
class DeviceBinding {
public:
  /// Resolves the runtime's device entry points for the target's API and
  /// checks that a device answers (a small allocation). Fails with a
  /// message for people when no GPU or driver is found.
  [[nodiscard]] static Expected<std::shared_ptr<DeviceBinding>>
  create(const std::string &target,
         const RuntimeSymbolResolver &resolve = linkedRuntimeSymbols());
  ~DeviceBinding();

  const std::string &api() const { return api_; }

  /// Points `b` (the host storage `host`, float32, `elements` long) at the
  /// weight's device copy, uploading it the first time it is seen.
  [[nodiscard]] Status bindWeight(float *host, int64_t elements,
                                  halide_buffer_t &b);
  /// A kernel wrote the weight at `host` on the device.
  void weightWritten(float *host);
  /// Copies every weight written on the device back to its host storage.
  [[nodiscard]] Status syncToHost();

  /// Device entry points (the resolved runtime's).
  struct Api {
    const halide_device_interface_t *interface = nullptr;
    int (*deviceMalloc)(void *, halide_buffer_t *,
                        const halide_device_interface_t *) = nullptr;
    int (*copyToDevice)(void *, halide_buffer_t *,
                        const halide_device_interface_t *) = nullptr;
    int (*copyToHost)(void *, halide_buffer_t *) = nullptr;
    int (*deviceFree)(void *, halide_buffer_t *) = nullptr;
  };
  const Api &entry() const { return fns_; }

private:
  DeviceBinding() = default;
  struct Resident {
    halide_buffer_t buffer{};
    halide_dimension_t dim{};
    bool deviceNewer = false;
  };
  std::string api_;
  Api fns_;
  std::map<float *, std::unique_ptr<Resident>> weights_;
};

/// One executor's tensors on the device (see the banner).
class DeviceTensors {
public:
  explicit DeviceTensors(std::shared_ptr<DeviceBinding> device)
      : device_(std::move(device)) {}
  ~DeviceTensors();
  DeviceTensors(const DeviceTensors &) = delete;
  DeviceTensors &operator=(const DeviceTensors &) = delete;

  /// Before a run of batch n (buffers bound to host storage and shapes):
  /// allocations made or grown, weights bound, inputs uploaded, and fixed
  /// tensors uploaded when first allocated or when the batch changed.
  [[nodiscard]] Status prepare(const Plan &plan,
                               std::vector<halide_buffer_t> &buffers,
                               int64_t n);
  /// After a run: outputs copied to their host storage; weights the kernels
  /// wrote noted for DeviceBinding::syncToHost.
  [[nodiscard]] Status finish(const Plan &plan,
                              std::vector<halide_buffer_t> &buffers);
  DeviceBinding &binding() { return *device_; }

private:
  struct Owned {
    halide_buffer_t buffer{};
    std::vector<halide_dimension_t> dims;
    int64_t capacity = 0; ///< batch it was allocated for
  };
  std::shared_ptr<DeviceBinding> device_;
  std::map<int, Owned> owned_;
  int64_t lastBatch_ = -1;
};

} // namespace kiln::runtime

#endif // KILN_RUNTIME_EXEC_DEVICE_H
