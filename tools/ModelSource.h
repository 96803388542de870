//===- ModelSource.h - The generated source of a compiled model -*- C++ -*-===//
//
// `kiln compile` writes one C++ source that defines kiln_embedded_model
// (runtime/exe/Embedded.h): the plans as JSON string literals, the weights
// manifest, the summary, the defaults and the table {symbol -> <symbol>_argv}
// of the AOT kernels linked beside it; for an executable also main(), which
// hands everything to the runtime's kiln_exe_main.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_MODELSOURCE_H
#define KILN_TOOLS_MODELSOURCE_H

#include "runtime/exec/Plan.h"

#include <string>
#include <vector>

namespace kiln {

struct ModelSourceInput {
  const runtime::Plan *train = nullptr, *eval = nullptr, *forward = nullptr;
  std::string manifest;  ///< JSON
  std::string summary;
  std::string defaults;  ///< JSON
  std::vector<std::string> symbols;  ///< kernel symbols (without _argv)
  std::string weights;  ///< a safetensors image to embed, or empty
  bool withMain = true;
};

/// The source text.
std::string generateModelSource(const ModelSourceInput &in);

/// `text` as a C string literal (escaped, split into lines of adjacent
/// literals).
std::string cStringLiteral(const std::string &text);

} // namespace kiln

#endif // KILN_TOOLS_MODELSOURCE_H
