// Helpers for the libFuzzer targets in tests/fuzz: a broken invariant
// prints what broke and aborts, which libFuzzer reports as a crash and saves
// the input as the reproducer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "api_types/status.h"
#include "api_types/utf8.h"

namespace kiln::fuzz {

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz check failed: %s\n", what.c_str());
  std::abort();
}

inline void Check(bool ok, const std::string& what) {
  if (!ok) Fail(what);
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// Splits `text` at the first `separator`: {before, after}; {text, ""} when
// there is none. Lets one input carry two values.
inline std::pair<std::string_view, std::string_view> SplitOnce(
    std::string_view text, char separator) {
  const size_t at = text.find(separator);
  if (at == std::string_view::npos) return {text, {}};
  return {text.substr(0, at), text.substr(at + 1)};
}

// A client error: `status` is OK, or `code` (InvalidArgument unless said)
// with a non-empty message. (Invalid UTF-8 in a message is allowed here: the
// API server replaces it when it writes the JSON response.)
inline void CheckClientError(const Status& status, std::string_view what,
                             StatusCode code = StatusCode::kInvalidArgument) {
  if (status.ok()) return;
  Check(status.code() == code && !status.message().empty(),
        std::string(what) + ": " + SanitizeForMessage(status.ToString(), 300));
}

template <typename T>
bool CheckClientError(const StatusOr<T>& result, std::string_view what,
                      StatusCode code = StatusCode::kInvalidArgument) {
  CheckClientError(result.status(), what, code);
  return result.ok();
}

}  // namespace kiln::fuzz
