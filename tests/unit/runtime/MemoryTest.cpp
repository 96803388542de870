//===- MemoryTest.cpp - Will it fit? --------------------------------------===//
//
// runtime/support/Memory.h: the figures of the "model needs ...; this
// machine has ..." refusal, and the machine's memory.
//
//===----------------------------------------------------------------------===//
#include "runtime/support/Memory.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace kiln;

TEST(Memory, FormatsBytesInBinaryUnits) {
  EXPECT_EQ(formatBytes(0), "0 B");
  EXPECT_EQ(formatBytes(512), "512 B");
  EXPECT_EQ(formatBytes(1536), "1.5 KB");
  EXPECT_EQ(formatBytes(23.0 * (1ull << 30)), "23 GB");
  EXPECT_EQ(formatBytes(4e15), "3.6 PB");
  EXPECT_EQ(formatBytes(40.0 * (1ull << 50)), "40 PB");
  EXPECT_EQ(formatBytes(1e30), "827181 YB");
}

TEST(Memory, ShortfallNamesBothFigures) {
  uint64_t machine = 23ull << 30;
  EXPECT_EQ(memoryShortfall(35.0 * (1ull << 50), "weights", machine),
            "model needs 35 PB of weights; this machine has 23 GB");
  EXPECT_EQ(memoryShortfall(1e9, "weights", machine), "");
  EXPECT_EQ(memoryShortfall(double(machine), "weights", machine), "");
  std::string huge = memoryShortfall(1e40, "activations for a batch of 32", machine);
  EXPECT_EQ(huge.rfind("model needs ", 0), 0u) << huge;
  EXPECT_NE(huge.find(" YB of activations for a batch of 32; this machine has 23 GB"),
            std::string::npos) << huge;
}

TEST(Memory, MachineMemoryIsPlausibleAndOverridable) {
  ::unsetenv("KILN_MEMORY_LIMIT");
  uint64_t m = machineMemoryBytes();
  EXPECT_GE(m, 64ull << 20);  // any machine that builds kiln
  ::setenv("KILN_MEMORY_LIMIT", "12345", 1);
  EXPECT_EQ(machineMemoryBytes(), 12345u);
  ::setenv("KILN_MEMORY_LIMIT", "bogus", 1);
  EXPECT_EQ(machineMemoryBytes(), m);
  ::unsetenv("KILN_MEMORY_LIMIT");
}
