//===- Elementwise.cpp - Reference elementwise programs and activations ---===//
//
// Evaluates an Elementwise program point by point in double: the flat
// row-major index is decomposed into the output's coordinates, Full inputs
// are read at that index, LastAxis vectors at the last coordinate, Scalars
// at 0. Activations come from the scalar columns of codegen/Activations.def;
// the dropout mask from codegen::dropoutHash (its definition).
//
//===----------------------------------------------------------------------===//
#include "tests/reference/Reference.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace kiln::reference {

using codegen::Broadcast;
using codegen::EwOp;
using codegen::UnaryFn;

double unaryFn(UnaryFn fn, double x, double alpha) {
  (void)alpha;
  switch (fn) {
#define KILN_ACTIVATION(Name, mnemonic, halide, ref, dhalide, dref)            \
  case UnaryFn::Name:                                                          \
    return ref;
#include "codegen/Activations.def"
#undef KILN_ACTIVATION
  }
  return NAN;
}

double unaryFnGrad(UnaryFn fn, double x, double y, double alpha) {
  (void)alpha;
  (void)y;
  switch (fn) {
#define KILN_ACTIVATION(Name, mnemonic, halide, ref, dhalide, dref)            \
  case UnaryFn::Name:                                                          \
    return dref;
#include "codegen/Activations.def"
#undef KILN_ACTIVATION
  }
  return NAN;
}

std::vector<Tensor> elementwise(const KernelSpec &s, int n,
                                const std::vector<Tensor> &inputs) {
  const codegen::ElementwiseProgram &p = s.ew;
  size_t total = 1;
  for (int d : s.shape)
    total *= d < 0 ? n : d;
  int last = s.shape.empty() ? 1 : s.shape.back();
  std::vector<Tensor> outs(p.outputs.size(), Tensor(total));
  std::vector<double> v(p.nodes.size());
  for (size_t i = 0; i < total; ++i) {
    for (size_t k = 0; k < p.nodes.size(); ++k) {
      const codegen::EwNode &e = p.nodes[k];
      auto A = [&] { return v[e.a]; };
      auto B = [&] { return v[e.b]; };
      switch (e.op) {
      case EwOp::Input: {
        const Tensor &t = inputs[e.a];
        Broadcast b = p.inputs[e.a].broadcast;
        v[k] = b == Broadcast::Full       ? t[i]
               : b == Broadcast::LastAxis ? t[i % last]
                                          : t[0];
        break;
      }
      case EwOp::Const: v[k] = e.value; break;
      case EwOp::Add: v[k] = A() + B(); break;
      case EwOp::Sub: v[k] = A() - B(); break;
      case EwOp::Mul: v[k] = A() * B(); break;
      case EwOp::Div: v[k] = A() / B(); break;
      case EwOp::Max: v[k] = std::max(A(), B()); break;
      case EwOp::Min: v[k] = std::min(A(), B()); break;
      case EwOp::Abs: v[k] = std::fabs(A()); break;
      case EwOp::Rsqrt: v[k] = 1.0 / std::sqrt(A()); break;
      case EwOp::SelectGt: v[k] = A() > B() ? v[e.c] : v[e.d]; break;
      case EwOp::Unary: v[k] = unaryFn(e.fn, A(), e.value); break;
      case EwOp::UnaryGrad: {
        double y = e.b >= 0 ? B() : unaryFn(e.fn, A(), e.value);
        v[k] = unaryFnGrad(e.fn, A(), y, e.value);
        break;
      }
      case EwOp::DropoutKeep: {
        uint32_t seed = uint32_t(int32_t(A())), step = uint32_t(int32_t(B()));
        uint32_t h = codegen::dropoutHash(seed, step, uint32_t(i));
        v[k] = h >= codegen::dropoutThreshold(e.value) ? 1.0 : 0.0;
        break;
      }
      }
    }
    for (size_t o = 0; o < p.outputs.size(); ++o)
      outs[o][i] = float(v[p.outputs[o].node]);
  }
  return outs;
}

} // namespace kiln::reference
