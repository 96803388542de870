//===- Weights.h - A model's weights: create, load, check -------*- C++ -*-===//
//
// The weights of a model are its nn.weight ops. This file creates them with
// their Keras initializers (seeded, so `kiln init --seed S` is
// reproducible), and loads a safetensors file checking it against the model:
// every weight present with its shape, nothing unknown; the first mismatch
// is named.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_WEIGHTS_H
#define KILN_TOOLS_WEIGHTS_H

#include "runtime/Safetensors.h"

#include "mlir/IR/BuiltinOps.h"

#include <nlohmann/json.hpp>

namespace kiln {

/// An MLIR attribute as JSON (initializer configs): bools, integers,
/// floats, strings, arrays and dictionaries; anything else is null.
nlohmann::json attributeToJson(mlir::Attribute a);

/// Initial values of every weight of `module`, named as Keras names them.
runtime::Expected<runtime::SafetensorsData> initialWeights(mlir::ModuleOp module,
                                                           uint64_t seed);

/// Reads `path` and checks it holds exactly the weights of `module`.
runtime::Expected<runtime::SafetensorsData> loadWeights(mlir::ModuleOp module,
                                                        const std::string &path);

} // namespace kiln

#endif // KILN_TOOLS_WEIGHTS_H
