// Status and StatusOr<T>: errors as values at every module boundary.
//
// Codes follow absl::StatusCode. The API server maps them to HTTP once, in one
// table (controller/apiserver). Value types: thread-compatible.
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace kiln {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kAborted,
  kFailedPrecondition,
  kResourcesExhausted,
  kOutOfRange,
  kUnavailable,
  kUnauthenticated,
  kPermissionDenied,
  kInternal,
};

// Structured detail an error may carry to its HTTP mapping (as absl::Status
// payloads): metav1 StatusCause entries and a retry hint.
struct ErrorCause {
  std::string reason;  // e.g. "FieldValueInvalid", "ResourcesExhausted"
  std::string message;
  std::string field;  // wire path, e.g. "spec.resources.cpus"; may be empty
  friend bool operator==(const ErrorCause&, const ErrorCause&) = default;
};
struct ErrorDetails {
  std::vector<ErrorCause> causes;
  std::optional<int64_t> retry_after_seconds;
  friend bool operator==(const ErrorDetails&, const ErrorDetails&) = default;
};

// Returns the canonical spelling of `code`, e.g. "InvalidArgument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "InvalidArgument: spec.resources.cpus: must be > 0", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "prefix: message" (no-op when OK).
  // Details are kept.
  Status WithPrefix(std::string_view prefix) const;

  // Returns a copy carrying `details` (no-op when OK).
  Status WithDetails(ErrorDetails details) const;
  // The attached details, or nullptr.
  const ErrorDetails* details() const { return details_.get(); }

  // Compares code and message (details are auxiliary).
  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::shared_ptr<const ErrorDetails> details_;
};

inline Status OkStatus() { return Status(); }
Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status AbortedError(std::string message);
Status FailedPreconditionError(std::string message);
Status ResourcesExhaustedError(std::string message);
Status OutOfRangeError(std::string message);
Status UnavailableError(std::string message);
Status UnauthenticatedError(std::string message);
Status PermissionDeniedError(std::string message);
Status InternalError(std::string message);

// Holds either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // REQUIRES: !status.ok().
  StatusOr(Status status) : value_(std::move(status)) {  // NOLINT: implicit
    assert(!std::get<Status>(value_).ok());
    if (std::get<Status>(value_).ok()) {
      value_ = Status(StatusCode::kInternal, "StatusOr built from OK status");
    }
  }
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit

  bool ok() const { return std::holds_alternative<T>(value_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(value_); }

  // REQUIRES: ok().
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> value_;
};

namespace internal {
inline Status AsStatus(const Status& s) { return s; }
template <typename T>
Status AsStatus(const StatusOr<T>& s) {
  return s.status();
}
}  // namespace internal

}  // namespace kiln

#define KILN_CONCAT_INNER(a, b) a##b
#define KILN_CONCAT(a, b) KILN_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)                                       \
  do {                                                              \
    ::kiln::Status kiln_status_ = ::kiln::internal::AsStatus(expr); \
    if (!kiln_status_.ok()) return kiln_status_;                    \
  } while (0)

// ASSIGN_OR_RETURN(auto x, Foo()): declares/assigns the value or returns the
// error from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(KILN_CONCAT(kiln_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
