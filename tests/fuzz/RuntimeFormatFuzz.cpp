//===- RuntimeFormatFuzz.cpp - Fuzz target: safetensors, .npy, IDX -------===//
//
// One source for three targets, built with KILN_FUZZ_FORMAT 1 (safetensors),
// 2 (.npy) or 3 (IDX, plain or gzip): each input is read from memory through
// the reader's ByteSource entry point, the one the path overload calls after
// opening the file. What reads is written back and read again: the writer
// must accept whatever the reader returns, and the bytes must read the same.
//
//===----------------------------------------------------------------------===//
#include "runtime/Idx.h"
#include "runtime/Npy.h"
#include "runtime/Safetensors.h"

#include <cstdio>
#include <cstdlib>

using namespace kiln::runtime;

#ifndef KILN_FUZZ_FORMAT
#error "build with -DKILN_FUZZ_FORMAT=1 (safetensors), 2 (npy) or 3 (idx)"
#endif

namespace {

[[noreturn]] void fail(const char *what, const std::string &message) {
  std::fprintf(stderr, "kiln fuzz: %s: %s\n", what, message.c_str());
  std::abort();
}

bool sameTensor(const Tensor &a, const Tensor &b) { return a.identical(b); }

/// serialize(read(input)) must read back to the same tensor.
template <typename Serialize, typename Read>
void roundTrip(const Tensor &t, Serialize serialize, Read read) {
  auto bytes = serialize(t);
  if (!bytes.ok())
    return; // a dtype or shape the format cannot write (IDX: 2^32 dims)
  auto source = makeMemorySource(bytes->data(), bytes->size(), "round-trip");
  auto again = read(*source);
  if (!again.ok())
    fail("the written file does not read back", again.status().message());
  if (!sameTensor(t, *again))
    fail("round trip", "the tensor read back differs");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto source = makeMemorySource(data, size, "fuzz");
#if KILN_FUZZ_FORMAT == 1
  Expected<SafetensorsData> st = readSafetensors(*source);
  if (!st.ok())
    return 0;
  auto bytes = serializeSafetensors(*st);
  if (!bytes.ok())
    fail("serializing what was read", bytes.status().message());
  auto again = readSafetensors(*makeMemorySource(bytes->data(), bytes->size(), "rt"));
  if (!again.ok())
    fail("the written file does not read back", again.status().message());
  if (again->metadata != st->metadata || again->tensors.size() != st->tensors.size())
    fail("round trip", "metadata or tensor names differ");
  for (const auto &[name, t] : st->tensors)
    if (!again->tensors.count(name) || !sameTensor(t, again->tensors.at(name)))
      fail("round trip", "tensor '" + name + "' differs");
#elif KILN_FUZZ_FORMAT == 2
  Expected<Tensor> t = readNpy(*source);
  if (t.ok())
    roundTrip(*t, serializeNpy,
              [](const ByteSource &s) { return readNpy(s); });
#elif KILN_FUZZ_FORMAT == 3
  Expected<Tensor> t = readIdx(*source);
  if (t.ok())
    for (bool gzip : {false, true})
      roundTrip(*t, [&](const Tensor &x) { return serializeIdx(x, gzip); },
                [](const ByteSource &s) { return readIdx(s); });
#else
#error "unknown KILN_FUZZ_FORMAT"
#endif
  return 0;
}
