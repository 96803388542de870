//===- LowerToKernels.h - nn IR -> kernel calls and a Plan ------*- C++ -*-===//
//
// Turns a shape-inferred nn function into what the runtime executes: a Plan
// (tensors and kernel calls in order) and the KernelSpec of every distinct
// kernel it calls. Flatten and
// inference-time dropout become views. Fusion is decided before, in the IR:
// an nn.fused group (nn-fuse-kernels) becomes one fused kernel. An op that
// has no kernel yet is an error at the op.
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

/// Lowers `func`. Unless `fuse` is false, first runs the kernel pipeline
/// (nn-fuse-kernels) on it, in place, so that fused groups become single
/// kernels. Emits an error at the first op it cannot lower and returns
/// nullopt.
std::optional<KernelProgram> lowerToKernels(mlir::FuncOp func,
                                            bool fuse = true);

} // namespace kiln

#endif // KILN_CODEGEN_IR_LOWERTOKERNELS_H
