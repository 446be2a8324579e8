// ApiHandler: the non-resource paths — /healthz, /livez, /readyz with its
// named checks, /metrics, /version, discovery (/api, /apis...) and OpenAPI.
#include <optional>
#include <string>
#include <utility>

#include "controller/apiserver/api_handler.h"
#include "controller/apiserver/api_handler_helpers.h"
#include "controller/apiserver/content_type.h"
#include "controller/apiserver/discovery.h"
#include "controller/apiserver/openapi.h"

namespace kiln {
namespace {

// The body of a discovery or OpenAPI path, or nullopt.
std::optional<std::string> NonResourceDocument(const std::string& path) {
  const OpenApiDocuments& openapi = KilnOpenApiDocuments();
  if (path == "/version") return VersionJson(VersionInfo{}).dump();
  if (path == "/api") return ApiVersionsJson().dump();
  if (path == "/apis") return ApiGroupListJson().dump();
  if (path == "/apis/kiln.dev") return ApiGroupJson().dump();
  if (path == "/apis/kiln.dev/v1") return ApiResourceListJson().dump();
  if (path == "/openapi/v2") return openapi.v2;
  if (path == "/openapi/v3") return openapi.v3_index;
  if (path == "/openapi/v3/apis/kiln.dev/v1") return openapi.v3;
  return std::nullopt;
}

}  // namespace

HttpResponse ApiHandler::HandleNonResource(const HttpRequest& request,
                                           const RequestInfo& info) {
  const std::string& p = request.path;
  if (request.method != "GET") {
    return FromHttpError(MethodNotAllowedError(request.method, p, {"GET"}));
  }
  if (IsPathUnder(p, "/readyz")) return Readyz(request);
  if (IsHealthPath(p)) {
    HttpResponse r;
    r.content_type = "text/plain";
    r.body = "ok";
    return r;
  }
  if (p == "/metrics" && metrics_ != nullptr) {
    if (refresh_metrics_) refresh_metrics_();
    HttpResponse r;
    r.content_type = kMetricsContentType;
    r.body = metrics_->Serialize();
    return r;
  }
  if (p.rfind("/openapi/", 0) == 0 && !AcceptsJson(request.Header("accept"))) {
    return FromHttpError(NotAcceptableError({"application/json"}));
  }
  std::optional<std::string> doc = NonResourceDocument(p);
  if (!doc) {
    return Error(NotFoundError("the server could not find the requested "
                               "resource"),
                 info);
  }
  HttpResponse r;
  r.body = std::move(*doc);
  return r;
}

HttpResponse ApiHandler::Readyz(const HttpRequest& request) {
  const std::string only =
      request.path.size() > 8 ? request.path.substr(8) : std::string();
  std::string lines;
  bool ok = true;
  // "ping" always passes, as kube-apiserver's does.
  bool found = only.empty() || only == "ping";
  if (only.empty() || only == "ping") lines += "[+]ping ok\n";
  for (const ReadinessCheck& c : readiness_) {
    if (!only.empty() && c.name != only) continue;
    found = true;
    const Status s = c.check();
    ok = ok && s.ok();
    lines += s.ok() ? "[+]" + c.name + " ok\n"
                    : "[-]" + c.name + " failed: " + s.message() + "\n";
  }
  HttpResponse r;
  r.content_type = "text/plain";
  if (!found) {
    r.status = 404;
    r.body = "no readiness check \"" + only + "\"\n";
    return r;
  }
  r.status = ok ? 200 : 500;
  const bool verbose = request.query.count("verbose") > 0;
  if (verbose || !ok) {
    r.body = lines + (ok ? "readyz check passed\n" : "readyz check failed\n");
  } else {
    r.body = "ok";
  }
  return r;
}

}  // namespace kiln
