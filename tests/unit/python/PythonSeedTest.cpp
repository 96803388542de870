#include "frontend/Frontends.h"
#include <gtest/gtest.h>
#include "llvm/Support/MemoryBuffer.h"
using namespace kiln::frontend;
TEST(PythonSeed, Dump) {
  llvm::SourceMgr sm;
  auto buf = llvm::MemoryBuffer::getFile(KILN_SOURCE_DIR "/examples/mnist_convnet.py");
  ASSERT_TRUE(bool(buf));
  unsigned id = sm.AddNewSourceBuffer(std::move(*buf), llvm::SMLoc());
  auto spec = parsePythonModel(sm, id, llvm::errs());
  ASSERT_TRUE(spec.has_value());
  for (auto &l : spec->layers) {
    llvm::errs() << l.name << " " << l.className;
    for (auto &a : l.args) llvm::errs() << " " << a.str();
    for (auto &a : l.kwargs) llvm::errs() << " " << a.first << "=" << a.second.str();
    for (auto &i : l.inputs) llvm::errs() << " <-" << i.layer;
    llvm::errs() << "\n";
  }
}
