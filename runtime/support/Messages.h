//===- Messages.h - Messages that fit on a screen ---------------*- C++ -*-===//
//
// Any message kiln prints may quote the user's input (a tensor name from a
// safetensors header, a layer name, a string from a script), which can be a
// megabyte long. shortenMessage bounds it: every error fits on a screen.
// Dependency-free, so that the frontends, the tools and compiled executables
// all use it.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_SUPPORT_MESSAGES_H
#define KILN_RUNTIME_SUPPORT_MESSAGES_H

#include <cstddef>
#include <string>

namespace kiln {

/// The longest message printed as it is; longer ones are cut in the middle.
constexpr size_t kMaxMessageChars = 600;
/// The longest single line of a message (an op printed in a note, a user's
/// string quoted back).
constexpr size_t kMaxMessageLineChars = 300;
/// Lines of a message kept (the first ones, then "... (N more lines)").
constexpr size_t kMaxMessageLines = 12;

/// `msg` shortened to fit on a screen: at most kMaxMessageLines lines, each
/// at most kMaxMessageLineChars characters, kMaxMessageChars in all, with
/// "..." where something was left out (beginning and end kept, UTF-8
/// sequences never cut).
std::string shortenMessage(const std::string &msg);

} // namespace kiln

#endif // KILN_RUNTIME_SUPPORT_MESSAGES_H
