//===- Hdf5.h - The few HDF5 operations Keras's files need ------*- C++ -*-===//
//
// A thin owner of libhdf5's C API (Debian's libhdf5): reading a file from
// disk or from memory (model.weights.h5 inside a .keras zip) and writing
// groups, float32 datasets and string attributes.
//
// Reading happens in a child process: libhdf5 1.10 is not hardened against
// corrupt files (a damaged global heap makes H5Aread crash, a damaged
// B-tree can loop), so a forked child walks the whole file (groups, string
// attributes as h5py writes them, numeric datasets as float32) and sends
// the result back as CBOR (nlohmann::json); a crash, a hang (killed after a
// time limit) or too much data becomes an error naming the file. The
// parent then answers every query from that snapshot. libhdf5's own error
// stack printing is turned off; every failure becomes a runtime::Status
// that names the object, and the caller adds the file.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_KERAS_HDF5_H
#define KILN_FRONTEND_KERAS_HDF5_H

#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::keras {

/// An HDF5 identifier closed with the right H5?close when it goes.
class H5Id {
public:
  H5Id() = default;
  explicit H5Id(int64_t id) : id_(id) {}
  H5Id(H5Id &&o) noexcept : id_(o.id_) { o.id_ = -1; }
  H5Id &operator=(H5Id &&o) noexcept;
  H5Id(const H5Id &) = delete;
  H5Id &operator=(const H5Id &) = delete;
  ~H5Id();
  int64_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

private:
  int64_t id_ = -1;
};

/// An open HDF5 file (read or write). Paths are '/'-separated from the
/// root ("layers/dense/vars").
class H5File {
public:
  /// Opens `path` read-only; `label` names it in messages.
  static runtime::Expected<std::unique_ptr<H5File>> open(const std::string &path);
  /// Opens an in-memory image (copied) read-only.
  static runtime::Expected<std::unique_ptr<H5File>>
  openImage(std::vector<uint8_t> bytes, const std::string &label);
  /// Creates (truncates) `path` for writing.
  static runtime::Expected<std::unique_ptr<H5File>> create(const std::string &path);

  /// True when `path` names a group.
  bool isGroup(const std::string &path) const;
  /// True when `path` names a dataset.
  bool isDataset(const std::string &path) const;
  /// The names of the members of group `path`, in HDF5's name order.
  std::vector<std::string> members(const std::string &path) const;
  /// True when object `path` carries attribute `name`.
  bool hasAttribute(const std::string &path, const std::string &name) const;
  /// A string attribute (a scalar, or a list joined by nothing when
  /// `list` is null); a list fills `list`.
  runtime::Expected<std::string> stringAttribute(const std::string &path,
                                                 const std::string &name) const;
  runtime::Expected<std::vector<std::string>>
  stringListAttribute(const std::string &path, const std::string &name) const;
  /// The shape of dataset `path`.
  runtime::Expected<runtime::Shape> datasetShape(const std::string &path) const;
  /// Dataset `path` (any integer or float type) converted to float32.
  runtime::Expected<runtime::Tensor> readFloat(const std::string &path) const;

  /// Writing: a group (parents created), a float32 dataset, an int64
  /// scalar, string attributes (fixed-length, as h5py writes bytes).
  runtime::Status makeGroup(const std::string &path);
  runtime::Status writeFloat(const std::string &path, const runtime::Tensor &t);
  runtime::Status writeInt64Scalar(const std::string &path, int64_t value);
  runtime::Status setStringAttribute(const std::string &path,
                                     const std::string &name,
                                     const std::string &value);
  runtime::Status setStringListAttribute(const std::string &path,
                                         const std::string &name,
                                         const std::vector<std::string> &values);
  /// Flushes and closes; reports a failure to finish the file.
  runtime::Status close();

  struct Snapshot;  ///< what a read-only file held (Hdf5.cpp)
  H5File();
  ~H5File();

private:
  H5Id file_;                          ///< writing
  std::unique_ptr<Snapshot> snapshot_; ///< reading
};

} // namespace kiln::keras

#endif // KILN_FRONTEND_KERAS_HDF5_H
