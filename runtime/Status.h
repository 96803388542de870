//===- Status.h - Error values for the runtime ------------------*- C++ -*-===//
//
// The runtime reports every failure as a value, never as an exception or an
// abort: a Status is success or an error message, and an Expected<T> is a T
// or an error Status. Both are [[nodiscard]]. Messages are complete sentences
// for the user that name the file and what is wrong with it, e.g.
// "weights.safetensors: tensor 'conv2d/kernel': data_offsets [0, 12] hold 12
// bytes but shape [3, 3] of F32 needs 36". makeError() builds one from parts.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_STATUS_H
#define KILN_RUNTIME_STATUS_H

#include <cassert>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

namespace kiln::runtime {

/// Success, or a failure with a message for the user.
class [[nodiscard]] Status {
public:
  /// Success.
  Status() = default;

  /// A success value, spelled out.
  static Status success() { return Status(); }

  /// A failure with the given message (which must not be empty).
  static Status failure(std::string message) {
    Status s;
    s.Failed = true;
    s.Message = message.empty() ? std::string("unknown error") : std::move(message);
    return s;
  }

  /// True on success.
  bool ok() const { return !Failed; }

  /// The message of a failure; empty on success.
  const std::string &message() const { return Message; }

  /// This failure with `prefix + ": "` put before its message; success stays
  /// success.
  Status withContext(const std::string &prefix) const {
    if (ok())
      return *this;
    return failure(prefix + ": " + Message);
  }

private:
  bool Failed = false;
  std::string Message;
};

/// A failure whose message is the concatenation of `parts` (anything that
/// streams into std::ostream).
template <typename... Parts> Status makeError(const Parts &...parts) {
  std::ostringstream os;
  (os << ... << parts);
  return Status::failure(os.str());
}

/// A value of type T, or the Status that says why there is none.
template <typename T> class [[nodiscard]] Expected {
public:
  /// Holds a value.
  Expected(T value) : Value(std::move(value)) {}

  /// Holds a failure; `error` must not be success.
  Expected(Status error) : Error(std::move(error)) {
    assert(!Error.ok() && "an Expected built from a Status must hold a failure");
    if (Error.ok())
      Error = Status::failure("internal error: Expected built from success");
  }

  /// True when a value is held.
  bool ok() const { return Value.has_value(); }
  explicit operator bool() const { return ok(); }

  /// The failure (success when a value is held).
  const Status &status() const { return Error; }

  /// The failure's message (empty when a value is held).
  const std::string &message() const { return Error.message(); }

  /// The held value; only valid when ok().
  T &value() & {
    assert(ok());
    return *Value;
  }
  const T &value() const & {
    assert(ok());
    return *Value;
  }
  T &&value() && {
    assert(ok());
    return std::move(*Value);
  }
  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }

  /// Moves the value out; only valid when ok().
  T take() {
    assert(ok());
    return std::move(*Value);
  }

private:
  std::optional<T> Value;
  Status Error;
};

} // namespace kiln::runtime

/// Returns the Status of `expr` from the enclosing function if it failed.
#define KILN_RETURN_IF_ERROR(expr)                                             \
  do {                                                                         \
    ::kiln::runtime::Status kilnStatus_ = (expr);                              \
    if (!kilnStatus_.ok())                                                     \
      return kilnStatus_;                                                      \
  } while (false)

#endif // KILN_RUNTIME_STATUS_H
