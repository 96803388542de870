//===- Hdf5.cpp - The few HDF5 operations Keras's files need --------------===//
#include "frontend/keras/Hdf5.h"

#include <hdf5.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

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

// --- Reading: a snapshot made in a child process ----------------------------

struct H5File::Snapshot {
  /// Every object by path ("" is the root): groups with their members,
  /// datasets with their shape and (numeric ones) their values, and each
  /// object's attributes: text lists, or the reason one is not text.
  nlohmann::json objects = nlohmann::json::object();
};

H5File::H5File() = default;
H5File::~H5File() = default;

namespace {

/// Limits on what a snapshot holds, so a hostile file cannot make the child
/// (or the parent) allocate without bound.
constexpr int64_t kMaxFloats = int64_t(1) << 30;  // 4 GiB of weights
constexpr size_t kMaxObjects = 1u << 20;
constexpr int kMaxDepth = 64;
/// How long the child may take, plus one second per 16 MiB of file.
constexpr int kBaseSeconds = 30;

/// Reads attribute `name` of `obj` as a list of strings (fixed or variable
/// length; an empty array of any type is an empty list).
Expected<std::vector<std::string>> readStrings(hid_t obj, const char *name) {
  H5Id attr(H5Aopen(obj, name, H5P_DEFAULT));
  H5Id type(attr.valid() ? H5Aget_type(attr.get()) : -1);
  H5Id space(attr.valid() ? H5Aget_space(attr.get()) : -1);
  hssize_t n = space.valid() ? H5Sget_simple_extent_npoints(space.get()) : -1;
  // An empty list is written by numpy as an empty float64 array.
  if (n == 0)
    return std::vector<std::string>();
  if (!type.valid() || H5Tget_class(type.get()) != H5T_STRING)
    return makeError("is not text");
  if (n < 0 || n > (1 << 24))
    return makeError("is malformed");
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.get()) > 0) {
    std::vector<char *> buf(static_cast<size_t>(n), nullptr);
    H5Id mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    if (H5Aread(attr.get(), mem.get(), buf.data()) < 0)
      return makeError("cannot be read");
    for (char *str : buf) {
      out.emplace_back(str ? str : "");
      if (str)
        H5free_memory(str);
    }
    return out;
  }
  size_t size = H5Tget_size(type.get());
  if (size == 0 || size > (1u << 26) / static_cast<size_t>(n))
    return makeError("is malformed");
  std::vector<char> buf(size * static_cast<size_t>(n));
  if (H5Aread(attr.get(), type.get(), buf.data()) < 0)
    return makeError("cannot be read");
  for (hssize_t i = 0; i < n; ++i) {
    const char *str = buf.data() + i * size;
    out.emplace_back(str, strnlen(str, size));
  }
  return out;
}

struct Walk {
  nlohmann::json &objects;
  int64_t floats = 0;
  std::string error;
};

herr_t collectAttr(hid_t, const char *name, const H5A_info_t *, void *out) {
  static_cast<std::vector<std::string> *>(out)->push_back(name);
  return 0;
}

herr_t collectName(hid_t, const char *name, const H5L_info_t *, void *out) {
  static_cast<std::vector<std::string> *>(out)->push_back(name);
  return 0;
}

/// Records object `path` of `file` and, for a group, its members.
void walkObject(hid_t file, const std::string &path, int depth, Walk &w) {
  if (!w.error.empty())
    return;
  if (depth > kMaxDepth || w.objects.size() >= kMaxObjects) {
    w.error = "nests too deeply or holds too many objects";
    return;
  }
  H5Id obj(H5Oopen(file, loc(path).c_str(), H5P_DEFAULT));
  if (!obj.valid())
    return;  // a dangling link: the object is simply absent
  nlohmann::json node = nlohmann::json::object();
  nlohmann::json attrs = nlohmann::json::object();
  std::vector<std::string> attrNames;
  hsize_t aidx = 0;
  H5Aiterate2(obj.get(), H5_INDEX_NAME, H5_ITER_INC, &aidx, collectAttr, &attrNames);
  for (const std::string &a : attrNames) {
    auto v = readStrings(obj.get(), a.c_str());
    attrs[a] = v.ok() ? nlohmann::json(*v) : nlohmann::json(v.status().message());
  }
  node["attrs"] = attrs;
  H5I_type_t type = H5Iget_type(obj.get());
  std::vector<std::string> members;
  if (type == H5I_GROUP) {
    node["kind"] = "group";
    hsize_t idx = 0;
    H5Literate(obj.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collectName, &members);
    node["members"] = members;
  } else if (type == H5I_DATASET) {
    node["kind"] = "dataset";
    H5Id space(H5Dget_space(obj.get()));
    int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
    if (rank < 0 || rank > 8) {
      node["error"] = "has an unsupported rank";
    } else {
      hsize_t dims[8];
      H5Sget_simple_extent_dims(space.get(), dims, nullptr);
      std::vector<int64_t> shape;
      int64_t n = 1;
      for (int i = 0; i < rank; ++i) {
        shape.push_back(static_cast<int64_t>(dims[i]));
        n = dims[i] > 0 && n > kMaxFloats / static_cast<int64_t>(dims[i])
                ? kMaxFloats + 1
                : n * static_cast<int64_t>(dims[i]);
      }
      node["shape"] = shape;
      H5Id dtype(H5Dget_type(obj.get()));
      H5T_class_t cls = H5Tget_class(dtype.get());
      if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
        node["error"] = "is not numeric";
      } else if (w.floats + n > kMaxFloats) {
        node["error"] = "is too large to read";
      } else {
        w.floats += n;
        std::vector<uint8_t> bytes(static_cast<size_t>(n) * sizeof(float));
        if (n > 0 && H5Dread(obj.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL,
                             H5P_DEFAULT, bytes.data()) < 0)
          node["error"] = "cannot be read (truncated or corrupt?)";
        else
          node["data"] = nlohmann::json::binary(std::move(bytes));
      }
    }
  } else {
    return;  // named types and the like carry no weights
  }
  w.objects[path] = std::move(node);
  for (const std::string &m : members)
    walkObject(file, path.empty() ? m : path + "/" + m, depth + 1, w);
}

/// In the child: opens the file (from `path`, or from `image` when it is
/// not empty) and walks it; CBOR of {"objects": ...} or {"error": ...}.
std::vector<uint8_t> snapshotInChild(const std::string &path,
                                     const std::vector<uint8_t> &image) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  nlohmann::json out = nlohmann::json::object();
  H5Id file;
  if (image.empty()) {
    file = H5Id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  } else {
    H5Id fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (H5Pset_fapl_core(fapl.get(), 1 << 16, 0) >= 0 &&
        H5Pset_file_image(fapl.get(), const_cast<uint8_t *>(image.data()),
                          image.size()) >= 0)
      file = H5Id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()));
  }
  if (!file.valid()) {
    out["error"] = "cannot be opened as an HDF5 file (truncated or corrupt?)";
    return nlohmann::json::to_cbor(out);
  }
  out["objects"] = nlohmann::json::object();
  Walk w{out["objects"]};
  walkObject(file.get(), "", 0, w);
  if (!w.error.empty())
    out = {{"error", w.error}};
  return nlohmann::json::to_cbor(out);
}

/// Runs snapshotInChild in a forked process and returns what it sent.
Expected<nlohmann::json> snapshotFile(const std::string &path,
                                      const std::vector<uint8_t> &image,
                                      uint64_t fileBytes) {
  int fds[2];
  if (pipe(fds) != 0)
    return makeError("cannot be read: ", std::strerror(errno));
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return makeError("cannot be read: ", std::strerror(errno));
  }
  if (pid == 0) {
    close(fds[0]);
    std::vector<uint8_t> bytes;
    try {
      bytes = snapshotInChild(path, image);
    } catch (...) {
      _exit(3);
    }
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = write(fds[1], bytes.data() + done, bytes.size() - done);
      if (n <= 0)
        _exit(2);
      done += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::vector<uint8_t> got;
  int seconds = kBaseSeconds + static_cast<int>(fileBytes >> 24);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  bool timedOut = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      continue;
    uint8_t buf[1 << 16];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got.insert(got.end(), buf, buf + n);
  }
  close(fds[0]);
  if (timedOut)
    kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut)
    return makeError("is corrupt: libhdf5 did not finish reading it in ",
                     seconds, " s");
  if (WIFSIGNALED(status))
    return makeError("is corrupt: libhdf5 crashed reading it (signal ",
                     WTERMSIG(status), ")");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return makeError("cannot be read (out of memory?)");
  nlohmann::json j = nlohmann::json::from_cbor(got, true, false);
  if (j.is_discarded() || !j.is_object())
    return makeError("cannot be read (internal error)");
  if (j.contains("error"))
    return makeError(j["error"].get<std::string>());
  return j;
}

} // namespace

Expected<std::unique_ptr<H5File>> H5File::open(const std::string &path) {
  silenceHdf5();
  if (H5Fis_hdf5(path.c_str()) <= 0)
    return makeError("is not an HDF5 file");
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  auto snap = snapshotFile(path, {}, ec ? 0 : size);
  if (!snap.ok())
    return snap.status();
  auto f = std::make_unique<H5File>();
  f->snapshot_ = std::make_unique<Snapshot>();
  f->snapshot_->objects = std::move((*snap)["objects"]);
  return f;
}

Expected<std::unique_ptr<H5File>> H5File::openImage(std::vector<uint8_t> bytes,
                                                    const std::string &label) {
  silenceHdf5();
  static const uint8_t kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kSignature, 8) != 0)
    return makeError("is not an HDF5 file");
  auto snap = snapshotFile(label, bytes, bytes.size());
  if (!snap.ok())
    return snap.status();
  auto f = std::make_unique<H5File>();
  f->snapshot_ = std::make_unique<Snapshot>();
  f->snapshot_->objects = std::move((*snap)["objects"]);
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

/// The snapshot's node at `path`, or null.
static const nlohmann::json *node(const H5File::Snapshot *s, const std::string &path) {
  if (!s)
    return nullptr;
  auto it = s->objects.find(path);
  return it == s->objects.end() ? nullptr : &*it;
}

bool H5File::isGroup(const std::string &path) const {
  if (snapshot_) {
    const nlohmann::json *n = node(snapshot_.get(), path);
    return n && (*n)["kind"] == "group";
  }
  if (path.empty())
    return true;
  H5Id o(H5Lexists(file_.get(), path.c_str(), H5P_DEFAULT) > 0
             ? H5Oopen(file_.get(), path.c_str(), H5P_DEFAULT)
             : -1);
  return o.valid() && H5Iget_type(o.get()) == H5I_GROUP;
}

bool H5File::isDataset(const std::string &path) const {
  const nlohmann::json *n = node(snapshot_.get(), path);
  return n && (*n)["kind"] == "dataset";
}

std::vector<std::string> H5File::members(const std::string &path) const {
  const nlohmann::json *n = node(snapshot_.get(), path);
  if (!n || !n->contains("members"))
    return {};
  return (*n)["members"].get<std::vector<std::string>>();
}

bool H5File::hasAttribute(const std::string &path, const std::string &name) const {
  const nlohmann::json *n = node(snapshot_.get(), path);
  return n && (*n)["attrs"].contains(name);
}

Expected<std::vector<std::string>>
H5File::stringListAttribute(const std::string &path, const std::string &name) const {
  if (!hasAttribute(path, name))
    return makeError("has no attribute '", name, "' on '/", path, "'");
  const nlohmann::json &a = (*node(snapshot_.get(), path))["attrs"][name];
  if (a.is_string())
    return makeError("attribute '", name, "' of '/", path, "' ", a.get<std::string>());
  return a.get<std::vector<std::string>>();
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
  const nlohmann::json &n = *node(snapshot_.get(), path);
  if (!n.contains("shape"))
    return makeError("dataset '/", path, "' ", n["error"].get<std::string>());
  return n["shape"].get<Shape>();
}

Expected<Tensor> H5File::readFloat(const std::string &path) const {
  auto shape = datasetShape(path);
  if (!shape.ok())
    return shape.status();
  const nlohmann::json &n = *node(snapshot_.get(), path);
  if (!n.contains("data"))
    return makeError("dataset '/", path, "' ", n["error"].get<std::string>());
  const auto &bytes = n["data"].get_binary();
  auto t = Tensor::create(DType::F32, *shape);
  if (!t.ok())
    return t.status();
  if (bytes.size() != t->byteSize())
    return makeError("dataset '/", path, "' cannot be read");
  std::memcpy(t->bytes(), bytes.data(), bytes.size());
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
