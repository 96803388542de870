//===- Safetensors.cpp - Reading and writing .safetensors files -----------===//
//
// Reading a safetensors file, in order:
//   1. The 8-byte header length N must leave room in the file and be at most
//      kMaxSafetensorsHeader.
//   2. The N-byte header must be a JSON object; a parse callback rejects
//      duplicate keys (which JSON parsers otherwise silently merge) and any
//      nesting deeper than the format uses.
//   3. Each entry must have exactly dtype, shape and data_offsets, with a
//      known dtype, non-negative dimensions whose product does not overflow,
//      and offsets whose length equals the shape's byte size.
//   4. Sorted by offset, the entries must tile the data area exactly: no
//      overlap, no gap, nothing left over.
//   5. Only then is memory allocated (bounded by the file's size) and read.
// Writing builds the header with ordered_json (metadata first, then tensors
// in name order, fields as the reference implementation orders them), pads
// it with spaces to a multiple of 8 and streams header and data to an
// AtomicFileWriter.
//
//===----------------------------------------------------------------------===//
#include "runtime/Safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

namespace kiln::runtime {

namespace {

using Json = nlohmann::json;

struct DTypeEntry {
  DType dtype;
  const char *name;
};
constexpr DTypeEntry kDTypes[] = {
    {DType::F32, "F32"}, {DType::F64, "F64"}, {DType::F16, "F16"}, {DType::BF16, "BF16"},
    {DType::U8, "U8"},   {DType::I8, "I8"},   {DType::I32, "I32"}, {DType::I64, "I64"},
};

/// Strips nlohmann's "[json.exception.parse_error.101] " prefix.
std::string jsonErrorText(const std::exception &e) {
  std::string text = e.what();
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find("] ");
    if (close != std::string::npos)
      text = text.substr(close + 2);
  }
  return text;
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

/// Reads a JSON value that must be a non-negative integer not above `limit`.
bool getUnsigned(const Json &v, uint64_t limit, uint64_t &out) {
  if (!v.is_number_unsigned())
    return false;
  out = v.get<uint64_t>();
  return out <= limit;
}

Expected<Entry> parseEntry(const std::string &file, const std::string &name, const Json &v,
                           uint64_t dataSize) {
  std::string where = file + ": tensor '" + name + "'";
  if (name.empty())
    return makeError(file, ": a tensor has an empty name");
  if (!v.is_object())
    return makeError(where, ": entry is not a JSON object");
  for (auto it = v.begin(); it != v.end(); ++it)
    if (it.key() != "dtype" && it.key() != "shape" && it.key() != "data_offsets")
      return makeError(where, ": unexpected field '", it.key(), "'");
  Entry e;
  e.name = name;
  auto dtype = v.find("dtype");
  if (dtype == v.end() || !dtype->is_string())
    return makeError(where, ": missing or non-string 'dtype'");
  std::optional<DType> dt = parseSafetensorsDType(dtype->get<std::string>());
  if (!dt)
    return makeError(where, ": unsupported dtype '", dtype->get<std::string>(), "'");
  e.dtype = *dt;
  auto shape = v.find("shape");
  if (shape == v.end() || !shape->is_array())
    return makeError(where, ": missing or non-array 'shape'");
  for (const Json &d : *shape) {
    uint64_t dim;
    if (!getUnsigned(d, std::numeric_limits<int64_t>::max(), dim))
      return makeError(where, ": shape ", shape->dump(),
                       " has a dimension that is not a non-negative 64-bit integer");
    e.shape.push_back(static_cast<int64_t>(dim));
  }
  Expected<uint64_t> bytes = checkedByteSize(e.dtype, e.shape);
  if (!bytes)
    return bytes.status().withContext(where);
  auto offsets = v.find("data_offsets");
  if (offsets == v.end() || !offsets->is_array() || offsets->size() != 2)
    return makeError(where, ": 'data_offsets' must be an array [begin, end]");
  uint64_t limit = std::numeric_limits<uint64_t>::max();
  if (!getUnsigned((*offsets)[0], limit, e.begin) || !getUnsigned((*offsets)[1], limit, e.end))
    return makeError(where, ": data_offsets ", offsets->dump(),
                     " are not non-negative 64-bit integers");
  if (e.begin > e.end)
    return makeError(where, ": data_offsets ", offsets->dump(), " end before they begin");
  if (e.end > dataSize)
    return makeError(where, ": data_offsets ", offsets->dump(),
                     " reach beyond the data area of ", dataSize, " bytes (truncated file?)");
  if (e.end - e.begin != *bytes)
    return makeError(where, ": data_offsets ", offsets->dump(), " hold ", e.end - e.begin,
                     " bytes but shape ", shapeToString(e.shape), " of ",
                     safetensorsDTypeName(e.dtype), " needs ", *bytes);
  return e;
}

Expected<SafetensorsData> readImpl(const ByteSource &source) {
  const std::string &file = source.name();
  uint64_t size = source.size();
  if (size < 8)
    return makeError(file, ": not a safetensors file: it has ", size,
                     " bytes, fewer than the 8-byte header length");
  uint8_t lengthBytes[8];
  KILN_RETURN_IF_ERROR(source.read(0, lengthBytes, 8, "the header length"));
  uint64_t headerSize = loadLE64(lengthBytes);
  if (headerSize > kMaxSafetensorsHeader)
    return makeError(file, ": header length ", headerSize, " is absurdly large (the limit is ",
                     kMaxSafetensorsHeader, " bytes); not a safetensors file?");
  if (headerSize > size - 8)
    return makeError(file, ": header length ", headerSize, " runs past the end of the ", size,
                     "-byte file (truncated?)");
  std::string header(static_cast<size_t>(headerSize), '\0');
  KILN_RETURN_IF_ERROR(source.read(8, header.data(), header.size(), "the JSON header"));
  if (header.empty() || header[0] != '{')
    return makeError(file, ": the header does not start with a JSON object");

  // (2) Parse, catching duplicate keys and excess nesting in the callback.
  std::vector<std::set<std::string>> keyStack;
  std::string structureError;
  auto callback = [&](int depth, Json::parse_event_t event, Json &parsed) {
    switch (event) {
    case Json::parse_event_t::object_start:
    case Json::parse_event_t::array_start:
      if (depth >= 3) {
        if (structureError.empty())
          structureError = "the header nests JSON deeper than the format allows";
        return false;
      }
      if (event == Json::parse_event_t::object_start)
        keyStack.emplace_back();
      return true;
    case Json::parse_event_t::object_end:
      if (!keyStack.empty())
        keyStack.pop_back();
      return true;
    case Json::parse_event_t::key:
      if (!keyStack.empty() && parsed.is_string() &&
          !keyStack.back().insert(parsed.get<std::string>()).second &&
          structureError.empty())
        structureError = "duplicate key '" + parsed.get<std::string>() + "' in the header";
      return true;
    default:
      return true;
    }
  };
  Json root;
  try {
    root = Json::parse(header.begin(), header.end(), callback, /*allow_exceptions=*/true);
  } catch (const Json::exception &e) {
    return makeError(file, ": the header is not valid JSON: ", jsonErrorText(e));
  }
  if (!structureError.empty())
    return makeError(file, ": ", structureError);
  if (!root.is_object())
    return makeError(file, ": the header is not a JSON object");

  // (3) Entries.
  uint64_t dataStart = 8 + headerSize;
  uint64_t dataSize = size - dataStart;
  SafetensorsData result;
  std::vector<Entry> entries;
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object())
        return makeError(file, ": __metadata__ is not a JSON object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string())
          return makeError(file, ": __metadata__ value for '", m.key(), "' is not a string");
        result.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    Expected<Entry> e = parseEntry(file, it.key(), *it, dataSize);
    if (!e)
      return e.status();
    entries.push_back(e.take());
  }

  // (4) The entries must tile [0, dataSize) exactly.
  std::vector<const Entry *> order;
  for (const Entry &e : entries)
    order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Entry *a, const Entry *b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t next = 0;
  const Entry *previous = nullptr;
  for (const Entry *e : order) {
    if (e->begin < next)
      return makeError(file, ": tensor '", e->name, "' data [", e->begin, ", ", e->end,
                       ") overlaps tensor '", previous->name, "' data [", previous->begin,
                       ", ", previous->end, ")");
    if (e->begin > next)
      return makeError(file, ": ", e->begin - next, " bytes of the data area at offset ", next,
                       " belong to no tensor (before tensor '", e->name, "')");
    next = e->end;
    previous = e;
  }
  if (next != dataSize)
    return makeError(file, ": ", dataSize - next,
                     " bytes after the last tensor's data belong to no tensor");

  // (5) Allocate and read.
  for (const Entry &e : entries) {
    Expected<Tensor> t = Tensor::create(e.dtype, e.shape);
    if (!t)
      return t.status().withContext(file + ": tensor '" + e.name + "'");
    KILN_RETURN_IF_ERROR(source.read(dataStart + e.begin, t->bytes(), t->byteSize(),
                                     "tensor data"));
    result.tensors.emplace(e.name, t.take());
  }
  return result;
}

/// The padded JSON header of `data`.
Expected<std::string> buildHeader(const SafetensorsData &data) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!data.metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto &[key, value] : data.metadata)
      meta[key] = value;
    header["__metadata__"] = meta;
  }
  uint64_t offset = 0;
  for (const auto &[name, tensor] : data.tensors) {
    if (name.empty())
      return makeError("cannot write a tensor with an empty name to safetensors");
    if (name == "__metadata__")
      return makeError("cannot write a tensor named '__metadata__' to safetensors");
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    entry["dtype"] = safetensorsDTypeName(tensor.dtype());
    entry["shape"] = tensor.shape();
    entry["data_offsets"] = {offset, offset + tensor.byteSize()};
    offset += tensor.byteSize();
    header[name] = entry;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::ordered_json::exception &e) {
    return makeError("cannot write safetensors header (a name or metadata string is not "
                     "valid UTF-8?): ",
                     jsonErrorText(e));
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

} // namespace

const char *safetensorsDTypeName(DType dtype) {
  for (const DTypeEntry &e : kDTypes)
    if (e.dtype == dtype)
      return e.name;
  return "?";
}

std::optional<DType> parseSafetensorsDType(const std::string &name) {
  for (const DTypeEntry &e : kDTypes)
    if (name == e.name)
      return e.dtype;
  return std::nullopt;
}

Expected<SafetensorsData> readSafetensors(const ByteSource &source) {
  return readGuarded<SafetensorsData>(source, readImpl);
}

Expected<SafetensorsData> readSafetensors(const std::string &path) {
  return readFileGuarded<SafetensorsData>(path, readImpl);
}

Expected<std::vector<uint8_t>> serializeSafetensors(const SafetensorsData &data) {
  try {
    Expected<std::string> header = buildHeader(data);
    if (!header)
      return header.status();
    std::vector<uint8_t> bytes(8);
    storeLE64(bytes.data(), header->size());
    bytes.insert(bytes.end(), header->begin(), header->end());
    for (const auto &entry : data.tensors)
      bytes.insert(bytes.end(), entry.second.bytes(),
                   entry.second.bytes() + entry.second.byteSize());
    return bytes;
  } catch (const std::bad_alloc &) {
    return makeError("out of memory while serializing safetensors");
  }
}

Status writeSafetensors(const std::string &path, const SafetensorsData &data) {
  try {
    Expected<std::string> header = buildHeader(data);
    if (!header)
      return header.status().withContext(path);
    Expected<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::open(path);
    if (!writer)
      return writer.status();
    uint8_t length[8];
    storeLE64(length, header->size());
    KILN_RETURN_IF_ERROR((*writer)->write(length, 8));
    KILN_RETURN_IF_ERROR((*writer)->write(header->data(), header->size()));
    for (const auto &entry : data.tensors)
      KILN_RETURN_IF_ERROR((*writer)->write(entry.second.bytes(), entry.second.byteSize()));
    return (*writer)->commit();
  } catch (const std::bad_alloc &) {
    return makeError(path, ": out of memory while writing");
  }
}

} // namespace kiln::runtime
