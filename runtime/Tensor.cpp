//===- Tensor.cpp - An owning host tensor ---------------------------------===//
//
// Dtype tables, overflow-checked shape arithmetic, aligned allocation and
// dtype conversion for Tensor. Conversion goes through one wide type per kind
// (int64 for integers, double for floats) so that every pair of dtypes shares
// one range check.
//
//===----------------------------------------------------------------------===//
#include "runtime/Tensor.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <new>

namespace kiln::runtime {

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::U8:
  case DType::I8:
    return 1;
  }
  return 1;
}

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "float32";
  case DType::F64:
    return "float64";
  case DType::F16:
    return "float16";
  case DType::BF16:
    return "bfloat16";
  case DType::U8:
    return "uint8";
  case DType::I8:
    return "int8";
  case DType::I32:
    return "int32";
  case DType::I64:
    return "int64";
  }
  return "unknown";
}

std::string shapeToString(const Shape &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Expected<int64_t> checkedNumElements(const Shape &shape) {
  // A zero dimension makes the product zero however large the others are.
  for (int64_t d : shape) {
    if (d < 0)
      return makeError("shape ", shapeToString(shape), " has a negative dimension");
    if (d == 0)
      return int64_t(0);
  }
  int64_t n = 1;
  for (int64_t d : shape) {
    if (n > std::numeric_limits<int64_t>::max() / d)
      return makeError("shape ", shapeToString(shape),
                       " has too many elements (the product overflows int64)");
    n *= d;
  }
  return n;
}

Expected<uint64_t> checkedByteSize(DType dtype, const Shape &shape) {
  Expected<int64_t> n = checkedNumElements(shape);
  if (!n)
    return n.status();
  uint64_t size = dtypeSize(dtype);
  uint64_t count = static_cast<uint64_t>(*n);
  // Keep byte sizes within int64 and size_t so that every later offset
  // computation is safe.
  uint64_t limit = std::min<uint64_t>(std::numeric_limits<int64_t>::max(),
                                      std::numeric_limits<size_t>::max());
  if (count > limit / size)
    return makeError("shape ", shapeToString(shape), " of ", dtypeName(dtype),
                     " is too large (its byte size overflows)");
  return count * size;
}

Tensor::Tensor() : Dims{0} {}

Expected<Tensor> Tensor::create(DType dtype, Shape shape) {
  Expected<uint64_t> bytes = checkedByteSize(dtype, shape);
  if (!bytes)
    return bytes.status();
  // aligned_alloc wants a multiple of the alignment; allocate at least one
  // block so that bytes() is never null.
  uint64_t rounded = (*bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  if (rounded < *bytes)
    return makeError("cannot allocate ", *bytes, " bytes for a tensor");
  if (rounded == 0)
    rounded = kTensorAlignment;
  void *p = std::aligned_alloc(kTensorAlignment, static_cast<size_t>(rounded));
  if (!p)
    return makeError("cannot allocate ", *bytes, " bytes for a ", dtypeName(dtype),
                     shapeToString(shape), " tensor");
  std::memset(p, 0, static_cast<size_t>(rounded));
  Tensor t;
  t.Type = dtype;
  t.NumElements = static_cast<int64_t>(*bytes / dtypeSize(dtype));
  t.Dims = std::move(shape);
  t.Storage.reset(static_cast<uint8_t *>(p));
  return t;
}

Expected<Tensor> Tensor::clone() const {
  Expected<Tensor> copy = create(Type, Dims);
  if (!copy)
    return copy;
  if (byteSize())
    std::memcpy(copy->bytes(), bytes(), byteSize());
  return copy;
}

Status Tensor::reshape(Shape newShape) {
  Expected<int64_t> n = checkedNumElements(newShape);
  if (!n)
    return n.status();
  if (*n != NumElements)
    return makeError("cannot reshape ", describe(), " to ", shapeToString(newShape),
                     ": element counts differ");
  Dims = std::move(newShape);
  return Status::success();
}

bool Tensor::identical(const Tensor &other) const {
  if (Type != other.Type || Dims != other.Dims)
    return false;
  return byteSize() == 0 || std::memcmp(bytes(), other.bytes(), byteSize()) == 0;
}

std::string Tensor::describe() const {
  return std::string(dtypeName(Type)) + shapeToString(Dims);
}

namespace {

bool isInteger(DType t) {
  return t == DType::U8 || t == DType::I8 || t == DType::I32 || t == DType::I64;
}

int64_t loadInt(const uint8_t *p, DType t) {
  switch (t) {
  case DType::U8:
    return *p;
  case DType::I8:
    return static_cast<int8_t>(*p);
  case DType::I32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  default: {
    int64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  }
}

double loadFloat(const uint8_t *p, DType t) {
  if (t == DType::F32) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  double v;
  std::memcpy(&v, p, 8);
  return v;
}

void storeInt(uint8_t *p, DType t, int64_t v) {
  switch (t) {
  case DType::U8:
    *p = static_cast<uint8_t>(v);
    return;
  case DType::I8:
    *p = static_cast<uint8_t>(static_cast<int8_t>(v));
    return;
  case DType::I32: {
    int32_t w = static_cast<int32_t>(v);
    std::memcpy(p, &w, 4);
    return;
  }
  default:
    std::memcpy(p, &v, 8);
    return;
  }
}

void storeFloat(uint8_t *p, DType t, double v) {
  if (t == DType::F32) {
    float w = static_cast<float>(v);
    std::memcpy(p, &w, 4);
  } else {
    std::memcpy(p, &v, 8);
  }
}

void intRange(DType t, int64_t &lo, int64_t &hi) {
  switch (t) {
  case DType::U8:
    lo = 0, hi = 255;
    return;
  case DType::I8:
    lo = -128, hi = 127;
    return;
  case DType::I32:
    lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
    return;
  default:
    lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
    return;
  }
}

} // namespace

Expected<Tensor> convertTensor(const Tensor &source, DType dtype) {
  if (source.dtype() == dtype)
    return source.clone();
  auto isHalf = [](DType t) { return t == DType::F16 || t == DType::BF16; };
  if (isHalf(source.dtype()) || isHalf(dtype))
    return makeError("cannot convert ", source.describe(), " to ", dtypeName(dtype),
                     ": 16-bit float conversion is not supported");
  Expected<Tensor> result = Tensor::create(dtype, source.shape());
  if (!result)
    return result;
  const uint8_t *in = source.bytes();
  uint8_t *out = result->bytes();
  size_t inSize = dtypeSize(source.dtype()), outSize = dtypeSize(dtype);
  bool fromInt = isInteger(source.dtype()), toInt = isInteger(dtype);
  int64_t lo = 0, hi = 0;
  if (toInt)
    intRange(dtype, lo, hi);
  for (int64_t i = 0, n = source.numElements(); i < n; ++i, in += inSize, out += outSize) {
    if (fromInt) {
      int64_t v = loadInt(in, source.dtype());
      if (!toInt) {
        storeFloat(out, dtype, static_cast<double>(v));
      } else if (v < lo || v > hi) {
        return makeError("cannot convert ", source.describe(), " to ", dtypeName(dtype),
                         ": element ", i, " is ", v, ", out of range");
      } else {
        storeInt(out, dtype, v);
      }
      continue;
    }
    double v = loadFloat(in, source.dtype());
    if (!toInt) {
      storeFloat(out, dtype, v);
      continue;
    }
    // 2^63 is exactly representable; anything at or beyond it is out of
    // int64's range.
    if (!std::isfinite(v) || v != std::floor(v) || v < static_cast<double>(lo) ||
        v >= 9223372036854775808.0 || static_cast<int64_t>(v) > hi)
      return makeError("cannot convert ", source.describe(), " to ", dtypeName(dtype),
                       ": element ", i, " is ", v, ", not an integer in range");
    storeInt(out, dtype, static_cast<int64_t>(v));
  }
  return result;
}

} // namespace kiln::runtime
