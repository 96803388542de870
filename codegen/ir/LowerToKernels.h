//===- LowerToKernels.h - nn IR -> kernel calls and a Plan ------*- C++ -*-===//
//
// Turns a shape-inferred nn function into what the runtime executes: a Plan
// (tensors and kernel calls in order) and the KernelSpec of every distinct
// kernel it calls. Elementwise epilogues join their producer (conv2d + relu,
// dense + softmax) when the producer has no other user; flatten and
// inference-time dropout become views. An op that has no kernel yet is an
// error at the op.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_IR_LOWERTOKERNELS_H
#define KILN_CODEGEN_IR_LOWERTOKERNELS_H

#include "codegen/KernelSpec.h"
#include "runtime/exec/Plan.h"

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <optional>
#include <string>

namespace kiln {

/// A function lowered to kernels.
struct KernelProgram {
  runtime::Plan plan;
  /// Every kernel the plan calls, by symbol.
  std::map<std::string, codegen::KernelSpec> kernels;
};

/// Lowers `func` (inference semantics: dropout is the identity). Emits an
/// error at the first op it cannot lower and returns nullopt.
std::optional<KernelProgram> lowerToKernels(mlir::FuncOp func);

} // namespace kiln

#endif // KILN_CODEGEN_IR_LOWERTOKERNELS_H
