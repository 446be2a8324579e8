#include "cmd/kilnctl/api_error.h"

#include <cstdlib>

namespace kiln::kilnctl {

ApiError ParseApiError(const HttpResponse& response) {
  ApiError e;
  e.code = response.code;
  const nlohmann::json j =
      nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.value("kind", "") == "Status") {
    e.reason = j.value("reason", "");
    e.message = j.value("message", "");
    if (j.contains("details") && j["details"].is_object()) {
      const nlohmann::json& d = j["details"];
      if (d.contains("retryAfterSeconds") &&
          d["retryAfterSeconds"].is_number_integer()) {
        e.retry_after = d["retryAfterSeconds"].get<int64_t>();
      }
      if (d.contains("causes") && d["causes"].is_array())
        e.causes = d["causes"];
    }
  } else {
    std::string body = response.body.substr(0, 300);
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) {
      body.pop_back();
    }
    e.message = "HTTP " + std::to_string(response.code) +
                (body.empty() ? "" : ": " + body);
  }
  if (e.retry_after == 0) {
    const std::string h = response.Header("retry-after");
    if (!h.empty()) e.retry_after = std::atoll(h.c_str());
  }
  if (e.reason.empty()) {
    switch (e.code) {
      case 400:
        e.reason = "BadRequest";
        break;
      case 401:
        e.reason = "Unauthorized";
        break;
      case 403:
        e.reason = "Forbidden";
        break;
      case 404:
        e.reason = "NotFound";
        break;
      case 409:
        e.reason = "Conflict";
        break;
      case 422:
        e.reason = "Invalid";
        break;
      case 503:
        e.reason = "ServiceUnavailable";
        break;
      default:
        e.reason = "HTTP" + std::to_string(e.code);
    }
  }
  return e;
}

std::string ApiError::Text() const {
  std::string out = "Error from server (" + reason + "): " + message;
  if (code == 401) {
    out +=
        "\n  the server does not accept the credentials: check the token in "
        "your kubeconfig (kilnd writes DATA_DIR/kubeconfig) or --token";
  } else if (code == 403) {
    out += "\n  this user may not do that; use an admin token";
  } else if (code == 503 && retry_after > 0) {
    out += "\n  nothing was created; try again in " +
           std::to_string(retry_after) +
           "s (kilnctl build --retry waits and "
           "retries)";
  }
  return out;
}

Status ResponseStatus(const HttpResponse& response) {
  if (response.code >= 200 && response.code < 300) return OkStatus();
  const ApiError e = ParseApiError(response);
  switch (e.code) {
    case 404:
      return NotFoundError(e.Text());
    case 409:
      return AbortedError(e.Text());
    case 400:
    case 422:
      return InvalidArgumentError(e.Text());
    case 401:
      return UnauthenticatedError(e.Text());
    case 403:
      return PermissionDeniedError(e.Text());
    case 503:
      return ResourcesExhaustedError(e.Text());
    default:
      return UnavailableError(e.Text());
  }
}

}  // namespace kiln::kilnctl
