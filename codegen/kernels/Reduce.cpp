//===- Reduce.cpp - (in progress) ---------------------------------------------===//
#include "codegen/kernels/Kernels.h"

using namespace Halide;

namespace kiln::codegen::kernels {

KernelPipeline buildReduce(const KernelSpec &s, const Schedule &) {
  throw CompileError(s.name + ": family not implemented yet");
}

} // namespace kiln::codegen::kernels
