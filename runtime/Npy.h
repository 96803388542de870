//===- Npy.h - Reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// NumPy's .npy format: the magic "\x93NUMPY", a version byte pair (1.0, 2.0
// or 3.0), a little-endian header length (2 bytes for 1.0, 4 for 2.0/3.0),
// a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }
// padded with spaces and a newline so that the data starts on a 64-byte
// boundary, then the raw elements in C order. kiln reads the little-endian
// dtypes <f4 <f8 <f2 |u1 |i1 <i4 <i8 (keeping the file's dtype; use
// convertTensor for labels stored as int64 or images stored as float64) and
// writes those it reads. Fortran order, big-endian data and structured dtypes
// are rejected with a clear message, as is every malformed or hostile header.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_NPY_H
#define KILN_RUNTIME_NPY_H

#include "runtime/ByteIO.h"
#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln::runtime {

/// The largest header the reader accepts, in bytes.
inline constexpr uint64_t kMaxNpyHeader = 1u << 20;

/// The .npy descr of a dtype ("<f4", "|u1", ...), or null for BF16.
const char *npyDescr(DType dtype);

/// Reads the .npy file at `path`.
Expected<Tensor> readNpy(const std::string &path);

/// Reads a .npy file from `source`; messages name source.name().
Expected<Tensor> readNpy(const ByteSource &source);

/// The .npy bytes of `tensor`: version 1.0 unless the header needs 2.0,
/// laid out as NumPy's own writer lays it out.
Expected<std::vector<uint8_t>> serializeNpy(const Tensor &tensor);

/// Writes `tensor` to `path` atomically.
Status writeNpy(const std::string &path, const Tensor &tensor);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_NPY_H
