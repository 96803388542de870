//===- Schedule.cpp - Schedule JSON form and per-family defaults ----------===//
//
// JSON (de)serialisation of Schedule and the default schedule of each family.
// The reasoning and measured figures behind each default sit beside the code
// that applies it, in kernels/<Family>.cpp.
//
//===----------------------------------------------------------------------===//
#include "codegen/Schedule.h"

#include <algorithm>

namespace kiln::codegen {

bool Schedule::operator==(const Schedule &o) const {
  nlohmann::json a = *this, b = o;
  return a == b;
}

void to_json(nlohmann::json &j, const Schedule &s) {
  j = nlohmann::json{{"vector_width", s.vectorWidth},
                     {"tile_channels", s.tileChannels},
                     {"tile_x", s.tileX},
                     {"tile_y", s.tileY},
                     {"parallel", s.parallel},
                     {"unroll_reduction", s.unrollReduction},
                     {"compute_at", s.computeAt},
                     {"store_at", s.storeAt},
                     {"rfactor", s.rfactor},
                     {"rfactor_chunk", s.rfactorChunk}};
  if (!s.autoscheduler.empty()) {
    j["autoscheduler"] = s.autoscheduler;
    j["params"] = s.autoschedulerParams;
  }
  if (s.gpuThreads)
    j["gpu_threads"] = s.gpuThreads;
  if (s.gpuTileX)
    j["gpu_tile_x"] = s.gpuTileX;
  if (!s.gpuComputeAt.empty())
    j["gpu_compute_at"] = s.gpuComputeAt;
  if (s.gpuRegisterTile)
    j["gpu_register_tile"] = s.gpuRegisterTile;
  if (!s.gpuShared.empty())
    j["gpu_shared"] = s.gpuShared;
}

void from_json(const nlohmann::json &j, Schedule &s) {
  auto get = [&](const char *key, auto &field) {
    if (j.contains(key))
      j.at(key).get_to(field);
  };
  get("vector_width", s.vectorWidth);
  get("tile_channels", s.tileChannels);
  get("tile_x", s.tileX);
  get("tile_y", s.tileY);
  get("parallel", s.parallel);
  get("unroll_reduction", s.unrollReduction);
  get("compute_at", s.computeAt);
  get("store_at", s.storeAt);
  get("rfactor", s.rfactor);
  get("rfactor_chunk", s.rfactorChunk);
  get("autoscheduler", s.autoscheduler);
  get("params", s.autoschedulerParams);
  get("gpu_threads", s.gpuThreads);
  get("gpu_tile_x", s.gpuTileX);
  get("gpu_compute_at", s.gpuComputeAt);
  get("gpu_register_tile", s.gpuRegisterTile);
  get("gpu_shared", s.gpuShared);
}

std::string scheduleToJson(const Schedule &s) {
  return nlohmann::json(s).dump();
}

Schedule scheduleFromJson(const std::string &text) {
  return nlohmann::json::parse(text).get<Schedule>();
}

/// Register-tile width along an axis of `extent` for `vectors` vectors per
/// column: at most kAccumulators accumulators (of 32 zmm registers, leaving
/// room for the weight vectors and a broadcast), at least half that budget,
/// choosing the width that computes the fewest redundant columns (ShiftInwards
/// recomputes the overlap of the last tile); ties go to the wider tile.
static int pickTileX(int extent, int vectors) {
  const int kAccumulators = 24;
  int maxTile = std::max(1, kAccumulators / std::max(1, vectors));
  int best = std::min(maxTile, extent), bestCost = 1 << 30;
  for (int t = std::min(maxTile, extent); t >= std::max(1, maxTile / 2); --t) {
    int cost = (extent + t - 1) / t * t;
    if (cost < bestCost)
      best = t, bestCost = cost;
  }
  return best;
}

static int vectorsPerTile(int channels, int lanes, int want) {
  return std::max(1, std::min(want, channels / lanes));
}

Schedule defaultSchedule(const KernelSpec &spec, int lanes) {
  Schedule s;
  s.vectorWidth = lanes;
  switch (spec.family) {
  case KernelFamily::Conv2D:
    // Up to 4 vectors of output channels x pickTileX output columns, as in
    // Halide's apps/conv_layer for AVX-512 (4x5 there). Measured (batch
    // 128, Conv2D.cpp): conv2 (OW 11) 4x6 tile 105 GFLOP/s vs 4x5 84
    // (5 wastes 4 of 15 columns); conv1 (OW 26, 2 vectors) 2x9 99 vs 2x8 86.
    s.tileChannels = 4;
    s.tileX = pickTileX(spec.outW().out,
                        vectorsPerTile(spec.conv.filters, lanes, 4));
    s.unrollReduction = spec.channels % 2 == 0 ? 2 : 1;
    break;
  case KernelFamily::Conv2DBackpropInput:
    s.tileChannels = 4;
    s.tileX = pickTileX(spec.width, vectorsPerTile(spec.channels, lanes, 4));
    s.unrollReduction = spec.conv.filters % 2 == 0 ? 2 : 1;
    break;
  case KernelFamily::Conv2DBackpropFilter:
    s.tileChannels = 4;
    s.tileX = 4; // input channels per tile
    s.tileY = 1;
    if (spec.channels < 4)
      s.tileY = spec.conv.kernelW; // cin small: tile over kernel x instead
    s.rfactor = true;
    s.rfactorChunk = 16;
    break;
  case KernelFamily::Conv2DBackpropBias:
    s.tileChannels = 4;
    s.rfactor = true;
    s.rfactorChunk = 16;
    break;
  case KernelFamily::MaxPool2D:
  case KernelFamily::AvgPool2D:
  case KernelFamily::MaxPool2DGrad:
    s.tileChannels = 4;
    s.tileX = 1;
    break;
  case KernelFamily::Dense:
    s.tileChannels = 1;
    s.tileX = 8; // batch rows per tile
    break;
  case KernelFamily::Elementwise:
  case KernelFamily::Concatenate:
  case KernelFamily::ZeroPadding2D:
    s.tileChannels = 1; // memory-bound: one vector per step
    break;
  case KernelFamily::Reduce:
  case KernelFamily::BatchNormStats:
    s.tileChannels = 1;
    s.rfactor = true; // batch sums in fixed chunks (deterministic)
    s.rfactorChunk = 16;
    break;
  case KernelFamily::MatMul:
    s.tileChannels = 2; // vectors of output columns per tile
    s.tileX = 4;        // output rows per tile
    s.rfactor = true;   // reduction over the batch: fixed chunks
    s.rfactorChunk = 16;
    break;
  }
  return s;
}

} // namespace kiln::codegen
