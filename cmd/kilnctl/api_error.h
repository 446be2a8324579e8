// Turning a non-2xx response of kilnd into what a person reads. kilnd
// answers errors with a metav1 Status (reason, message, details.causes,
// details.retryAfterSeconds); this keeps its message and adds what to do.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "cmd/kilnctl/api_client.h"

namespace kiln::kilnctl {

struct ApiError {
  int code = 0;             // HTTP status
  std::string reason;       // metav1 reason, e.g. "NotFound"
  std::string message;      // the server's message
  int64_t retry_after = 0;  // seconds (503), 0 when not given
  nlohmann::json causes = nlohmann::json::array();  // details.causes
  // "Error from server (Reason): message" plus a hint line for 401/403/503.
  std::string Text() const;
  // ResourcesExhausted admission refusal (503 with a retry hint).
  bool rejected() const { return code == 503; }
};

ApiError ParseApiError(const HttpResponse& response);

// OK for 2xx; otherwise Unavailable/NotFound/... carrying ApiError::Text().
Status ResponseStatus(const HttpResponse& response);

}  // namespace kiln::kilnctl
