//===- KValueAttr.h - Keras values as MLIR attributes -----------*- C++ -*-===//
//
// Converts the frontend's KValues into MLIR attributes, so that what a Keras
// script says (compile/fit settings, initializer configs) is kept in the IR
// for the trainer: ints become i64, floats f64, strings strings, lists and
// tuples arrays, dicts dictionaries and None a unit attribute.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_KVALUEATTR_H
#define KILN_FRONTEND_KVALUEATTR_H

#include "frontend/ModelSpec.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace kiln::frontend {

mlir::Attribute toAttr(mlir::Builder &b, const KValue &v);
mlir::DictionaryAttr
toDictAttr(mlir::Builder &b,
           const std::vector<std::pair<std::string, KValue>> &fields);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_KVALUEATTR_H
