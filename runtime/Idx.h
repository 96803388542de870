//===- Idx.h - Reading and writing IDX files (MNIST's format) ---*- C++ -*-===//
//
// The IDX format of MNIST and Fashion-MNIST: a 4-byte magic 0x00 0x00 TT NN
// (TT the element type, NN the number of dimensions), NN big-endian uint32
// dimensions, then the elements in C order, big-endian. Files may be gzip
// compressed (recognised by content, not by name). The reader checks the
// magic, the type byte, the dimension count and that the (decompressed) size
// matches the dimensions exactly; integer and float elements are converted to
// host order. Type codes: 0x08 uint8, 0x09 int8, 0x0C int32, 0x0D float32,
// 0x0E float64 (0x0B int16 is rejected: kiln has no int16 dtype).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_IDX_H
#define KILN_RUNTIME_IDX_H

#include "runtime/ByteIO.h"
#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <string>
#include <vector>

namespace kiln::runtime {

/// The most dimensions the reader accepts.
inline constexpr int kMaxIdxDims = 16;

/// Reads the IDX file (plain or gzip) at `path`.
Expected<Tensor> readIdx(const std::string &path);

/// Reads an IDX file (plain or gzip) from `source`.
Expected<Tensor> readIdx(const ByteSource &source);

/// The IDX bytes of `tensor` (U8, I8, I32, F32 or F64; every dimension below
/// 2^32), gzip-compressed when `gzip` is set.
Expected<std::vector<uint8_t>> serializeIdx(const Tensor &tensor, bool gzip);

/// Writes `tensor` to `path` as IDX, atomically.
Status writeIdx(const std::string &path, const Tensor &tensor, bool gzip);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_IDX_H
