#include "controller/apiserver/api_handler.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string_view>
#include <utility>

#include "api_types/build_json.h"
#include "api_types/build_list_json.h"
#include "api_types/event_json.h"
#include "api_types/json_parse.h"
#include "api_types/node_json.h"
#include "api_types/yaml_codec.h"
#include "controller/apiserver/auth_authorizer.h"
#include "controller/apiserver/content_type.h"
#include "controller/apiserver/discovery.h"
#include "controller/apiserver/error_mapping.h"
#include "controller/apiserver/node_list.h"
#include "controller/apiserver/openapi.h"
#include "controller/apiserver/table.h"

namespace kiln {
namespace {

// /healthz, /livez, /readyz and their checks ("/healthz/ping").
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

Timestamp NowSeconds(Clock& clock) {
  return std::chrono::floor<std::chrono::seconds>(clock.SystemNow());
}

// The table of one stored object of `resource`, for watch events.
nlohmann::json ObjectTable(const std::string& resource,
                           const nlohmann::json& object, Timestamp now,
                           const TableOptions& options) {
  DecodeOptions lenient;
  lenient.require_type_meta = false;
  if (resource == "builds") {
    auto b = BuildFromJson(object, lenient);
    if (b.ok()) return ToTable(*b, now, options);
  } else if (resource == "nodes") {
    auto n = NodeFromJson(object, lenient);
    if (n.ok()) return ToTable(*n, now, options);
  } else if (resource == "events") {
    auto e = EventFromJson(object, lenient);
    if (e.ok()) return ToTable(*e, now, options);
  }
  return object;
}

// Decodes a request body by its Content-Type (JSON or one YAML document).
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

StatusOr<TableOptions> TableOptionsOf(const HttpRequest& request) {
  TableOptions o;
  ASSIGN_OR_RETURN(o.include_object,
                   ParseIncludeObject(request.Query("includeObject")));
  return o;
}

StatusOr<int64_t> LimitOf(const HttpRequest& request) {
  try {
    return int64_t{std::stoll(request.Query("limit", "0"))};
  } catch (const std::exception&) {
    return InvalidArgumentError("limit: must be an integer");
  }
}

WriteOptions WriteOptionsOf(const HttpRequest& request) {
  WriteOptions o;
  o.dry_run = request.Query("dryRun") == "All";
  o.field_manager = request.Query("fieldManager");
  o.force = request.Query("force") == "true";
  return o;
}

// Field selectors Kiln supports: metadata.name, metadata.namespace and (for
// lists) status.phase, with = / == / !=.
struct FieldRequirement {
  std::string field;
  std::string value;
  bool negate = false;
};

StatusOr<std::vector<FieldRequirement>> ParseFieldSelector(
    const std::string& text, bool for_watch) {
  std::vector<FieldRequirement> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma - start);
    start = comma == std::string::npos ? text.size() : comma + 1;
    if (part.empty()) continue;
    FieldRequirement r;
    size_t op = part.find("!=");
    size_t len = 2;
    if (op != std::string::npos) {
      r.negate = true;
    } else if ((op = part.find("==")) == std::string::npos) {
      op = part.find('=');
      len = 1;
    }
    if (op == std::string::npos) {
      return InvalidArgumentError("invalid field selector \"" + part +
                                  "\": want field=value");
    }
    r.field = part.substr(0, op);
    r.value = part.substr(op + len);
    bool known = r.field == "metadata.name" ||
                 r.field == "metadata.namespace" ||
                 (!for_watch && r.field == "status.phase");
    if (!known) {
      return InvalidArgumentError(
          "field selector \"" + r.field + "\" is not supported" +
          (for_watch ? " for watches" : "") +
          "; supported: metadata.name, metadata.namespace" +
          (for_watch ? "" : ", status.phase"));
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool FieldsMatch(const std::vector<FieldRequirement>& reqs,
                 const nlohmann::json& object) {
  for (const auto& r : reqs) {
    const nlohmann::json* v = &object;
    size_t start = 0;
    std::string path = r.field;
    while (v && start <= path.size()) {
      size_t dot = path.find('.', start);
      std::string part = path.substr(start, dot - start);
      v = v->is_object() && v->contains(part) ? &(*v)[part] : nullptr;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    std::string got = v && v->is_string() ? v->get<std::string>() : "";
    if ((got == r.value) == r.negate) return false;
  }
  return true;
}

}  // namespace

ApiHandler::ApiHandler(ApiHandlerDeps deps, const ApiServerOptions& options)
    : store_(deps.store),
      clock_(deps.clock),
      watch_(deps.watch),
      authenticator_(std::move(deps.authenticator)),
      builds_(deps.store, deps.clock,
              BuildStorageOptions{options.defaults, options.node_name,
                                   options.image_registry, options.events,
                                   options.metrics, options.sources}),
      nodes_(deps.store, deps.clock),
      metrics_(options.metrics),
      logs_(options.logs),
      sources_(options.sources),
      max_body_bytes_(options.http.max_body_bytes),
      max_source_bytes_(options.max_source_bytes),
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

HttpResponse ApiHandler::HandleBuilds(const HttpRequest& request,
                                      const RequestInfo& info,
                                      const UserInfo& user) {
  (void)user;
  if (info.subresource == "log" && info.verb == "get") {
    return HandleLog(request, info);
  }
  const bool status_sub = info.subresource == "status";
  if (!info.subresource.empty() && !status_sub) {
    return Error(NotFoundError("the " + info.subresource +
                               " subresource is not served yet"),
                 info);
  }
  const std::string& verb = info.verb;
  if (verb == "get") {
    auto build = builds_.Get(info.namespace_, info.name);
    if (!build.ok()) return Error(build.status(), info);
    return Respond(
        request, info,
        [&](const TableOptions& o) {
          return ToTable(*build, NowSeconds(clock_), o);
        },
        ToJson(*build));
  }
  if (verb == "list" || verb == "deletecollection") {
    auto selector = LabelSelector::Parse(request.Query("labelSelector"));
    if (!selector.ok()) return Error(selector.status(), info, true);
    auto fields = ParseFieldSelector(request.Query("fieldSelector"), false);
    if (!fields.ok()) return Error(fields.status(), info, true);
    auto limit = LimitOf(request);
    if (!limit.ok()) return Error(limit.status(), info, true);
    std::optional<std::string> ns;
    if (!info.namespace_.empty()) ns = info.namespace_;
    auto list = builds_.List(ns, *selector, *limit, request.Query("continue"));
    if (!list.ok()) return Error(list.status(), info);
    if (!fields->empty()) {
      std::erase_if(list->items, [&](const Build& b) {
        return !FieldsMatch(*fields, ToJson(b));
      });
    }
    if (verb == "deletecollection") {
      for (const Build& b : list->items) {
        auto gone = builds_.Delete(b.metadata.namespace_, b.metadata.name,
                                   std::nullopt, std::nullopt);
        if (!gone.ok() && gone.status().code() != StatusCode::kNotFound) {
          return Error(gone.status(), info);
        }
      }
    }
    return Respond(
        request, info,
        [&](const TableOptions& o) {
          return ToTable(*list, NowSeconds(clock_), o);
        },
        ToJson(*list));
  }
  if (verb == "create" || verb == "update") {
    auto body = DecodeBody(request);
    if (!body.ok()) return Error(body.status(), info, true);
    auto result =
        verb == "create"
            ? builds_.Create(info.namespace_, *body, WriteOptionsOf(request))
            : builds_.Update(info.namespace_, info.name, *body, status_sub,
                             WriteOptionsOf(request));
    if (!result.ok()) return Error(result.status(), info);
    return Object(request, result->created ? 201 : 200, ToJson(result->build));
  }
  if (verb == "patch") {
    auto body_type =
        RequestBodyType(request.method, request.Header("content-type"));
    PatchType type = body_type == BodyType::kJsonPatch    ? PatchType::kJson
                     : body_type == BodyType::kApplyPatch ? PatchType::kApply
                                                          : PatchType::kMerge;
    auto result = builds_.Patch(info.namespace_, info.name, type, request.body,
                                status_sub, WriteOptionsOf(request));
    if (!result.ok()) return Error(result.status(), info);
    return Object(request, result->created ? 201 : 200, ToJson(result->build));
  }
  if (verb == "delete") {
    std::optional<std::string> rv, uid;
    if (!request.body.empty()) {
      auto opts = DecodeBody(request);
      if (!opts.ok()) return Error(opts.status(), info, true);
      const nlohmann::json& pre =
          opts->value("preconditions", nlohmann::json());
      if (pre.is_object()) {
        if (pre.contains("resourceVersion") &&
            pre["resourceVersion"].is_string()) {
          rv = pre["resourceVersion"].get<std::string>();
        }
        if (pre.contains("uid") && pre["uid"].is_string()) {
          uid = pre["uid"].get<std::string>();
        }
      }
    }
    auto gone = builds_.Delete(info.namespace_, info.name, rv, uid);
    if (!gone.ok()) return Error(gone.status(), info);
    return Object(request, 200, ToJson(*gone));
  }
  return FromHttpError(MethodNotAllowedError(request.method, request.path,
                                             AllowedMethods(info)));
}

HttpResponse ApiHandler::HandleNodes(const HttpRequest& request,
                                     const RequestInfo& info) {
  if (info.verb == "get" && info.subresource.empty()) {
    auto node = nodes_.Get(info.name);
    if (!node.ok()) return Error(node.status(), info);
    return Respond(
        request, info,
        [&](const TableOptions& o) {
          return ToTable(*node, NowSeconds(clock_), o);
        },
        ToJson(*node));
  }
  if (info.verb == "list") {
    auto selector = LabelSelector::Parse(request.Query("labelSelector"));
    if (!selector.ok()) return Error(selector.status(), info, true);
    auto limit = LimitOf(request);
    if (!limit.ok()) return Error(limit.status(), info, true);
    auto list = nodes_.List(*selector, *limit, request.Query("continue"));
    if (!list.ok()) return Error(list.status(), info);
    return Respond(
        request, info,
        [&](const TableOptions& o) {
          return ToTable(list->items, list->metadata, NowSeconds(clock_), o);
        },
        ToJson(*list));
  }
  return FromHttpError(MethodNotAllowedError(request.method, request.path,
                                             AllowedMethods(info)));
}

HttpResponse ApiHandler::HandleEvents(const HttpRequest& request,
                                      const RequestInfo& info) {
  if (info.verb == "list") {
    ListOptions o;
    o.scope.resource = "events";
    if (!info.namespace_.empty()) o.scope.namespace_ = info.namespace_;
    auto list = store_.List(o);
    if (!list.ok()) return Error(list.status(), info);
    ListMeta meta;
    meta.resource_version = std::to_string(list->revision);
    nlohmann::json items = nlohmann::json::array();
    std::vector<Event> events;
    for (auto& obj : list->items) {
      if (StatusOr<Event> e = EventFromJson(obj.value); e.ok()) {
        events.push_back(*std::move(e));
      }
      items.push_back(std::move(obj.value));
    }
    return Respond(request, info,
                   [&](const TableOptions& t) {
                     return ToTable(events, meta, NowSeconds(clock_), t);
                   },
                   {{"apiVersion", "kiln.dev/v1"},
                    {"kind", "EventList"},
                    {"metadata", {{"resourceVersion", meta.resource_version}}},
                    {"items", std::move(items)}});
  }
  if (info.verb == "get") {
    auto obj = store_.Get({"events", info.namespace_, info.name});
    if (!obj.ok()) return Error(obj.status(), info);
    StatusOr<Event> event = EventFromJson(obj->value);
    if (!event.ok()) return Object(request, 200, obj->value);
    return Respond(
        request, info,
        [&](const TableOptions& t) {
          return ToTable(*event, NowSeconds(clock_), t);
        },
        obj->value);
  }
  return FromHttpError(MethodNotAllowedError(request.method, request.path,
                                             AllowedMethods(info)));
}

HttpResponse ApiHandler::Watch(const HttpRequest& request,
                               const RequestInfo& info, const UserInfo& user) {
  WatchRequest w;
  w.store.scope.resource = info.resource;
  if (!info.namespace_.empty()) w.store.scope.namespace_ = info.namespace_;
  auto selector = LabelSelector::Parse(request.Query("labelSelector"));
  if (!selector.ok()) return Error(selector.status(), info, true);
  w.store.selector = *selector;
  auto fields = ParseFieldSelector(request.Query("fieldSelector"), true);
  if (!fields.ok()) return Error(fields.status(), info, true);
  if (!info.name.empty()) {
    fields->push_back({"metadata.name", info.name, false});
  }
  if (!fields->empty()) {
    w.filter = [reqs = *fields](const nlohmann::json& o) {
      return FieldsMatch(reqs, o);
    };
  }
  const std::string rv = request.Query("resourceVersion");
  if (rv.empty() || rv == "0") {
    w.send_initial = true;
  } else {
    try {
      size_t used = 0;
      w.store.from_revision = std::stoll(rv, &used);
      if (used != rv.size() || w.store.from_revision < 0) {
        throw std::invalid_argument("rv");
      }
    } catch (const std::exception&) {
      return Error(
          InvalidArgumentError("resourceVersion: invalid value \"" + rv + "\""),
          info, true);
    }
  }
  const std::string timeout = request.Query("timeoutSeconds");
  if (!timeout.empty()) {
    try {
      w.timeout = std::chrono::seconds(std::max(1LL, std::stoll(timeout)));
    } catch (const std::exception&) {
      return Error(InvalidArgumentError("timeoutSeconds: must be an integer"),
                   info, true);
    }
  }
  w.allow_bookmarks = request.Query("allowWatchBookmarks") == "true";
  w.client_key = user.name + "@" + request.remote_address;
  w.api_version = "kiln.dev/v1";
  w.kind = info.resource == "builds"  ? "Build"
           : info.resource == "nodes" ? "Node"
                                      : "Event";
  if (WantsTable(request.Header("accept"))) {
    auto options = TableOptionsOf(request);
    if (!options.ok()) return Error(options.status(), info, true);
    Clock* clock = &clock_;
    w.transform = [resource = info.resource, options = *options,
                   clock](const nlohmann::json& object) {
      return ObjectTable(resource, object, NowSeconds(*clock), options);
    };
  }
  auto response = watch_.Serve(std::move(w));
  if (!response.ok()) {
    if (response.status().code() == StatusCode::kResourcesExhausted) {
      return TooManyRequests(response.status().message());
    }
    return Error(response.status(), info);
  }
  return std::move(*response);
}

}  // namespace kiln
