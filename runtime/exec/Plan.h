//===- Plan.h - What a compiled model runs ----------------------*- C++ -*-===//
//
// A Plan is the whole of what the runtime needs to execute a model function:
// its tensors (inputs, outputs, weights, intermediates) and the kernel calls
// in order, each naming a kernel symbol and the tensors bound to its
// arguments (inputs, weights, outputs: the kernel boundary). Intermediates
// live in one arena at offsets planned by liveness; since every activation
// scales with the batch, offsets are planned per sample and multiplied by
// the batch size when the arena is bound. A view (flatten, inference-time
// dropout) shares its source's storage. Plans have a JSON form, so `kiln
// compile` can embed one and tools can print one.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_EXEC_PLAN_H
#define KILN_RUNTIME_EXEC_PLAN_H

#include "runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::runtime {

/// The role of a tensor in a plan.
enum class TensorRole {
  Input,        ///< given by the caller each run
  Output,       ///< given by the caller each run
  Weight,       ///< bound by name to a weight store
  Intermediate, ///< in the arena (scales with the batch)
  Fixed,        ///< a batch-independent scratch (a weight's gradient)
  View          ///< shares another tensor's storage
};

/// One tensor. `shape` is Keras-ordered (NHWC, HWIO); -1 marks the batch.
struct PlanTensor {
  std::string name;
  std::vector<int64_t> shape;
  TensorRole role = TensorRole::Intermediate;
  /// Intermediate: byte offset in the arena per sample of the batch.
  int64_t arenaOffsetPerSample = 0;
  /// View: the tensor whose storage this one shares.
  int viewOf = -1;
  /// Fixed tensors the executor fills: the constant fillValue, or
  /// fillValue / batch size (a mean's scale), refreshed whenever the batch
  /// changes, or (Seed) a dropout layer's key from the run's seed and the
  /// layer's stream fillValue (dropoutSeedValue; Executor::setSeed).
  enum class Fill { None, Constant, InverseBatch, Seed } fill = Fill::None;
  float fillValue = 0;

  /// Elements per sample (the product of the non-batch dimensions); the
  /// whole element count for tensors without a batch dimension.
  int64_t elementsPerSample() const;
  bool hasBatch() const;
};

/// The value of a Seed-filled tensor: (seed * 1000003 + stream) modulo 2^24,
/// a float that holds it exactly (the dropout kernel reads it as an int).
inline float dropoutSeedValue(uint64_t seed, int64_t stream) {
  return static_cast<float>((seed * 1000003u + static_cast<uint64_t>(stream)) &
                            ((uint64_t(1) << 24) - 1));
}

/// One kernel call: `symbol` with `args` (indices into Plan::tensors) in
/// the kernel boundary's order.
struct PlanCall {
  std::string symbol;
  std::vector<int> args;
  std::string label;  ///< what the call computes, for dumps and profiles
};

struct Plan {
  std::vector<PlanTensor> tensors;
  std::vector<PlanCall> calls;
  std::vector<int> inputs, outputs;  ///< in the function's order
  int64_t arenaBytesPerSample = 0;

  int find(const std::string &name) const;
  std::string toJson() const;
  static Expected<Plan> fromJson(const std::string &text);
};

/// Assigns arena offsets to every Intermediate (and Output, which the
/// caller's buffers do not hold) by liveness over the call order: a tensor
/// is live from the call that writes it to the last call that reads it
/// (views extend their source's life); freed blocks are reused best-fit.
/// Offsets are aligned to 64 bytes per sample.
void planArena(Plan &plan);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_EXEC_PLAN_H
