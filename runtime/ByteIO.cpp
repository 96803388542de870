//===- ByteIO.cpp - Bounds-checked reads and atomic writes ----------------===//
//
// POSIX implementations of the file ByteSource (open + fstat + pread) and of
// AtomicFileWriter (mkstemp beside the target, write, fsync, rename, fsync of
// the directory). Interrupted system calls are retried; every other failure
// becomes a message with the path and strerror's text.
//
//===----------------------------------------------------------------------===//
#include "runtime/ByteIO.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "kiln's runtime stores tensors little-endian and assumes a little-endian host");

namespace kiln::runtime {

namespace {

std::string errnoText() { return std::strerror(errno); }

class FileSource : public ByteSource {
public:
  FileSource(std::string path, uint64_t size, int fd) : ByteSource(std::move(path), size), Fd(fd) {}
  ~FileSource() override { ::close(Fd); }

protected:
  Status readImpl(uint64_t offset, void *dest, size_t count) const override {
    auto *out = static_cast<uint8_t *>(dest);
    while (count > 0) {
      size_t chunk = count < (size_t(1) << 30) ? count : (size_t(1) << 30);
      ssize_t got = ::pread(Fd, out, chunk, static_cast<off_t>(offset));
      if (got < 0) {
        if (errno == EINTR)
          continue;
        return makeError(name(), ": read failed: ", errnoText());
      }
      if (got == 0)
        return makeError(name(), ": the file ended early (was it changed while being read?)");
      out += got;
      offset += static_cast<uint64_t>(got);
      count -= static_cast<size_t>(got);
    }
    return Status::success();
  }

private:
  int Fd;
};

class MemorySource : public ByteSource {
public:
  MemorySource(const void *data, size_t size, std::string name)
      : ByteSource(std::move(name), size), Data(static_cast<const uint8_t *>(data)) {}

protected:
  Status readImpl(uint64_t offset, void *dest, size_t count) const override {
    if (count)
      std::memcpy(dest, Data + offset, count);
    return Status::success();
  }

private:
  const uint8_t *Data;
};

std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  if (slash == 0)
    return "/";
  return path.substr(0, slash);
}

} // namespace

Status ByteSource::read(uint64_t offset, void *dest, size_t count, const char *what) const {
  if (offset > Size || count > Size - offset)
    return makeError(Name, ": truncated: ", what, " needs bytes [", offset, ", ",
                     offset + static_cast<uint64_t>(count), ") but the file has only ", Size,
                     " bytes");
  return readImpl(offset, dest, count);
}

Expected<std::unique_ptr<ByteSource>> openFileSource(const std::string &path) {
  int fd;
  do
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return makeError(path, ": cannot open: ", errnoText());
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = makeError(path, ": cannot stat: ", errnoText());
    ::close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return makeError(path, ": not a regular file");
  }
  return std::unique_ptr<ByteSource>(
      new FileSource(path, static_cast<uint64_t>(st.st_size), fd));
}

std::unique_ptr<ByteSource> makeMemorySource(const void *data, size_t size, std::string name) {
  return std::make_unique<MemorySource>(data, size, std::move(name));
}

Expected<std::vector<uint8_t>> readWholeFile(const std::string &path, uint64_t maxBytes) {
  Expected<std::unique_ptr<ByteSource>> source = openFileSource(path);
  if (!source)
    return source.status();
  uint64_t size = (*source)->size();
  if (size > maxBytes)
    return makeError(path, ": the file has ", size, " bytes, more than the limit of ", maxBytes);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  KILN_RETURN_IF_ERROR((*source)->read(0, bytes.data(), bytes.size(), "the whole file"));
  return bytes;
}

Expected<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::open(const std::string &path) {
  if (path.empty() || path.back() == '/')
    return makeError("'", path, "': not a file path");
  std::string temp = path + ".tmp.XXXXXX";
  std::vector<char> name(temp.begin(), temp.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0)
    return makeError(path, ": cannot create a temporary file in ", directoryOf(path), ": ",
                     errnoText());
  // mkstemp creates 0600; give the file the usual permissions for data.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  return std::unique_ptr<AtomicFileWriter>(new AtomicFileWriter(path, name.data(), fd));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (Fd >= 0)
    ::close(Fd);
  if (!Committed)
    ::unlink(TempPath.c_str());
}

Status AtomicFileWriter::write(const void *data, size_t count) {
  if (Fd < 0)
    return makeError(Path, ": write after the file was closed");
  auto *in = static_cast<const uint8_t *>(data);
  while (count > 0) {
    ssize_t put = ::write(Fd, in, count < (size_t(1) << 30) ? count : (size_t(1) << 30));
    if (put < 0) {
      if (errno == EINTR)
        continue;
      return makeError(Path, ": write failed: ", errnoText());
    }
    in += put;
    count -= static_cast<size_t>(put);
  }
  return Status::success();
}

Status AtomicFileWriter::commit() {
  if (Fd < 0)
    return makeError(Path, ": commit after the file was closed");
  if (::fsync(Fd) != 0)
    return makeError(Path, ": fsync failed: ", errnoText());
  int fd = Fd;
  Fd = -1;
  if (::close(fd) != 0)
    return makeError(Path, ": close failed: ", errnoText());
  if (::rename(TempPath.c_str(), Path.c_str()) != 0)
    return makeError(Path, ": cannot rename the temporary file into place: ", errnoText());
  Committed = true;
  std::string dir = directoryOf(Path);
  int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd < 0)
    return makeError(Path, ": cannot open directory ", dir, " to fsync it: ", errnoText());
  int rc = ::fsync(dirFd);
  ::close(dirFd);
  if (rc != 0)
    return makeError(Path, ": fsync of directory ", dir, " failed: ", errnoText());
  return Status::success();
}

Status writeFileAtomic(const std::string &path, const void *data, size_t size) {
  Expected<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::open(path);
  if (!writer)
    return writer.status();
  KILN_RETURN_IF_ERROR((*writer)->write(data, size));
  return (*writer)->commit();
}

} // namespace kiln::runtime
