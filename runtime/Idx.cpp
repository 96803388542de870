//===- Idx.cpp - Reading and writing IDX files (MNIST's format) -----------===//
//
// Reading an IDX file:
//   1. Look at the first two bytes: 1f 8b means gzip, read through zlib's
//      inflate (multi-member streams allowed); anything else is read as is.
//   2. Read and check the magic (two zero bytes, a known type byte, 1 to
//      kMaxIdxDims dimensions) and the big-endian dimensions.
//   3. Compute the data size with overflow checks. For a plain file the bytes
//      left must equal it exactly. For gzip, deflate expands at most about
//      1032:1, so a header claiming more than that of the compressed size is
//      rejected before any allocation; a hostile header cannot make us
//      allocate far more than the file could hold.
//   4. Read the data, require the stream to end right after it, and swap
//      multi-byte elements to host order.
//
//===----------------------------------------------------------------------===//
#include "runtime/Idx.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace kiln::runtime {

namespace {

struct IdxType {
  uint8_t code;
  DType dtype;
};
constexpr IdxType kTypes[] = {{0x08, DType::U8},
                              {0x09, DType::I8},
                              {0x0C, DType::I32},
                              {0x0D, DType::F32},
                              {0x0E, DType::F64}};

/// Sequential reads of a plain or gzip-compressed ByteSource.
class IdxStream {
public:
  IdxStream(const ByteSource &source, bool gzip) : Source(source), Gzip(gzip) {
    std::memset(&Z, 0, sizeof(Z));
  }
  ~IdxStream() {
    if (ZInit)
      inflateEnd(&Z);
  }

  Status init() {
    if (!Gzip)
      return Status::success();
    if (inflateInit2(&Z, 16 + MAX_WBITS) != Z_OK)
      return makeError(Source.name(), ": cannot initialise zlib");
    ZInit = true;
    In.resize(1 << 16);
    return Status::success();
  }

  /// Reads up to `count` bytes; fewer only at the end of the data.
  Status readSome(uint8_t *dest, size_t count, size_t &produced) {
    produced = 0;
    if (!Gzip) {
      uint64_t left = Source.size() - Pos;
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, count));
      KILN_RETURN_IF_ERROR(Source.read(Pos, dest, n, "IDX data"));
      Pos += n;
      produced = n;
      return Status::success();
    }
    while (produced < count && !Finished) {
      if (Z.avail_in == 0) {
        uint64_t left = Source.size() - Pos;
        size_t n = static_cast<size_t>(std::min<uint64_t>(left, In.size()));
        if (n == 0)
          return makeError(Source.name(),
                           ": truncated: the gzip stream ends before its trailer");
        KILN_RETURN_IF_ERROR(Source.read(Pos, In.data(), n, "gzip data"));
        Pos += n;
        Z.next_in = In.data();
        Z.avail_in = static_cast<uInt>(n);
      }
      size_t want = std::min<size_t>(count - produced, UINT_MAX);
      Z.next_out = dest + produced;
      Z.avail_out = static_cast<uInt>(want);
      int rc = inflate(&Z, Z_NO_FLUSH);
      produced += want - Z.avail_out;
      if (rc == Z_STREAM_END) {
        // Another gzip member may follow.
        if (Z.avail_in == 0 && Pos == Source.size()) {
          Finished = true;
        } else if (inflateReset(&Z) != Z_OK) {
          return makeError(Source.name(), ": zlib failed to reset");
        }
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return makeError(Source.name(), ": corrupt gzip data: ", Z.msg ? Z.msg : "zlib error");
      }
    }
    return Status::success();
  }

  /// Reads exactly `count` bytes, naming `what` if the data ends first.
  Status readExact(void *dest, size_t count, const char *what) {
    size_t produced;
    KILN_RETURN_IF_ERROR(readSome(static_cast<uint8_t *>(dest), count, produced));
    Total += produced;
    if (produced < count)
      return makeError(Source.name(), ": truncated: the ", Gzip ? "decompressed " : "",
                       "data ends after ", Total, " bytes, in ", what);
    return Status::success();
  }

  /// The number of bytes after the current position (only counted up to a
  /// small limit for gzip, to keep hostile trailers cheap).
  Expected<uint64_t> trailingBytes() {
    if (!Gzip)
      return Source.size() - Pos;
    uint8_t scratch[4096];
    uint64_t extra = 0;
    for (int i = 0; i < 16; ++i) {
      size_t produced;
      KILN_RETURN_IF_ERROR(readSome(scratch, sizeof(scratch), produced));
      extra += produced;
      if (produced < sizeof(scratch))
        break;
    }
    return extra;
  }

  uint64_t compressedSize() const { return Source.size(); }

private:
  const ByteSource &Source;
  bool Gzip;
  z_stream Z;
  bool ZInit = false, Finished = false;
  std::vector<uint8_t> In;
  uint64_t Pos = 0, Total = 0;
};

void swapElements(uint8_t *data, size_t count, size_t size) {
  if (size == 1)
    return;
  for (size_t i = 0; i < count; ++i, data += size)
    std::reverse(data, data + size);
}

Expected<Tensor> readImpl(const ByteSource &source) {
  const std::string &file = source.name();
  // (1) Plain or gzip.
  uint8_t head[2] = {0, 0};
  if (source.size() >= 2)
    KILN_RETURN_IF_ERROR(source.read(0, head, 2, "the magic"));
  bool gzip = head[0] == 0x1f && head[1] == 0x8b;
  IdxStream in(source, gzip);
  KILN_RETURN_IF_ERROR(in.init());

  // (2) Magic and dimensions.
  uint8_t magic[4];
  KILN_RETURN_IF_ERROR(in.readExact(magic, 4, "the magic number"));
  if (magic[0] != 0 || magic[1] != 0)
    return makeError(file, ": not an IDX file (the magic number must start with two zero "
                           "bytes, found 0x",
                     std::hex, int(magic[0]), " 0x", int(magic[1]), ")");
  const IdxType *type = nullptr;
  for (const IdxType &t : kTypes)
    if (t.code == magic[2])
      type = &t;
  if (!type)
    return makeError(file, ": unsupported IDX element type 0x", std::hex, int(magic[2]),
                     " (supported: 0x08 ubyte, 0x09 byte, 0x0c int, 0x0d float, 0x0e double)");
  int rank = magic[3];
  if (rank < 1 || rank > kMaxIdxDims)
    return makeError(file, ": IDX dimension count ", rank, " is out of range (1 to ",
                     kMaxIdxDims, ")");
  uint8_t dimBytes[4 * kMaxIdxDims];
  KILN_RETURN_IF_ERROR(in.readExact(dimBytes, 4 * rank, "the dimensions"));
  Shape shape;
  for (int i = 0; i < rank; ++i)
    shape.push_back(loadBE32(dimBytes + 4 * i));

  // (3) Sizes.
  Expected<uint64_t> bytes = checkedByteSize(type->dtype, shape);
  if (!bytes)
    return bytes.status().withContext(file);
  uint64_t headerSize = 4 + 4 * static_cast<uint64_t>(rank);
  if (!gzip) {
    uint64_t available = source.size() - headerSize;
    if (available != *bytes)
      return makeError(file, ": ", available < *bytes ? "truncated: " : "", "dimensions ",
                       shapeToString(shape), " need ", *bytes, " bytes of data but the file has ",
                       available);
  } else if (*bytes / 1032 > in.compressedSize()) {
    return makeError(file, ": truncated: dimensions ", shapeToString(shape), " need ", *bytes,
                     " bytes, more than the ", in.compressedSize(),
                     "-byte gzip file can decompress to");
  }

  // (4) Data.
  Expected<Tensor> tensor = Tensor::create(type->dtype, shape);
  if (!tensor)
    return tensor.status().withContext(file);
  KILN_RETURN_IF_ERROR(in.readExact(tensor->bytes(), tensor->byteSize(), "the data"));
  Expected<uint64_t> extra = in.trailingBytes();
  if (!extra)
    return extra.status();
  if (*extra)
    return makeError(file, ": unexpected bytes after the ", *bytes, " bytes of data for ",
                     shapeToString(shape));
  swapElements(tensor->bytes(), static_cast<size_t>(tensor->numElements()),
               dtypeSize(type->dtype));
  return tensor;
}

Expected<std::vector<uint8_t>> gzipBytes(const std::vector<uint8_t> &raw) {
  z_stream z;
  std::memset(&z, 0, sizeof(z));
  if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return makeError("cannot initialise zlib for compression");
  std::vector<uint8_t> out(deflateBound(&z, raw.size()) + 64);
  z.next_in = const_cast<Bytef *>(raw.data());
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END)
    return makeError("gzip compression failed");
  return out;
}

} // namespace

Expected<Tensor> readIdx(const ByteSource &source) {
  return readGuarded<Tensor>(source, readImpl);
}

Expected<Tensor> readIdx(const std::string &path) {
  return readFileGuarded<Tensor>(path, readImpl);
}

Expected<std::vector<uint8_t>> serializeIdx(const Tensor &tensor, bool gzip) {
  const IdxType *type = nullptr;
  for (const IdxType &t : kTypes)
    if (t.dtype == tensor.dtype())
      type = &t;
  if (!type)
    return makeError("cannot write ", tensor.describe(), " as IDX: no IDX type for ",
                     dtypeName(tensor.dtype()));
  if (tensor.rank() < 1 || tensor.rank() > kMaxIdxDims)
    return makeError("cannot write ", tensor.describe(), " as IDX: rank must be 1 to ",
                     kMaxIdxDims);
  for (int64_t d : tensor.shape())
    if (d > 0xFFFFFFFFll)
      return makeError("cannot write ", tensor.describe(), " as IDX: a dimension exceeds 2^32");
  if (gzip && tensor.byteSize() > UINT_MAX / 2)
    return makeError("cannot gzip ", tensor.describe(), ": too large for one deflate call");
  std::vector<uint8_t> raw(4 + 4 * tensor.rank());
  raw[2] = type->code;
  raw[3] = static_cast<uint8_t>(tensor.rank());
  for (int64_t i = 0; i < tensor.rank(); ++i)
    storeBE32(raw.data() + 4 + 4 * i, static_cast<uint32_t>(tensor.dim(i)));
  size_t start = raw.size();
  raw.insert(raw.end(), tensor.bytes(), tensor.bytes() + tensor.byteSize());
  swapElements(raw.data() + start, static_cast<size_t>(tensor.numElements()),
               dtypeSize(tensor.dtype()));
  if (!gzip)
    return raw;
  return gzipBytes(raw);
}

Status writeIdx(const std::string &path, const Tensor &tensor, bool gzip) {
  Expected<std::vector<uint8_t>> bytes = serializeIdx(tensor, gzip);
  if (!bytes)
    return bytes.status().withContext(path);
  return writeFileAtomic(path, bytes->data(), bytes->size());
}

} // namespace kiln::runtime
