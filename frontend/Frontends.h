//===- Frontends.h - Keras Python and Keras JSON readers --------*- C++ -*-===//
//
// The two Keras readers. Each takes one buffer of an llvm::SourceMgr and
// returns the model it describes, or reports the first error (file:line:col,
// a short excerpt of the source line and a caret, via printSourceMessage
// of frontend/Diagnostics.h on `errs`) and
// returns std::nullopt. Neither crashes, aborts or hangs on any input.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_FRONTENDS_H
#define KILN_FRONTEND_FRONTENDS_H

#include "frontend/ModelSpec.h"

#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln::frontend {

/// Options of the Python reader.
struct PythonOptions {
  /// The model to read, by its Keras name; empty: the model the script fits
  /// (fit() called last), else the last one built.
  std::string model;
};

/// Reads the model-building code of a Keras Python script (see
/// docs/FRONTEND_PYTHON.md).
std::optional<ModelSpec> parsePythonModel(llvm::SourceMgr &sm,
                                          unsigned bufferId,
                                          llvm::raw_ostream &errs,
                                          const PythonOptions &options = {});

/// Reads what Keras's model.to_json() writes, Keras 2 or Keras 3 layout.
std::optional<ModelSpec> parseKerasJson(llvm::SourceMgr &sm, unsigned bufferId,
                                        llvm::raw_ostream &errs);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_FRONTENDS_H
