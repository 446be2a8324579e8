#include "controller/apiserver/api_handler_helpers.h"

#include <charconv>
#include <chrono>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "api_types/json_parse.h"
#include "api_types/utf8.h"
#include "api_types/yaml_codec.h"
#include "controller/apiserver/content_type.h"
#include "controller/apiserver/request_info.h"

namespace kiln {

bool IsHealthPath(std::string_view path) {
  for (std::string_view root : {"/healthz", "/livez", "/readyz"}) {
    if (IsPathUnder(path, root)) return true;
  }
  return false;
}

HttpResponse JsonResponse(int code, const nlohmann::json& body) {
  HttpResponse r;
  r.status = code;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

HttpResponse FromHttpError(HttpError e) {
  HttpResponse r = JsonResponse(e.code, e.body);
  r.headers = std::move(e.headers);
  return r;
}

Timestamp NowSeconds(Clock& clock) {
  return std::chrono::floor<std::chrono::seconds>(clock.SystemNow());
}

StatusOr<nlohmann::json> DecodeBody(const HttpRequest& request) {
  if (request.body.empty()) {
    return InvalidArgumentError("the request body is empty");
  }
  auto type = RequestBodyType(request.method, request.Header("content-type"));
  if (type == BodyType::kYaml) {
    ASSIGN_OR_RETURN(std::vector<nlohmann::json> docs,
                     YamlDocumentsToJson(request.body));
    if (docs.size() != 1) {
      return InvalidArgumentError(
          "the request body must hold exactly one "
          "YAML document, not " +
          std::to_string(docs.size()));
    }
    return std::move(docs.front());
  }
  return ParseJson(request.body);
}

HttpResponse TooManyRequests(const std::string& message) {
  HttpResponse r = JsonResponse(429, {{"kind", "Status"},
                                      {"apiVersion", "v1"},
                                      {"metadata", nlohmann::json::object()},
                                      {"status", "Failure"},
                                      {"message", message},
                                      {"reason", "TooManyRequests"},
                                      {"code", 429}});
  r.headers.push_back({"Retry-After", "1"});
  return r;
}

StatusOr<TableOptions> TableOptionsOf(const HttpRequest& request) {
  TableOptions o;
  ASSIGN_OR_RETURN(o.include_object,
                   ParseIncludeObject(request.Query("includeObject")));
  return o;
}

StatusOr<std::optional<int64_t>> IntegerParameter(const HttpRequest& request,
                                                  const std::string& name,
                                                  int64_t min) {
  const std::string value = request.Query(name);
  if (value.empty()) return std::optional<int64_t>();
  int64_t n = 0;
  const char* end = value.data() + value.size();
  const auto [stop, error] = std::from_chars(value.data(), end, n);
  if (error == std::errc() && stop == end && n >= min) {
    return std::optional<int64_t>(n);
  }
  const std::string wanted = min == 0   ? "a non-negative integer"
                             : min == 1 ? "a positive integer"
                                        : "an integer ≥ " + std::to_string(min);
  return InvalidArgumentError(name + ": must be " + wanted + ", got \"" +
                              SanitizeForMessage(value, 64) + "\"");
}

StatusOr<int64_t> LimitOf(const HttpRequest& request) {
  ASSIGN_OR_RETURN(std::optional<int64_t> limit,
                   IntegerParameter(request, "limit", 0));
  return limit.value_or(0);
}

WriteOptions WriteOptionsOf(const HttpRequest& request) {
  WriteOptions o;
  o.dry_run = request.Query("dryRun") == "All";
  o.field_manager = request.Query("fieldManager");
  o.force = request.Query("force") == "true";
  return o;
}

}  // namespace kiln
