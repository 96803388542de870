//===- HalideErrors.h - Halide runtime errors as messages -------*- C++ -*-===//
//
// Halide's runtime reports a kernel's errors (a buffer of the wrong size, a
// failed allocation) through an error handler; its default prints and may
// abort. kiln installs this handler in every kernel library it loads, so an
// error becomes part of the Status the executor returns instead.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_EXEC_HALIDEERRORS_H
#define KILN_RUNTIME_EXEC_HALIDEERRORS_H

#include <string>

namespace kiln::runtime {

/// The handler to give halide_set_error_handler: remembers the message.
extern "C" void kilnHalideErrorHandler(void *userContext, const char *message);

/// The last message Halide reported on this thread (cleared on read).
std::string takeLastHalideError();

/// Installs kilnHalideErrorHandler through a runtime's
/// halide_set_error_handler (found by the caller, e.g. with dlsym); does
/// nothing when `setter` is null.
void installHalideErrorHandler(void *setter);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_EXEC_HALIDEERRORS_H
