#include "controller/apiserver/error_mapping.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "api_types/meta_status.h"
#include "api_types/meta_status_json.h"
#include "controller/apiserver/discovery.h"

namespace kiln {
namespace {

// Retry-After for a ResourcesExhausted error that carries no hint.
constexpr int64_t kDefaultRetryAfterSeconds = 1;

// Which identity of the object goes into details (apimachinery's errors
// package sets these per constructor).
enum class DetailsIdentity { kNone, kResource, kKind };

struct Row {
  int http;
  const char* reason;
  DetailsIdentity identity;
};

Row RowFor(StatusCode code, bool body_undecodable) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      if (body_undecodable) return {400, "BadRequest", DetailsIdentity::kNone};
      return {422, "Invalid", DetailsIdentity::kKind};
    case StatusCode::kNotFound:
      return {404, "NotFound", DetailsIdentity::kResource};
    case StatusCode::kAlreadyExists:
      return {409, "AlreadyExists", DetailsIdentity::kResource};
    case StatusCode::kAborted:
    case StatusCode::kFailedPrecondition:
      return {409, "Conflict", DetailsIdentity::kResource};
    case StatusCode::kResourcesExhausted:
      return {503, "ServiceUnavailable", DetailsIdentity::kResource};
    case StatusCode::kOutOfRange:
      return {410, "Expired", DetailsIdentity::kNone};
    case StatusCode::kUnavailable:
      return {503, "ServiceUnavailable", DetailsIdentity::kNone};
    case StatusCode::kUnauthenticated:
      return {401, "Unauthorized", DetailsIdentity::kNone};
    case StatusCode::kPermissionDenied:
      return {403, "Forbidden", DetailsIdentity::kResource};
    case StatusCode::kOk:
    case StatusCode::kInternal:
      break;
  }
  return {500, "InternalError", DetailsIdentity::kNone};
}

std::optional<int64_t> RetryAfter(const Status& status) {
  const ErrorDetails* details = status.details();
  if (details != nullptr && details->retry_after_seconds) {
    return details->retry_after_seconds;
  }
  if (status.code() == StatusCode::kResourcesExhausted) {
    return kDefaultRetryAfterSeconds;
  }
  return std::nullopt;
}

std::string MessageFor(const Status& status, const ErrorContext& ctx,
                       const Row& row, std::optional<int64_t> retry_after) {
  const std::string& message = status.message();
  switch (status.code()) {
    case StatusCode::kOk:
      return "Internal error occurred: an error response was requested for "
             "a successful operation";
    case StatusCode::kInternal:
      return "Internal error occurred: " + message;
    case StatusCode::kUnauthenticated:
      return message.empty() ? "Unauthorized" : message;
    case StatusCode::kResourcesExhausted:
      return message + "; retry after " + std::to_string(*retry_after) +
             " seconds";
    case StatusCode::kInvalidArgument:
      if (row.http == 422 && !ctx.kind.empty()) {
        std::string qualified = ctx.kind;
        if (!ctx.group.empty()) qualified += "." + ctx.group;
        return qualified + " \"" + ctx.name + "\" is invalid: " + message;
      }
      return message;
    default:
      return message;
  }
}

// "spec.resources.cpus: must be > 0" -> {field, message}; nullopt when the
// message does not start with a field path.
std::optional<StatusCause> FieldCause(const std::string& message) {
  const size_t colon = message.find(": ");
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  const std::string field = message.substr(0, colon);
  const bool path_like =
      std::isalpha(static_cast<unsigned char>(field[0])) &&
      std::all_of(field.begin(), field.end(), [](unsigned char c) {
        return std::isalnum(c) ||
               std::string_view("._-[]/").find(c) != std::string_view::npos;
      });
  if (!path_like) return std::nullopt;
  return StatusCause{"FieldValueInvalid", message.substr(colon + 2), field};
}

std::optional<StatusDetails> DetailsFor(const Status& status,
                                        const ErrorContext& ctx, const Row& row,
                                        std::optional<int64_t> retry_after) {
  StatusDetails details;
  if (row.identity != DetailsIdentity::kNone) {
    details.name = ctx.name;
    details.group = ctx.group;
    details.kind =
        row.identity == DetailsIdentity::kKind ? ctx.kind : ctx.resource;
  }
  if (const ErrorDetails* extra = status.details()) {
    for (const ErrorCause& cause : extra->causes) {
      details.causes.push_back({cause.reason, cause.message, cause.field});
    }
  }
  if (status.code() == StatusCode::kInternal && details.causes.empty()) {
    details.causes.push_back({"", status.message(), ""});
  }
  if (row.identity == DetailsIdentity::kKind && details.causes.empty()) {
    // kubectl prints an Invalid error from its causes ("The Build "x" is
    // invalid: * field: message"), or, without details, as "The request is
    // invalid: <message>": never leave it details without causes.
    std::optional<StatusCause> cause = FieldCause(status.message());
    if (!cause) return std::nullopt;
    details.causes.push_back(std::move(*cause));
  }
  details.retry_after_seconds = retry_after;
  if (details == StatusDetails{}) return std::nullopt;
  return details;
}

HttpError Failure(int code, std::string reason, std::string message) {
  MetaStatus status;
  status.status = "Failure";
  status.message = std::move(message);
  status.reason = std::move(reason);
  status.code = code;
  return {code, ToJson(status), {}};
}

std::string JoinComma(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

ErrorContext ErrorContextFor(const RequestInfo& info) {
  ErrorContext ctx;
  if (!info.is_resource_request) return ctx;
  ctx.resource = info.resource;
  ctx.group = info.api_group;
  ctx.name = info.name;
  if (const ApiResource* resource = FindApiResource(info.resource)) {
    ctx.kind = resource->kind;
  }
  return ctx;
}

HttpError MapError(const Status& status, const ErrorContext& ctx) {
  const Row row = RowFor(status.code(), ctx.body_undecodable);
  const std::optional<int64_t> retry_after = RetryAfter(status);
  MetaStatus meta;
  meta.status = "Failure";
  meta.message = MessageFor(status, ctx, row, retry_after);
  meta.reason = row.reason;
  meta.details = DetailsFor(status, ctx, row, retry_after);
  meta.code = row.http;
  HttpError error{row.http, ToJson(meta), {}};
  if (retry_after) {
    error.headers.emplace_back("Retry-After", std::to_string(*retry_after));
  }
  return error;
}

HttpError MethodNotAllowedError(std::string_view method, std::string_view path,
                                const std::vector<std::string>& allowed) {
  std::string message =
      std::string(method) + " is not supported on " + std::string(path) +
      "; allowed methods: " + (allowed.empty() ? "none" : JoinComma(allowed));
  HttpError error = Failure(405, "MethodNotAllowed", std::move(message));
  error.headers.emplace_back("Allow", JoinComma(allowed));
  return error;
}

HttpError NotAcceptableError(const std::vector<std::string>& producible) {
  return Failure(
      406, "NotAcceptable",
      "only the following media types are accepted: " + JoinComma(producible));
}

HttpError RequestEntityTooLargeError(size_t limit_bytes,
                                     std::string_view hint) {
  std::string message = "Request entity too large: limit is " +
                        std::to_string(limit_bytes) + " bytes";
  if (!hint.empty()) message += "; " + std::string(hint);
  return Failure(413, "RequestEntityTooLarge", std::move(message));
}

HttpError UnsupportedMediaTypeError(const std::vector<std::string>& accepted) {
  return Failure(415, "UnsupportedMediaType",
                 "the body of the request was in an unknown format - accepted "
                 "media types include: " +
                     JoinComma(accepted));
}

}  // namespace kiln
