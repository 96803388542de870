//===- Npy.cpp - Reading and writing NumPy .npy files ---------------------===//
//
// Reading a .npy file:
//   1. Check the magic and version, and that the header length leaves room
//      in the file and is at most kMaxNpyHeader.
//   2. Parse the header with a small recursive-descent parser for the Python
//      literals NumPy writes (a dict of str keys; str, True/False/None, int
//      and tuple-of-int values). It accepts any whitespace and trailing
//      commas, as Python's ast.literal_eval would, and nothing else.
//   3. Require exactly descr, fortran_order and shape; map descr to a dtype;
//      check the shape's byte size against the bytes that follow the header,
//      which must match exactly.
// The writer emits NumPy's own layout (sorted keys, 21 spare spaces of
// growth room, padding to 64 bytes, newline) so that files compare
// byte-for-byte with numpy.save's.
//
//===----------------------------------------------------------------------===//
#include "runtime/Npy.h"

#include <cstring>
#include <limits>
#include <map>

namespace kiln::runtime {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

struct DescrEntry {
  const char *descr;
  DType dtype;
};
// The first entry for a dtype is what the writer uses.
constexpr DescrEntry kDescrs[] = {
    {"<f4", DType::F32}, {"<f8", DType::F64}, {"<f2", DType::F16}, {"|u1", DType::U8},
    {"<u1", DType::U8},  {"|i1", DType::I8},  {"<i1", DType::I8},  {"<i4", DType::I32},
    {"<i8", DType::I64},
};

/// A value of the header dict.
struct PyValue {
  enum class Kind { Str, Bool, None, Int, Tuple } kind = Kind::None;
  std::string str;
  bool boolean = false;
  int64_t integer = 0;
  std::vector<int64_t> tuple;
};

/// (2) The header parser. Every method returns false and sets Error on
/// failure.
class HeaderParser {
public:
  explicit HeaderParser(const std::string &text) : Text(text) {}

  bool parseDict(std::map<std::string, PyValue> &out) {
    skipSpace();
    if (!expect('{'))
      return false;
    while (true) {
      skipSpace();
      if (peek() == '}') {
        ++Pos;
        break;
      }
      std::string key;
      if (!parseString(key))
        return false;
      skipSpace();
      if (!expect(':'))
        return false;
      PyValue value;
      if (!parseValue(value))
        return false;
      if (!out.emplace(key, value).second)
        return fail("duplicate key '" + key + "'");
      skipSpace();
      if (peek() == ',') {
        ++Pos;
        continue;
      }
      skipSpace();
      if (!expect('}'))
        return false;
      break;
    }
    skipSpace();
    if (Pos != Text.size())
      return fail("unexpected text after the dict");
    return true;
  }

  const std::string &error() const { return Error; }

private:
  char peek() const { return Pos < Text.size() ? Text[Pos] : '\0'; }
  void skipSpace() {
    while (Pos < Text.size() && (Text[Pos] == ' ' || Text[Pos] == '\t' || Text[Pos] == '\n' ||
                                 Text[Pos] == '\r'))
      ++Pos;
  }
  bool fail(const std::string &message) {
    if (Error.empty())
      Error = message + " at header offset " + std::to_string(Pos);
    return false;
  }
  bool expect(char c) {
    if (peek() != c)
      return fail(std::string("expected '") + c + "'");
    ++Pos;
    return true;
  }
  bool parseString(std::string &out) {
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return fail("expected a quoted string");
    ++Pos;
    while (Pos < Text.size() && Text[Pos] != quote) {
      if (Text[Pos] == '\\')
        return fail("escape sequences are not supported in header strings");
      out += Text[Pos++];
    }
    if (Pos >= Text.size())
      return fail("unterminated string");
    ++Pos;
    return true;
  }
  bool parseInt(int64_t &out) {
    size_t start = Pos;
    uint64_t v = 0;
    while (Pos < Text.size() && Text[Pos] >= '0' && Text[Pos] <= '9') {
      uint64_t digit = static_cast<uint64_t>(Text[Pos] - '0');
      if (v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - digit) / 10)
        return fail("integer too large");
      v = v * 10 + digit;
      ++Pos;
    }
    if (Pos == start)
      return fail("expected a non-negative integer");
    if (peek() == 'L') // Python 2 longs.
      ++Pos;
    out = static_cast<int64_t>(v);
    return true;
  }
  bool parseWord(const char *word) {
    size_t n = std::strlen(word);
    if (Text.compare(Pos, n, word) != 0)
      return false;
    Pos += n;
    return true;
  }
  bool parseValue(PyValue &out) {
    skipSpace();
    char c = peek();
    if (c == '\'' || c == '"') {
      out.kind = PyValue::Kind::Str;
      return parseString(out.str);
    }
    if (c == '(') {
      ++Pos;
      out.kind = PyValue::Kind::Tuple;
      skipSpace();
      if (peek() == ')') {
        ++Pos;
        return true;
      }
      bool sawComma = false;
      while (true) {
        skipSpace();
        int64_t v;
        if (!parseInt(v))
          return false;
        out.tuple.push_back(v);
        if (out.tuple.size() > 64)
          return fail("more than 64 dimensions");
        skipSpace();
        if (peek() == ',') {
          ++Pos;
          sawComma = true;
          skipSpace();
          if (peek() == ')') {
            ++Pos;
            return true;
          }
          continue;
        }
        if (!expect(')'))
          return false;
        // "(5)" is an int in Python, not a tuple.
        if (out.tuple.size() == 1 && !sawComma)
          return fail("a one-element shape needs a trailing comma");
        return true;
      }
    }
    if (c >= '0' && c <= '9') {
      out.kind = PyValue::Kind::Int;
      return parseInt(out.integer);
    }
    if (parseWord("True")) {
      out.kind = PyValue::Kind::Bool;
      out.boolean = true;
      return true;
    }
    if (parseWord("False")) {
      out.kind = PyValue::Kind::Bool;
      out.boolean = false;
      return true;
    }
    if (parseWord("None")) {
      out.kind = PyValue::Kind::None;
      return true;
    }
    if (c == '[' || c == '{')
      return fail("nested lists and dicts are not supported (a structured dtype?)");
    return fail("unexpected character in the header");
  }

  const std::string &Text;
  size_t Pos = 0;
  std::string Error;
};

Expected<Tensor> readImpl(const ByteSource &source) {
  const std::string &file = source.name();
  uint64_t size = source.size();
  // (1) Magic, version, header length.
  if (size < 10)
    return makeError(file, ": not a .npy file: it has only ", size, " bytes");
  uint8_t pre[12];
  KILN_RETURN_IF_ERROR(source.read(0, pre, 8, "the magic and version"));
  if (std::memcmp(pre, kMagic, kMagicLen) != 0)
    return makeError(file, ": not a .npy file (the magic \\x93NUMPY is missing)");
  int major = pre[6], minor = pre[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    return makeError(file, ": unsupported .npy version ", major, ".", minor,
                     " (1.0, 2.0 and 3.0 are supported)");
  uint64_t headerSize, headerStart;
  if (major == 1) {
    KILN_RETURN_IF_ERROR(source.read(8, pre + 8, 2, "the header length"));
    headerSize = loadLE16(pre + 8);
    headerStart = 10;
  } else {
    KILN_RETURN_IF_ERROR(source.read(8, pre + 8, 4, "the header length"));
    headerSize = loadLE32(pre + 8);
    headerStart = 12;
  }
  if (headerSize > kMaxNpyHeader)
    return makeError(file, ": header length ", headerSize, " is absurdly large (the limit is ",
                     kMaxNpyHeader, ")");
  if (headerSize > size - headerStart)
    return makeError(file, ": header length ", headerSize, " runs past the end of the ", size,
                     "-byte file (truncated?)");
  std::string header(static_cast<size_t>(headerSize), '\0');
  KILN_RETURN_IF_ERROR(source.read(headerStart, header.data(), header.size(), "the header"));
  if (major < 3)
    for (char c : header)
      if (static_cast<unsigned char>(c) >= 0x80)
        return makeError(file, ": the header of a version ", major,
                         ".0 file must be ASCII (version 3.0 allows UTF-8)");

  // (2) Parse.
  std::map<std::string, PyValue> dict;
  HeaderParser parser(header);
  if (!parser.parseDict(dict))
    return makeError(file, ": malformed header: ", parser.error());

  // (3) Keys and values.
  for (const auto &entry : dict)
    if (entry.first != "descr" && entry.first != "fortran_order" && entry.first != "shape")
      return makeError(file, ": unexpected header key '", entry.first, "'");
  auto descr = dict.find("descr"), fortran = dict.find("fortran_order"),
       shapeIt = dict.find("shape");
  if (descr == dict.end() || fortran == dict.end() || shapeIt == dict.end())
    return makeError(file, ": the header must have the keys 'descr', 'fortran_order' and "
                           "'shape'");
  if (descr->second.kind != PyValue::Kind::Str)
    return makeError(file, ": 'descr' is not a string (structured dtypes are not supported)");
  if (fortran->second.kind != PyValue::Kind::Bool)
    return makeError(file, ": 'fortran_order' is not True or False");
  if (fortran->second.boolean)
    return makeError(file, ": the array is in Fortran order; kiln reads C-order arrays only "
                           "(save it with numpy.ascontiguousarray)");
  if (shapeIt->second.kind != PyValue::Kind::Tuple)
    return makeError(file, ": 'shape' is not a tuple of integers");
  const std::string &d = descr->second.str;
  std::optional<DType> dtype;
  for (const DescrEntry &e : kDescrs)
    if (d == e.descr)
      dtype = e.dtype;
  if (!dtype) {
    if (!d.empty() && d[0] == '>')
      return makeError(file, ": big-endian dtype '", d, "' is not supported");
    return makeError(file, ": unsupported dtype '", d,
                     "' (kiln reads <f4 <f8 <f2 |u1 |i1 <i4 <i8)");
  }
  Shape shape(shapeIt->second.tuple.begin(), shapeIt->second.tuple.end());
  Expected<uint64_t> bytes = checkedByteSize(*dtype, shape);
  if (!bytes)
    return bytes.status().withContext(file);
  uint64_t dataStart = headerStart + headerSize;
  uint64_t available = size - dataStart;
  if (available < *bytes)
    return makeError(file, ": truncated: shape ", shapeToString(shape), " of '", d, "' needs ",
                     *bytes, " bytes of data but the file has ", available);
  if (available > *bytes)
    return makeError(file, ": ", available - *bytes, " unexpected bytes after the ", *bytes,
                     " bytes of data for shape ", shapeToString(shape));
  Expected<Tensor> tensor = Tensor::create(*dtype, shape);
  if (!tensor)
    return tensor.status().withContext(file);
  KILN_RETURN_IF_ERROR(source.read(dataStart, tensor->bytes(), tensor->byteSize(), "the data"));
  return tensor;
}

/// NumPy's header text for `tensor`, before padding.
std::string headerText(const char *descr, const Shape &shape) {
  std::string shapeText = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      shapeText += ", ";
    shapeText += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    shapeText += ",";
  shapeText += ")";
  std::string text = std::string("{'descr': '") + descr +
                     "', 'fortran_order': False, 'shape': " + shapeText + ", }";
  // numpy >= 1.24 leaves room to grow the first dimension in place:
  // 21 (GROWTH_AXIS_MAX_DIGITS) minus the digits it already has.
  if (!shape.empty()) {
    size_t digits = std::to_string(shape[0]).size();
    if (digits < 21)
      text.append(21 - digits, ' ');
  }
  return text;
}

} // namespace

const char *npyDescr(DType dtype) {
  for (const DescrEntry &e : kDescrs)
    if (e.dtype == dtype)
      return e.descr;
  return nullptr;
}

Expected<Tensor> readNpy(const ByteSource &source) {
  return readGuarded<Tensor>(source, readImpl);
}

Expected<Tensor> readNpy(const std::string &path) {
  return readFileGuarded<Tensor>(path, readImpl);
}

Expected<std::vector<uint8_t>> serializeNpy(const Tensor &tensor) {
  const char *descr = npyDescr(tensor.dtype());
  if (!descr)
    return makeError("cannot write ", tensor.describe(), " to .npy: NumPy has no ",
                     dtypeName(tensor.dtype()), " dtype");
  std::string text = headerText(descr, tensor.shape());
  // Header = text + spaces + '\n', padded so that the data starts at a
  // multiple of 64 (NumPy always adds at least one space).
  bool v2 = false;
  size_t total = 10 + text.size() + 1;
  size_t pad = 64 - total % 64;
  if (text.size() + 1 + pad > 0xFFFF) {
    v2 = true;
    total = 12 + text.size() + 1;
    pad = 64 - total % 64;
  }
  text.append(pad, ' ');
  text += '\n';
  std::vector<uint8_t> bytes(kMagic, kMagic + kMagicLen);
  bytes.push_back(v2 ? 2 : 1);
  bytes.push_back(0);
  if (v2) {
    bytes.resize(12);
    storeLE32(bytes.data() + 8, static_cast<uint32_t>(text.size()));
  } else {
    bytes.resize(10);
    storeLE16(bytes.data() + 8, static_cast<uint16_t>(text.size()));
  }
  bytes.insert(bytes.end(), text.begin(), text.end());
  bytes.insert(bytes.end(), tensor.bytes(), tensor.bytes() + tensor.byteSize());
  return bytes;
}

Status writeNpy(const std::string &path, const Tensor &tensor) {
  Expected<std::vector<uint8_t>> bytes = serializeNpy(tensor);
  if (!bytes)
    return bytes.status().withContext(path);
  return writeFileAtomic(path, bytes->data(), bytes->size());
}

} // namespace kiln::runtime
