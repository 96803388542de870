//===- PassDetail.h - Generated pass base classes ---------------*- C++ -*-===//
//
// The tablegen'd base classes of kiln's passes; included only by passes.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_PASSDETAIL_H
#define KILN_PASSES_PASSDETAIL_H

#include "ir/NNDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln {
#define GEN_PASS_CLASSES
#include "passes/Passes.h.inc"
} // namespace kiln

#endif // KILN_PASSES_PASSDETAIL_H
