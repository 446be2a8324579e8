// metav1.Status: the body of every API error response.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct StatusCause {
  std::string reason;  // e.g. "FieldValueInvalid", "ResourcesExhausted"
  std::string message;
  std::string field;  // e.g. "spec.resources.cpus"
  friend bool operator==(const StatusCause&, const StatusCause&) = default;
};

struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;
  std::string uid;
  std::vector<StatusCause> causes;
  std::optional<int64_t> retry_after_seconds;
  friend bool operator==(const StatusDetails&, const StatusDetails&) = default;
};

struct MetaStatus {
  std::string status;  // "Success" | "Failure"
  std::string message;
  std::string reason;  // e.g. "NotFound", "Conflict", "Invalid"
  std::optional<StatusDetails> details;
  int32_t code = 0;  // HTTP status code
  friend bool operator==(const MetaStatus&, const MetaStatus&) = default;
};

}  // namespace kiln
