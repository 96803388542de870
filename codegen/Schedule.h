//===- Schedule.h - Schedules as data -----------------------------*- C++ -*-===//
//
// A Schedule is the data an autotuner may change for one kernel: register
// tile, vector width, parallel axis, unrolling, where producers are computed,
// and whether reductions over the batch are split with rfactor. It has a JSON
// form. Each family's kernels/<Family>.cpp applies it; the meaning of each
// field per family is documented there and summarised below.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/KernelSpec.h"

#include <nlohmann/json.hpp>
#include <string>

namespace kiln::codegen {

/// Schedule knobs. Fields a family does not use are ignored by it.
struct Schedule {
  /// Lanes per vector (16 = one AVX-512 fp32 register). The applied width is
  /// shrunk to fit the vectorised extent (power of two <= extent).
  int vectorWidth = 16;
  /// Register tile along the innermost (channel/units) axis, in vectors.
  int tileChannels = 1;
  /// Register tile along the next axis: output x (conv, pool), batch rows
  /// (dense), input channels (conv backprop filter).
  int tileX = 1;
  /// Register tile along kernel x for conv backprop filter (1 or kernelW).
  int tileY = 1;
  /// Parallel loop: "n" (batch), "y" (output rows inside the batch loop),
  /// "ny" (both) or "none".
  std::string parallel = "n";
  /// Unroll factor of the innermost reduction variable (1 = none).
  int unrollReduction = 1;
  /// Where the accumulator is computed: "tile" (registers, at the output's
  /// tile loop) or "root" (whole output, plain loops).
  std::string computeAt = "tile";
  /// Where padded / staged inputs live: "inline" (select in the inner loop),
  /// "image" (once per image, at the batch loop) or "root".
  std::string storeAt = "image";
  /// Split batch reductions (backprop filter/bias) into fixed chunks of
  /// rfactorChunk images computed in parallel then summed in order.
  bool rfactor = true;
  int rfactorChunk = 16;
  /// When set ("Mullapudi2016", "Adams2019", "Li2018"), buildKernel drops
  /// the family's schedule and lets that Halide autoscheduler schedule the
  /// algorithm instead (the fields above still pick the algorithm's
  /// variant, e.g. rfactorChunk). autoschedulerParams holds "batch" (the
  /// batch estimate, default 128) and "machine" (MachineParams as
  /// "parallelism,llc_bytes,balance"). The JSON form writes both keys only
  /// when set, so existing schedules keep their JSON (and cache keys).
  std::string autoscheduler;
  nlohmann::json autoschedulerParams = nlohmann::json::object();
  /// GPU targets only (CUDA, OpenCL; see kernels/GpuSchedule.cpp). Zero or
  /// empty means "the GPU default", and the JSON form writes these keys only
  /// when set, so CPU schedules keep their JSON (and cache keys).
  /// Threads per block (default 128).
  int gpuThreads = 0;
  /// Threads along the innermost pure axis of a 2-D block (the rest of
  /// gpuThreads along the next axis); 0 fuses every pure axis into one
  /// 1-D block axis.
  int gpuTileX = 0;
  /// Where a Func with update definitions (an accumulator) that feeds one
  /// computed Func is computed: "thread" (in the consumer's GPU thread, its
  /// accumulator in registers) or "root" (its own kernel launch, default).
  std::string gpuComputeAt;
  /// Convolutions (forward, backprop input): output channels each GPU
  /// thread computes, their accumulators in registers (0: one; the applied
  /// tile divides the channel count). A non-zero tile switches the family
  /// to 2-D pixel blocks of gpuTileX (default 8) columns.
  int gpuRegisterTile = 0;
  /// Convolutions: "input" stages each block's input window in GPU shared
  /// memory (when it fits in 40 KB); "" reads it from global memory.
  std::string gpuShared;

  bool operator==(const Schedule &o) const;
};

void to_json(nlohmann::json &j, const Schedule &s);
/// Missing keys keep their defaults, so old tuning entries stay readable.
void from_json(const nlohmann::json &j, Schedule &s);

std::string scheduleToJson(const Schedule &s);
/// Throws nlohmann::json::exception on malformed text.
Schedule scheduleFromJson(const std::string &text);

/// The hand-written default schedule of the spec's family for a CPU with
/// vectorLanes fp32 lanes per register (16 on AVX-512).
Schedule defaultSchedule(const KernelSpec &spec, int vectorLanes = 16);

} // namespace kiln::codegen
