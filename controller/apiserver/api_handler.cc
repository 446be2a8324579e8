// ApiHandler: construction, the request pipeline (parse, authenticate,
// authorize, negotiate, route to a resource handler), the request-duration
// metric and the shared response encoders.
#include "controller/apiserver/api_handler.h"

#include <cctype>
#include <chrono>
#include <string>
#include <utility>

#include "api_types/yaml_codec.h"
#include "controller/apiserver/api_handler_helpers.h"
#include "controller/apiserver/auth_authorizer.h"
#include "controller/apiserver/content_type.h"
#include "controller/apiserver/discovery.h"
#include "controller/apiserver/error_mapping.h"

namespace kiln {

ApiHandler::ApiHandler(ApiHandlerDeps deps, const ApiServerOptions& options)
    : store_(deps.store),
      clock_(deps.clock),
      watch_(deps.watch),
      authenticator_(std::move(deps.authenticator)),
      builds_(deps.builds),
      nodes_(deps.nodes),
      metrics_(deps.metrics),
      logs_(deps.logs),
      sources_(deps.sources),
      max_body_bytes_(options.http.max_body_bytes),
      max_source_bytes_(options.max_source_bytes),
      requests_(std::make_shared<ClientSlots>(options.max_requests_per_client)),
      follows_(std::make_shared<ClientSlots>(options.max_follows_per_client)),
      readiness_(options.readiness),
      refresh_metrics_(options.refresh_metrics) {}

HttpResponse ApiHandler::Error(const Status& status, const RequestInfo& info,
                               bool body_undecodable) {
  ErrorContext ctx = ErrorContextFor(info);
  ctx.body_undecodable = body_undecodable;
  return FromHttpError(MapError(status, ctx));
}

HttpResponse ApiHandler::Object(const HttpRequest& request, int code,
                                const nlohmann::json& object) {
  auto type = NegotiateResponseType(request.Header("accept"), false);
  if (type == ResponseType::kYaml) {
    auto yaml = JsonToYaml(object);
    if (yaml.ok()) {
      HttpResponse r;
      r.status = code;
      r.content_type = "application/yaml";
      r.body = std::move(*yaml);
      return r;
    }
  }
  return JsonResponse(code, object);
}

HttpResponse ApiHandler::Respond(
    const HttpRequest& request, const RequestInfo& info,
    const std::function<nlohmann::json(const TableOptions&)>& table,
    const nlohmann::json& object) {
  if (!WantsTable(request.Header("accept")))
    return Object(request, 200, object);
  auto options = TableOptionsOf(request);
  if (!options.ok()) return Error(options.status(), info, true);
  return JsonResponse(200, table(*options));
}

HttpResponse ApiHandler::Handle(const HttpRequest& request) {
  if (metrics_ == nullptr) return Dispatch(request);
  const auto started = std::chrono::steady_clock::now();
  HttpResponse response = Dispatch(request);
  auto info = ParseRequestInfo(request.method, request.path, request.query);
  // Watches and other streams last as long as the client wants: they are
  // counted by kiln_watchers, not timed. Labels stay a fixed set.
  if (!response.stream) {
    std::string verb = "OTHER";
    std::string resource = "nonresource";
    if (info.ok() && info->is_resource_request) {
      verb = info->verb;
      for (char& c : verb) c = static_cast<char>(std::toupper(c));
      resource = info->resource;
      if (!info->subresource.empty()) resource += "/" + info->subresource;
    }
    metrics_->ObserveApiRequest(verb, resource, response.status,
                                std::chrono::duration<double>(
                                    std::chrono::steady_clock::now() - started)
                                    .count());
  }
  return response;
}

HeadDecision ApiHandler::ScreenHead(const HttpRequest& head) {
  HeadDecision decision;
  decision.max_body_bytes = max_body_bytes_;
  if (IsHealthPath(head.path) && head.method == "GET" &&
      head.Header("authorization").empty()) {
    return decision;
  }
  StatusOr<RequestInfo> info =
      ParseRequestInfo(head.method, head.path, head.query);
  StatusOr<UserInfo> user = authenticator_->Authenticate(head);
  if (!user.ok()) {
    decision.reply = Error(user.status(), info.ok() ? *info : RequestInfo{});
    return decision;
  }
  // Watches have their own per-client cap (WatchServer) and carry no body;
  // counting their setup here would let a burst of watches starve the same
  // user's writes.
  if (info.ok() && info->verb == "watch") return decision;
  decision.hold = requests_->TryAcquire(user->name);
  if (decision.hold == nullptr) {
    decision.reply = TooManyRequests(
        "too many requests in flight for user \"" + user->name +
        "\" (at most " + std::to_string(requests_->max_per_client()) +
        " at once)");
    return decision;
  }
  if (sources_ != nullptr && info.ok() && info->resource == "sources" &&
      info->verb == "create" && Authorize(*user, *info).ok()) {
    decision.max_body_bytes = max_source_bytes_;
  }
  return decision;
}

HttpResponse ApiHandler::Dispatch(const HttpRequest& request) {
  auto info = ParseRequestInfo(request.method, request.path, request.query);
  if (!info.ok()) return Error(info.status(), RequestInfo{});
  // Probes (kubelet, load balancers, scripts) carry no credentials: health
  // answers anonymous GETs, as kube-apiserver's public-info role does. A
  // request that does offer a token is still authenticated (a bad one is
  // 401).
  if (IsHealthPath(request.path) && request.method == "GET" &&
      request.Header("authorization").empty()) {
    return HandleNonResource(request, *info);
  }
  auto user = authenticator_->Authenticate(request);
  if (!user.ok()) return Error(user.status(), *info);
  if (Status s = Authorize(*user, *info); !s.ok()) return Error(s, *info);
  if (!info->is_resource_request) return HandleNonResource(request, *info);
  if (info->api_group == kAccessReviewGroup) {
    return HandleAccessReview(request, *info, *user);
  }
  if (!ServesVerb(*info)) {
    return FromHttpError(MethodNotAllowedError(request.method, request.path,
                                               AllowedMethods(*info)));
  }
  const bool table_allowed = request.method == "GET";
  // The log is text (or an SSE stream), not an object: no negotiation.
  if (info->subresource != "log" &&
      !NegotiateResponseType(request.Header("accept"), table_allowed)) {
    return FromHttpError(NotAcceptableError(ProducibleTypes(table_allowed)));
  }
  // An archive body, not an object: its own Content-Type rules.
  if (info->resource == "sources") return HandleSources(request, *info);
  if (request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    if (!RequestBodyType(request.method, request.Header("content-type"))) {
      return FromHttpError(
          UnsupportedMediaTypeError(AcceptedBodyTypes(request.method)));
    }
  }
  if (info->verb == "watch") return Watch(request, *info, *user);
  if (info->resource == "builds") return HandleBuilds(request, *info, *user);
  if (info->resource == "nodes") return HandleNodes(request, *info);
  if (info->resource == "events") return HandleEvents(request, *info);
  return Error(NotFoundError("the server could not find the requested "
                             "resource (" +
                             info->resource + " are not served yet)"),
               *info);
}

}  // namespace kiln
