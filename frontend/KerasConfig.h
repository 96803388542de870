//===- KerasConfig.h - A model as Keras 3's config.json ---------*- C++ -*-===//
//
// Serializes a ModelSpec (and the model built from it, for its input
// shapes) the way Keras 3 writes config.json in a .keras file, so that kiln
// can write .keras files for models it read from Python or Keras 2 JSON.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_KERASCONFIG_H
#define KILN_FRONTEND_KERASCONFIG_H

#include "frontend/ModelBuilder.h"
#include "frontend/ModelSpec.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace kiln::frontend {

/// The config.json text; nullopt with `why` set when a layer cannot be
/// expressed (it then was not built either).
std::optional<std::string> kerasConfigJson(const ModelSpec &spec,
                                           const BuiltModel &built,
                                           std::string &why);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_KERASCONFIG_H
