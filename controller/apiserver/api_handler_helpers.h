// Request decoding and response building shared by the ApiHandler files
// (api_handler*.cc). Internal to the API server. Pure functions:
// thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api_types/time.h"
#include "controller/apiserver/build_storage.h"
#include "controller/apiserver/error_mapping.h"
#include "controller/apiserver/http.h"
#include "controller/apiserver/table.h"
#include "controller/base/clock.h"

namespace kiln {

// /healthz, /livez, /readyz and their checks ("/healthz/ping").
bool IsHealthPath(std::string_view path);

// A JSON response with `code` (invalid UTF-8 in strings replaced).
HttpResponse JsonResponse(int code, const nlohmann::json& body);

// 429 TooManyRequests with a Status body naming the limit and Retry-After: 1
// (a per-client cap: the client may retry once it has closed something).
HttpResponse TooManyRequests(const std::string& message);

// The response for a mapped error: its code, Status body and headers.
HttpResponse FromHttpError(HttpError e);

// Now, to the second (tables show ages in whole seconds).
Timestamp NowSeconds(Clock& clock);

// Decodes a request body by its Content-Type (JSON or one YAML document).
// InvalidArgument for an empty or undecodable body.
StatusOr<nlohmann::json> DecodeBody(const HttpRequest& request);

// ?includeObject= as table options. InvalidArgument for a bad value.
StatusOr<TableOptions> TableOptionsOf(const HttpRequest& request);

// The query parameter `name` as a decimal integer ≥ `min`; nullopt when
// absent or empty. InvalidArgument naming the parameter and the value when it
// is anything else ("5x", "1e3", " 5", out of int64 range). Never throws.
StatusOr<std::optional<int64_t>> IntegerParameter(const HttpRequest& request,
                                                  const std::string& name,
                                                  int64_t min);

// ?limit= (0 when absent). InvalidArgument when not a non-negative integer.
StatusOr<int64_t> LimitOf(const HttpRequest& request);

// ?dryRun=All, ?fieldManager= and ?force=true.
WriteOptions WriteOptionsOf(const HttpRequest& request);

}  // namespace kiln
