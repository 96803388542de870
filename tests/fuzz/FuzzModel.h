//===- FuzzModel.h - The model the checkpoint seeds are written for -*- C++ -*-===//
//
// A small Dense model's weights with Adam's state, as nn-build-train-step
// names them, and the run settings a resume compares; shared by the
// checkpoint fuzz target and the seed writer.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TESTS_FUZZ_FUZZMODEL_H
#define KILN_TESTS_FUZZ_FUZZMODEL_H

#include "runtime/exec/Checkpoint.h"

#include <map>
#include <string>

namespace kiln::fuzz {

inline std::map<std::string, runtime::Shape> checkpointShapes() {
  return {{"dense/kernel", {4, 3}},        {"dense/bias", {3}},
          {"adam/iterations", {}},         {"adam/m/dense/kernel", {4, 3}},
          {"adam/v/dense/kernel", {4, 3}}, {"adam/m/dense/bias", {3}},
          {"adam/v/dense/bias", {3}}};
}

inline runtime::RunSettings runSettings() {
  return {{"seed", "1"},  {"dropout_seed", "2"},          {"batch_size", "128"},
          {"data", "mnist"}, {"limit", "0"}, {"validation_split", "0.10000000000000001"},
          {"shuffle", "true"}};
}

} // namespace kiln::fuzz

#endif // KILN_TESTS_FUZZ_FUZZMODEL_H
