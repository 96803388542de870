//===- SeedWriter.cpp - Seed inputs for the binary-format fuzz targets ----===//
//
//   kiln_fuzz_seeds DIR
// writes small valid files into DIR/fuzz_safetensors, DIR/fuzz_npy,
// DIR/fuzz_idx and DIR/fuzz_checkpoint with kiln's own writers (the text
// formats take their seeds from the test inputs; scripts/fuzz copies those).
// Every dtype and a few shapes each (scalar, empty, rank 3), so that
// libFuzzer starts from files that read and mutates from there.
//
//===----------------------------------------------------------------------===//
#include "FuzzModel.h"
#include "runtime/Idx.h"
#include "runtime/Npy.h"
#include "runtime/Safetensors.h"
#include "runtime/exec/Checkpoint.h"
#include "runtime/train/History.h"

#include <cstdio>
#include <filesystem>

using namespace kiln::runtime;
namespace fs = std::filesystem;

namespace {

std::string outDir;

void check(const Status &s) {
  if (!s.ok()) {
    std::fprintf(stderr, "kiln_fuzz_seeds: %s\n", s.message().c_str());
    std::exit(1);
  }
}

/// A tensor of `dtype` and `shape` whose bytes count up from `start`.
Tensor filled(DType dtype, Shape shape, uint8_t start = 1) {
  Expected<Tensor> t = Tensor::create(dtype, std::move(shape));
  check(t.status());
  for (size_t i = 0; i < t->byteSize(); ++i)
    t->bytes()[i] = uint8_t(start + i * 7);
  // Keep floats finite and small: a bit pattern of counting bytes can be a
  // NaN, which the formats carry but which makes dull seeds.
  if (t->dtype() == DType::F32)
    for (int64_t i = 0; i < t->numElements(); ++i)
      t->data<float>()[i] = float(i) * 0.25f - 1.0f;
  return std::move(*t);
}

std::string path(const char *target, const std::string &name) {
  fs::create_directories(outDir + "/" + target);
  return outDir + "/" + target + "/" + name;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: kiln_fuzz_seeds DIR\n");
    return 2;
  }
  outDir = argv[1];
  const DType all[] = {DType::F32, DType::F64, DType::F16, DType::BF16,
                       DType::U8,  DType::I8,  DType::I32, DType::I64};
  const Shape shapes[] = {{}, {0}, {3}, {2, 3, 2}};

  // safetensors: one tensor per dtype, a mixed file with metadata, an empty one.
  SafetensorsData mixed;
  for (DType d : all) {
    SafetensorsData one;
    one.tensors.emplace("t", filled(d, {2, 3}));
    check(writeSafetensors(path("fuzz_safetensors", std::string("dtype_") +
                                                         safetensorsDTypeName(d)),
                           one));
    mixed.tensors.emplace(std::string("layer/") + safetensorsDTypeName(d),
                          filled(d, {2}));
  }
  mixed.tensors.emplace("scalar", filled(DType::F32, {}));
  mixed.tensors.emplace("empty", filled(DType::F32, {0, 4}));
  mixed.metadata["format"] = "pt";
  mixed.metadata["note"] = "seed";
  check(writeSafetensors(path("fuzz_safetensors", "mixed"), mixed));
  check(writeSafetensors(path("fuzz_safetensors", "empty"), SafetensorsData{}));

  // .npy: every dtype it writes, in every shape.
  int n = 0;
  for (DType d : all) {
    if (!npyDescr(d))
      continue;
    for (const Shape &s : shapes)
      check(writeNpy(path("fuzz_npy", "t" + std::to_string(n++) + ".npy"), filled(d, s)));
  }

  // IDX: its five dtypes, plain and gzip, rank 1 and 3.
  n = 0;
  for (DType d : {DType::U8, DType::I8, DType::I32, DType::F32, DType::F64})
    for (bool gzip : {false, true})
      for (const Shape &s : {Shape{5}, Shape{2, 3, 2}})
        check(writeIdx(path("fuzz_idx", "t" + std::to_string(n++) + (gzip ? ".gz" : "")),
                       filled(d, s), gzip));

  // Checkpoints of FuzzModel.h's model, with and without history.
  std::map<std::string, Tensor> weights;
  for (const auto &[name, shape] : kiln::fuzz::checkpointShapes())
    weights.emplace(name, filled(DType::F32, shape));
  TrainingState state;
  state.epochsDone = 2;
  state.stepsDone = 844;
  state.settings = kiln::fuzz::runSettings();
  state.model = "sequential";
  History h;
  for (int e = 1; e <= 2; ++e) {
    EpochRecord r;
    r.epoch = e;
    r.loss = 1.0 / e;
    r.accuracy = 0.5 + 0.2 * e;
    r.valLoss = 1.1 / e;
    r.valAccuracy = 0.45 + 0.2 * e;
    r.seconds = 3.5;
    r.msPerStep = 8.25;
    r.steps = 422;
    h.epochs.push_back(r);
  }
  h.test = EvalResult{0.05, 0.99, 10000};
  state.historyJson = h.toJson();
  check(writeCheckpoint(path("fuzz_checkpoint", "with_history"), weights, state));
  state.historyJson.clear();
  state.epochsDone = 0;
  check(writeCheckpoint(path("fuzz_checkpoint", "no_history"), weights, state));
  return 0;
}
