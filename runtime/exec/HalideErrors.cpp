//===- HalideErrors.cpp - Halide runtime errors as messages ---------------===//
#include "runtime/exec/HalideErrors.h"

#include <mutex>

namespace kiln::runtime {

namespace {
std::mutex mu;
std::string last;
} // namespace

extern "C" void kilnHalideErrorHandler(void *, const char *message) {
  std::lock_guard<std::mutex> lock(mu);
  last = message ? message : "";
  while (!last.empty() && (last.back() == '\n' || last.back() == ' '))
    last.pop_back();
}

std::string takeLastHalideError() {
  std::lock_guard<std::mutex> lock(mu);
  std::string m;
  m.swap(last);
  return m;
}

void installHalideErrorHandler(void *setter) {
  using Handler = void (*)(void *, const char *);
  using Setter = Handler (*)(Handler);
  if (setter)
    reinterpret_cast<Setter>(setter)(kilnHalideErrorHandler);
}

} // namespace kiln::runtime
