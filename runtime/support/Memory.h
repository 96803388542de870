//===- Memory.h - Will it fit? ----------------------------------*- C++ -*-===//
//
// A model whose weights or activations cannot fit in this machine's memory
// is refused before anything is allocated, with both figures:
// "model needs 3.6 PB of weights; this machine has 23 GB". Without the
// check, a 4 EB weight tensor fails inside the allocator (or, with
// overcommit, much later, in the kernel's OOM killer). The machine's memory
// is its physical memory, or the cgroup's limit when lower (a container).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_SUPPORT_MEMORY_H
#define KILN_RUNTIME_SUPPORT_MEMORY_H

#include <cstdint>
#include <string>

namespace kiln {

/// Bytes this process may use at most: physical memory, or the cgroup
/// (v2 memory.max, v1 memory.limit_in_bytes) limit when lower.
/// KILN_MEMORY_LIMIT (bytes) overrides it, for tests.
uint64_t machineMemoryBytes();

/// "23 GB", "3.6 PB", "512 B": binary units (1 KB = 1024 B), as Keras's
/// summary prints sizes; two significant digits below 10.
std::string formatBytes(double bytes);

/// "" when `bytes` of `what` ("weights", "activations for a batch of 32")
/// fit in `available` bytes, else "model needs 3.6 PB of weights; this
/// machine has 23 GB". `bytes` is a double so that sums never overflow.
std::string memoryShortfall(double bytes, const std::string &what,
                            uint64_t available = machineMemoryBytes());

} // namespace kiln

#endif // KILN_RUNTIME_SUPPORT_MEMORY_H
