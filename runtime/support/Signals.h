//===- Signals.h - Write errors as errors, not deaths -----------*- C++ -*-===//
//
// A process that writes past its file-size limit (`ulimit -f`, a quota) gets
// SIGXFSZ, whose default action kills it mid-write: no message, and the
// temporary file of an atomic write left behind. kiln and compiled
// executables ignore the signal at startup, so write() fails with EFBIG
// and the writer reports it and removes its temporary file, as it does for a
// full disk (ENOSPC).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_SUPPORT_SIGNALS_H
#define KILN_RUNTIME_SUPPORT_SIGNALS_H

#include <csignal>

namespace kiln {

/// Makes an exceeded file-size limit a write error (EFBIG).
inline void reportFileSizeLimitAsError() { std::signal(SIGXFSZ, SIG_IGN); }

} // namespace kiln

#endif // KILN_RUNTIME_SUPPORT_SIGNALS_H
