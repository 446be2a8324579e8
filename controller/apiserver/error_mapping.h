// The one table from Status to HTTP (docs/design.md "Error mapping"): every
// error response of the API server is built here, as a metav1 Status body with
// the code, reason and details kube-apiserver would give, so kubectl prints
// "Error from server (<reason>): <message>" and client-go's retry and
// IsNotFound/IsConflict/... logic work unchanged.
//
//   Status code          HTTP  reason              details.kind
//   InvalidArgument      422   Invalid             kind ("Build")
//     body_undecodable   400   BadRequest          -
//   NotFound             404   NotFound            resource ("builds")
//   AlreadyExists        409   AlreadyExists       resource
//   Aborted              409   Conflict            resource
//   FailedPrecondition   409   Conflict            resource
//   ResourcesExhausted   503   ServiceUnavailable  resource, + Retry-After
//   OutOfRange           410   Expired             -
//   Unavailable          503   ServiceUnavailable  -
//   Unauthenticated      401   Unauthorized        -
//   PermissionDenied     403   Forbidden           resource
//   Internal (and OK)    500   InternalError       -, cause = message
//
// Any error whose ErrorDetails carry retry_after_seconds gets a Retry-After
// header and details.retryAfterSeconds (kube-apiserver does the same). Note
// that client-go retries a request answered 5xx/429 with Retry-After, up to
// 10 times, sleeping Retry-After seconds between tries: kubectl shows a 503
// only after that.
//
// Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_types/status.h"
#include "controller/apiserver/request_info.h"

namespace kiln {

// An error response: status code, metav1 Status body, extra headers.
struct HttpError {
  int code = 500;
  nlohmann::json body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// What the failed request addressed; fills details and the Invalid message.
struct ErrorContext {
  std::string resource;  // "builds"; details.kind of most errors
  std::string kind;      // "Build"; details.kind and message of Invalid
  std::string group;     // "kiln.dev"
  std::string name;      // the object's name, "" for collections
  // The request itself could not be decoded (malformed JSON/YAML, bad
  // query parameter, unknown field under fieldValidation=Strict):
  // InvalidArgument becomes 400 BadRequest instead of 422 Invalid.
  bool body_undecodable = false;
};

// The context of a request as ParseRequestInfo parsed it: resource, kind and
// group of kiln.dev resources, and the name from the path. Empty for
// non-resource requests.
ErrorContext ErrorContextFor(const RequestInfo& info);

// Maps `status` per the table above. The message is the status message,
// except Invalid (`Build.kiln.dev "x" is invalid: <message>`), Internal
// (`Internal error occurred: <message>`), ResourcesExhausted (`<message>;
// retry after N seconds`) and Unauthenticated with an empty message
// ("Unauthorized"). details.causes come from status.details(). An Invalid
// error without causes gets one parsed from a "field: message" message, or
// no details at all: kubectl prints Invalid errors from their causes alone.
// REQUIRES: !status.ok() (an OK status maps to a 500 saying so).
HttpError MapError(const Status& status, const ErrorContext& ctx);

// 405 MethodNotAllowed: `<method> is not supported on <path>`, with the
// `allowed` methods in the message and the Allow header.
HttpError MethodNotAllowedError(std::string_view method, std::string_view path,
                                const std::vector<std::string>& allowed);

// 406 NotAcceptable: "only the following media types are accepted: <list>".
HttpError NotAcceptableError(const std::vector<std::string>& producible);

// 413 RequestEntityTooLarge: "Request entity too large: limit is N bytes",
// then `hint` (e.g. how to send a large build context) when not empty.
HttpError RequestEntityTooLargeError(size_t limit_bytes,
                                     std::string_view hint = "");

// 415 UnsupportedMediaType: "the body of the request was in an unknown format
// - accepted media types include: <list>" (kube-apiserver's wording, e.g. for
// a strategic merge patch of a custom resource).
HttpError UnsupportedMediaTypeError(const std::vector<std::string>& accepted);

}  // namespace kiln
