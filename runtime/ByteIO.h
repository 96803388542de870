//===- ByteIO.h - Bounds-checked reads and atomic writes --------*- C++ -*-===//
//
// The byte-level plumbing shared by the file-format readers and writers. A
// ByteSource is something of known size that can be read at an offset: a file
// (read with pread, never mapped, so a file that shrinks under us gives an
// error rather than SIGBUS) or a memory buffer (an embedded weight blob, or a
// fuzz test's input). Every read is bounds-checked against the size, so a
// reader that computes an offset from a hostile header gets an error, never an
// out-of-bounds access. AtomicFileWriter writes a file so that readers see the
// old contents or the complete new ones, never a torn file: it writes a
// temporary file beside the target, fsyncs it, renames it over the target and
// fsyncs the directory.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_BYTEIO_H
#define KILN_RUNTIME_BYTEIO_H

#include "runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace kiln::runtime {

/// A random-access source of bytes with a known size.
class ByteSource {
public:
  virtual ~ByteSource() = default;

  /// The name used in messages (a path, or a label for a memory buffer).
  const std::string &name() const { return Name; }

  /// The total size in bytes.
  uint64_t size() const { return Size; }

  /// Reads exactly `count` bytes at `offset` into `dest`; an error naming
  /// `what` if the range lies beyond the end or the read fails.
  Status read(uint64_t offset, void *dest, size_t count, const char *what) const;

protected:
  ByteSource(std::string name, uint64_t size) : Name(std::move(name)), Size(size) {}
  virtual Status readImpl(uint64_t offset, void *dest, size_t count) const = 0;

private:
  std::string Name;
  uint64_t Size;
};

/// Opens `path` for reading (a regular file only).
Expected<std::unique_ptr<ByteSource>> openFileSource(const std::string &path);

/// A source over `size` bytes at `data`, which must outlive it; `name` is
/// used in messages.
std::unique_ptr<ByteSource> makeMemorySource(const void *data, size_t size, std::string name);

/// Runs the format reader `read` on `source`. An exception that escapes it
/// (out of memory for a hostile size, a bug) becomes an error naming the file
/// rather than an abort.
template <typename T, typename Reader>
Expected<T> readGuarded(const ByteSource &source, Reader read) {
  try {
    return read(source);
  } catch (const std::bad_alloc &) {
    return makeError(source.name(), ": out of memory while reading");
  } catch (const std::exception &e) {
    return makeError(source.name(), ": internal error while reading: ", e.what());
  }
}

/// Opens the file at `path` and runs `read` on it, guarded as above.
template <typename T, typename Reader>
Expected<T> readFileGuarded(const std::string &path, Reader read) {
  Expected<std::unique_ptr<ByteSource>> source = openFileSource(path);
  if (!source)
    return source.status();
  return readGuarded<T>(**source, read);
}

/// Reads the whole file at `path`; an error if it is larger than `maxBytes`.
Expected<std::vector<uint8_t>> readWholeFile(const std::string &path, uint64_t maxBytes);

/// Writes a file atomically. Usage: open(), write() any number of times,
/// commit(). If commit() is not reached (an error, or the writer is
/// destroyed), the temporary file is removed and the target is untouched.
class AtomicFileWriter {
public:
  /// Creates a temporary file in the directory of `path`.
  static Expected<std::unique_ptr<AtomicFileWriter>> open(const std::string &path);
  ~AtomicFileWriter();

  AtomicFileWriter(const AtomicFileWriter &) = delete;
  AtomicFileWriter &operator=(const AtomicFileWriter &) = delete;

  /// Appends `count` bytes.
  Status write(const void *data, size_t count);

  /// fsyncs the temporary file, renames it to the target and fsyncs the
  /// directory.
  Status commit();

private:
  AtomicFileWriter(std::string path, std::string tempPath, int fd)
      : Path(std::move(path)), TempPath(std::move(tempPath)), Fd(fd) {}
  std::string Path, TempPath;
  int Fd;
  bool Committed = false;
};

/// Writes `data` to `path` atomically.
Status writeFileAtomic(const std::string &path, const void *data, size_t size);

/// Little- and big-endian integer loads and stores on byte buffers.
inline uint64_t loadLE64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}
inline uint32_t loadLE32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline uint16_t loadLE16(const uint8_t *p) { return uint16_t(p[0] | p[1] << 8); }
inline uint32_t loadBE32(const uint8_t *p) {
  return uint32_t(p[3]) | uint32_t(p[2]) << 8 | uint32_t(p[1]) << 16 | uint32_t(p[0]) << 24;
}
inline void storeLE64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; ++i, v >>= 8)
    p[i] = uint8_t(v);
}
inline void storeLE32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; ++i, v >>= 8)
    p[i] = uint8_t(v);
}
inline void storeLE16(uint8_t *p, uint16_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
}
inline void storeBE32(uint8_t *p, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8)
    p[i] = uint8_t(v);
}

} // namespace kiln::runtime

#endif // KILN_RUNTIME_BYTEIO_H
