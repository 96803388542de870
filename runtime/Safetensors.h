//===- Safetensors.h - Reading and writing .safetensors files ---*- C++ -*-===//
//
// The safetensors format holds kiln's weights and checkpoints: an 8-byte
// little-endian header length N, N bytes of JSON header
//   {"conv2d/kernel": {"dtype": "F32", "shape": [3, 3, 1, 32],
//                      "data_offsets": [0, 1152]}, ...,
//    "__metadata__": {"format": "kiln", ...}}
// then the raw little-endian tensor data, the offsets being relative to its
// start. Tensor names are Keras weight names ("dense/bias"). The reader
// checks everything a hostile file could get wrong (see docs/RUNTIME_FORMATS.md)
// and never reads out of bounds; the writer replaces files atomically.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_SAFETENSORS_H
#define KILN_RUNTIME_SAFETENSORS_H

#include "runtime/ByteIO.h"
#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln::runtime {

/// The contents of a safetensors file: tensors by name and string metadata.
/// std::map keeps both sorted, which makes written files deterministic.
struct SafetensorsData {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
};

/// The largest JSON header the reader accepts (100 MB, as the reference
/// implementation does).
inline constexpr uint64_t kMaxSafetensorsHeader = 100ull * 1000 * 1000;

/// The safetensors name of a dtype ("F32", "BF16", "U8", ...).
const char *safetensorsDTypeName(DType dtype);

/// The dtype named `name` in a safetensors header, or nothing if kiln does
/// not support it.
std::optional<DType> parseSafetensorsDType(const std::string &name);

/// Reads the safetensors file at `path`.
Expected<SafetensorsData> readSafetensors(const std::string &path);

/// Reads a safetensors file from `source`; messages name source.name().
Expected<SafetensorsData> readSafetensors(const ByteSource &source);

/// The file's bytes: header length, JSON header padded with spaces to a
/// multiple of 8 bytes, then each tensor's data in name order.
Expected<std::vector<uint8_t>> serializeSafetensors(const SafetensorsData &data);

/// Writes `data` to `path` atomically (temporary file, fsync, rename, fsync
/// of the directory).
Status writeSafetensors(const std::string &path, const SafetensorsData &data);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_SAFETENSORS_H
