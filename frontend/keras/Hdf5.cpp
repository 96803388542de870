//===- Hdf5.cpp - The few HDF5 operations Keras's files need --------------===//
#include "frontend/keras/Hdf5.h"

#include <hdf5.h>

#include <cstring>

using namespace kiln::runtime;

namespace kiln::keras {
namespace {

/// libhdf5 prints its whole error stack to stderr by default; kiln reports
/// one line of its own instead.
void silenceHdf5() {
  static bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

/// "." for the root, else the path as HDF5 takes it.
std::string loc(const std::string &path) { return path.empty() ? "." : path; }

/// A link-creation property list that makes missing parent groups.
H5Id parentsLcpl() {
  H5Id lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  return lcpl;
}

} // namespace

H5Id &H5Id::operator=(H5Id &&o) noexcept {
  if (this != &o) {
    if (id_ >= 0)
      H5Idec_ref(id_);
    id_ = o.id_;
    o.id_ = -1;
  }
  return *this;
}

H5Id::~H5Id() {
  if (id_ >= 0)
    H5Idec_ref(id_);
}

Expected<std::unique_ptr<H5File>> H5File::open(const std::string &path) {
  silenceHdf5();
  if (H5Fis_hdf5(path.c_str()) <= 0)
    return makeError("is not an HDF5 file");
  auto f = std::make_unique<H5File>();
  f->file_ = H5Id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!f->file_.valid())
    return makeError("cannot be opened as an HDF5 file (truncated or corrupt?)");
  return f;
}

Expected<std::unique_ptr<H5File>> H5File::openImage(std::vector<uint8_t> bytes,
                                                    const std::string &label) {
  silenceHdf5();
  static const uint8_t kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kSignature, 8) != 0)
    return makeError("is not an HDF5 file");
  auto f = std::make_unique<H5File>();
  f->image_ = std::move(bytes);
  H5Id fapl(H5Pcreate(H5P_FILE_ACCESS));
  if (H5Pset_fapl_core(fapl.get(), 1 << 16, 0) < 0 ||
      H5Pset_file_image(fapl.get(), f->image_.data(), f->image_.size()) < 0)
    return makeError("cannot be read into memory");
  f->file_ = H5Id(H5Fopen(label.c_str(), H5F_ACC_RDONLY, fapl.get()));
  if (!f->file_.valid())
    return makeError("cannot be opened as an HDF5 file (truncated or corrupt?)");
  return f;
}

Expected<std::unique_ptr<H5File>> H5File::create(const std::string &path) {
  silenceHdf5();
  auto f = std::make_unique<H5File>();
  f->file_ = H5Id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!f->file_.valid())
    return makeError("cannot be created");
  return f;
}

/// The type of the object at `path` (checking every step exists first:
/// H5Oopen on a path with a missing parent is an error, not "no").
static H5I_type_t objectType(hid_t file, const std::string &path) {
  if (path.empty())
    return H5I_GROUP;
  size_t pos = 0;
  while (true) {
    size_t slash = path.find('/', pos);
    std::string prefix = path.substr(0, slash);
    if (prefix.empty() || H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0)
      return H5I_BADID;
    if (slash == std::string::npos)
      break;
    // An intermediate step must be a group.
    H5Id o(H5Oopen(file, prefix.c_str(), H5P_DEFAULT));
    if (!o.valid() || H5Iget_type(o.get()) != H5I_GROUP)
      return H5I_BADID;
    pos = slash + 1;
  }
  H5Id o(H5Oopen(file, path.c_str(), H5P_DEFAULT));
  return o.valid() ? H5Iget_type(o.get()) : H5I_BADID;
}

bool H5File::isGroup(const std::string &path) const {
  return objectType(file_.get(), path) == H5I_GROUP;
}

bool H5File::isDataset(const std::string &path) const {
  return objectType(file_.get(), path) == H5I_DATASET;
}

static herr_t collectName(hid_t, const char *name, const H5L_info_t *, void *out) {
  static_cast<std::vector<std::string> *>(out)->push_back(name);
  return 0;
}

std::vector<std::string> H5File::members(const std::string &path) const {
  std::vector<std::string> out;
  if (!isGroup(path))
    return out;
  H5Id g(H5Gopen2(file_.get(), loc(path).c_str(), H5P_DEFAULT));
  if (!g.valid())
    return out;
  hsize_t idx = 0;
  H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collectName, &out);
  return out;
}

bool H5File::hasAttribute(const std::string &path, const std::string &name) const {
  if (objectType(file_.get(), path) == H5I_BADID)
    return false;
  return H5Aexists_by_name(file_.get(), loc(path).c_str(), name.c_str(),
                           H5P_DEFAULT) > 0;
}

Expected<std::vector<std::string>>
H5File::stringListAttribute(const std::string &path, const std::string &name) const {
  if (!hasAttribute(path, name))
    return makeError("has no attribute '", name, "' on '/", path, "'");
  H5Id attr(H5Aopen_by_name(file_.get(), loc(path).c_str(), name.c_str(),
                            H5P_DEFAULT, H5P_DEFAULT));
  H5Id type(attr.valid() ? H5Aget_type(attr.get()) : -1);
  H5Id space(attr.valid() ? H5Aget_space(attr.get()) : -1);
  hssize_t n = space.valid() ? H5Sget_simple_extent_npoints(space.get()) : -1;
  // An empty list is written by numpy as an empty float64 array.
  if (n == 0)
    return std::vector<std::string>();
  if (!type.valid() || !space.valid() || H5Tget_class(type.get()) != H5T_STRING)
    return makeError("attribute '", name, "' of '/", path, "' is not text");
  if (n < 0 || n > (1 << 24))
    return makeError("attribute '", name, "' of '/", path, "' is malformed");
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.get()) > 0) {
    std::vector<char *> buf(static_cast<size_t>(n), nullptr);
    H5Id mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    if (H5Aread(attr.get(), mem.get(), buf.data()) < 0)
      return makeError("attribute '", name, "' of '/", path, "' cannot be read");
    for (char *s : buf) {
      out.emplace_back(s ? s : "");
      if (s)
        H5free_memory(s);
    }
    return out;
  }
  size_t size = H5Tget_size(type.get());
  if (size == 0 || size > (1u << 26) / std::max<size_t>(1, static_cast<size_t>(n)))
    return makeError("attribute '", name, "' of '/", path, "' is malformed");
  std::vector<char> buf(size * static_cast<size_t>(n));
  if (H5Aread(attr.get(), type.get(), buf.data()) < 0)
    return makeError("attribute '", name, "' of '/", path, "' cannot be read");
  for (hssize_t i = 0; i < n; ++i) {
    const char *s = buf.data() + i * size;
    out.emplace_back(s, strnlen(s, size));
  }
  return out;
}

Expected<std::string> H5File::stringAttribute(const std::string &path,
                                              const std::string &name) const {
  auto list = stringListAttribute(path, name);
  if (!list.ok())
    return list.status();
  if (list->size() != 1)
    return makeError("attribute '", name, "' of '/", path,
                     "' is a list, not one string");
  return std::move((*list)[0]);
}

Expected<Shape> H5File::datasetShape(const std::string &path) const {
  if (!isDataset(path))
    return makeError("has no dataset '/", path, "'");
  H5Id ds(H5Dopen2(file_.get(), path.c_str(), H5P_DEFAULT));
  H5Id space(ds.valid() ? H5Dget_space(ds.get()) : -1);
  if (!space.valid())
    return makeError("dataset '/", path, "' cannot be read");
  int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 8)
    return makeError("dataset '/", path, "' has an unsupported rank");
  hsize_t dims[8];
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  Shape shape;
  for (int i = 0; i < rank; ++i)
    shape.push_back(static_cast<int64_t>(dims[i]));
  return shape;
}

Expected<Tensor> H5File::readFloat(const std::string &path) const {
  auto shape = datasetShape(path);
  if (!shape.ok())
    return shape.status();
  H5Id ds(H5Dopen2(file_.get(), path.c_str(), H5P_DEFAULT));
  H5Id type(H5Dget_type(ds.get()));
  H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER)
    return makeError("dataset '/", path, "' is not numeric");
  auto t = Tensor::create(DType::F32, *shape);
  if (!t.ok())
    return t.status();
  if (t->numElements() > 0 &&
      H5Dread(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
              t->data<float>()) < 0)
    return makeError("dataset '/", path, "' cannot be read (truncated or corrupt?)");
  return t;
}

Status H5File::makeGroup(const std::string &path) {
  if (path.empty() || isGroup(path))
    return Status::success();
  H5Id g(H5Gcreate2(file_.get(), path.c_str(), parentsLcpl().get(), H5P_DEFAULT,
                    H5P_DEFAULT));
  return g.valid() ? Status::success() : makeError("cannot create group '/", path, "'");
}

Status H5File::writeFloat(const std::string &path, const Tensor &t) {
  std::vector<hsize_t> dims(t.shape().begin(), t.shape().end());
  H5Id space(dims.empty() ? H5Screate(H5S_SCALAR)
                          : H5Screate_simple(static_cast<int>(dims.size()),
                                             dims.data(), nullptr));
  H5Id ds(H5Dcreate2(file_.get(), path.c_str(), H5T_IEEE_F32LE, space.get(),
                     parentsLcpl().get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!ds.valid() || H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL,
                              H5P_DEFAULT, t.data<float>()) < 0)
    return makeError("cannot write dataset '/", path, "'");
  return Status::success();
}

Status H5File::writeInt64Scalar(const std::string &path, int64_t value) {
  H5Id space(H5Screate(H5S_SCALAR));
  H5Id ds(H5Dcreate2(file_.get(), path.c_str(), H5T_STD_I64LE, space.get(),
                     parentsLcpl().get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!ds.valid() || H5Dwrite(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL,
                              H5P_DEFAULT, &value) < 0)
    return makeError("cannot write dataset '/", path, "'");
  return Status::success();
}

/// Writes a fixed-length, null-padded string attribute of `count` strings
/// (h5py's layout for numpy bytes); a scalar when `scalar`.
static Status writeStrings(hid_t file, const std::string &path,
                           const std::string &name,
                           const std::vector<std::string> &values, bool scalar) {
  size_t width = 1;
  for (const std::string &v : values)
    width = std::max(width, v.size());
  std::vector<char> buf(width * values.size(), '\0');
  for (size_t i = 0; i < values.size(); ++i)
    std::memcpy(buf.data() + i * width, values[i].data(), values[i].size());
  H5Id type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), width);
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  hsize_t n = values.size();
  H5Id space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr));
  H5Id obj(H5Oopen(file, loc(path).c_str(), H5P_DEFAULT));
  if (!obj.valid())
    return makeError("cannot open '/", path, "'");
  if (H5Aexists(obj.get(), name.c_str()) > 0)
    H5Adelete(obj.get(), name.c_str());
  H5Id attr(H5Acreate2(obj.get(), name.c_str(), type.get(), space.get(),
                       H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.valid() || H5Awrite(attr.get(), type.get(), buf.data()) < 0)
    return makeError("cannot write attribute '", name, "' of '/", path, "'");
  return Status::success();
}

Status H5File::setStringAttribute(const std::string &path, const std::string &name,
                                  const std::string &value) {
  return writeStrings(file_.get(), path, name, {value}, true);
}

Status H5File::setStringListAttribute(const std::string &path,
                                      const std::string &name,
                                      const std::vector<std::string> &values) {
  return writeStrings(file_.get(), path, name, values, false);
}

Status H5File::close() {
  if (!file_.valid())
    return Status::success();
  hid_t id = file_.get();
  H5Iinc_ref(id);  // file_ drops one reference; H5Fclose the other
  file_ = H5Id();
  if (H5Fclose(id) < 0)
    return makeError("cannot be finished (disk full?)");
  return Status::success();
}

} // namespace kiln::keras
