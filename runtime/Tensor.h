//===- Tensor.h - An owning host tensor -------------------------*- C++ -*-===//
//
// The runtime's plain host tensor: a dtype, a shape of int64 dimensions and a
// contiguous C-order (row-major) buffer that it owns, aligned to 64 bytes so
// that Halide kernels and vector loads can use it directly. It is what the
// file readers (safetensors, .npy, IDX) return and what initializers fill.
// Element counts and byte sizes are computed with overflow checks, so a shape
// read from a hostile file can never wrap around into a small allocation.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_TENSOR_H
#define KILN_RUNTIME_TENSOR_H

#include "runtime/Status.h"

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace kiln::runtime {

/// Element types. All are stored little-endian (the host order on every
/// target kiln supports). BF16 and F16 are stored as raw 16-bit patterns.
enum class DType : uint8_t { F32, F64, F16, BF16, U8, I8, I32, I64 };

/// Bytes per element of `dtype`.
size_t dtypeSize(DType dtype);

/// The dtype's lowercase name ("float32", "uint8", "bfloat16", ...).
const char *dtypeName(DType dtype);

/// Alignment, in bytes, of every Tensor's storage.
inline constexpr size_t kTensorAlignment = 64;

/// A tensor shape: one int64 per dimension, outermost first.
using Shape = std::vector<int64_t>;

/// "[2, 3]" for a shape, for messages.
std::string shapeToString(const Shape &shape);

/// The number of elements of `shape`, or an error if a dimension is negative
/// or the product overflows int64.
Expected<int64_t> checkedNumElements(const Shape &shape);

/// The byte size of `shape` of `dtype`, or an error as for
/// checkedNumElements, or if the byte size overflows.
Expected<uint64_t> checkedByteSize(DType dtype, const Shape &shape);

/// The C type held by a dtype, for Tensor::data<T>().
template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::F32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::F64; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::U8; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::I8; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::I32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::I64; };

/// An owning, contiguous, C-order host tensor with 64-byte-aligned storage.
/// Move-only; use clone() for a deep copy. A default-constructed Tensor is
/// empty: F32 with shape [0].
class Tensor {
public:
  Tensor();

  /// A zero-filled tensor, or an error if the shape is invalid or memory
  /// cannot be had.
  static Expected<Tensor> create(DType dtype, Shape shape);

  Tensor(Tensor &&) noexcept = default;
  Tensor &operator=(Tensor &&) noexcept = default;
  Tensor(const Tensor &) = delete;
  Tensor &operator=(const Tensor &) = delete;

  /// A deep copy (an error only if memory cannot be had).
  Expected<Tensor> clone() const;

  DType dtype() const { return Type; }
  const Shape &shape() const { return Dims; }
  int64_t rank() const { return static_cast<int64_t>(Dims.size()); }
  int64_t dim(int64_t i) const { return Dims.at(static_cast<size_t>(i)); }
  int64_t numElements() const { return NumElements; }
  size_t byteSize() const { return static_cast<size_t>(NumElements) * dtypeSize(Type); }

  /// The raw bytes (never null, even for an empty tensor).
  uint8_t *bytes() { return Storage.get(); }
  const uint8_t *bytes() const { return Storage.get(); }

  /// The elements as T; T must be the C type of dtype().
  template <typename T> T *data() {
    assert(DTypeOf<T>::value == Type && "Tensor::data<T>() with the wrong T");
    return reinterpret_cast<T *>(Storage.get());
  }
  template <typename T> const T *data() const {
    assert(DTypeOf<T>::value == Type && "Tensor::data<T>() with the wrong T");
    return reinterpret_cast<const T *>(Storage.get());
  }

  /// Changes the shape without touching the data; an error unless the new
  /// shape has the same number of elements.
  Status reshape(Shape newShape);

  /// True when dtype, shape and bytes are all equal.
  bool identical(const Tensor &other) const;

  /// A short description for messages: "float32[2, 3]".
  std::string describe() const;

private:
  struct FreeAligned {
    void operator()(uint8_t *p) const { std::free(p); }
  };
  DType Type = DType::F32;
  Shape Dims;
  int64_t NumElements = 0;
  std::unique_ptr<uint8_t, FreeAligned> Storage;
};

/// `source` converted to `dtype`. Integer targets reject values out of their
/// range (and non-integral or non-finite floats) with a message naming the
/// first bad element; float targets round to nearest. BF16 and F16 take part
/// only as the same-dtype copy.
Expected<Tensor> convertTensor(const Tensor &source, DType dtype);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_TENSOR_H
