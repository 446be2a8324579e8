// ApiHandler: turns one HttpRequest into one HttpResponse — routing,
// authentication, authorization, decoding, content negotiation, and the one
// Status → HTTP error mapping. Thread-safe (called from server threads).
//
// One file per concern: api_handler.cc (pipeline and routing),
// api_handler_health.cc (health, readiness, metrics, discovery),
// api_handler_builds.cc, api_handler_nodes.cc (nodes and events),
// api_handler_watch.cc, api_handler_log.cc, api_handler_sources.cc,
// api_handler_access_review.cc.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "controller/apiserver/api_server.h"
#include "controller/apiserver/auth_authenticator.h"
#include "controller/apiserver/build_storage.h"
#include "controller/apiserver/client_slots.h"
#include "controller/apiserver/http.h"
#include "controller/apiserver/node_storage.h"
#include "controller/apiserver/request_info.h"
#include "controller/apiserver/table.h"
#include "controller/apiserver/user_info.h"
#include "controller/apiserver/watch_server.h"
#include "controller/logs/log_service.h"
#include "controller/sources/source_store.h"

namespace kiln {

// What the handler works on. References and pointers are borrowed and must
// outlive the handler; null pointers turn the feature off (see
// ApiServerDeps).
struct ApiHandlerDeps {
  Store& store;
  Clock& clock;
  WatchServer& watch;
  BuildStorage& builds;
  NodeStorage& nodes;
  std::unique_ptr<Authenticator> authenticator;  // owned by the handler
  KilnMetrics* metrics = nullptr;
  LogService* logs = nullptr;
  SourceStore* sources = nullptr;
};

class ApiHandler {
 public:
  ApiHandler(ApiHandlerDeps deps, const ApiServerOptions& options);

  HttpResponse Handle(const HttpRequest& request);

  // Decides a request from its head (no body yet): a client that fails
  // authentication gets its 401 at once, one over its request cap a 429
  // (neither body is read; watches are capped by the WatchServer instead,
  // not here); otherwise the body limit (the source upload
  // limit for a POST .../sources by a user allowed to make it, the general
  // limit else) and the client's request slot. Anonymous health probes pass
  // (Dispatch answers them). Thread-safe; does not block.
  HeadDecision ScreenHead(const HttpRequest& head);

 private:
  // Handle() without the request-duration metric.
  HttpResponse Dispatch(const HttpRequest& request);
  // /healthz, /livez, /readyz, /metrics, /version, discovery, OpenAPI
  // (api_handler_health.cc).
  HttpResponse HandleNonResource(const HttpRequest& request,
                                 const RequestInfo& info);
  // api_handler_builds.cc.
  HttpResponse HandleBuilds(const HttpRequest& request, const RequestInfo& info,
                            const UserInfo& user);
  // api_handler_nodes.cc.
  HttpResponse HandleNodes(const HttpRequest& request, const RequestInfo& info);
  HttpResponse HandleEvents(const HttpRequest& request,
                            const RequestInfo& info);
  // GET /readyz[/NAME][?verbose].
  HttpResponse Readyz(const HttpRequest& request);
  // GET builds/NAME/log (api_handler_log.cc).
  // A follow takes one of `user`'s follow slots while it streams.
  HttpResponse HandleLog(const HttpRequest& request, const RequestInfo& info,
                         const UserInfo& user);
  // POST sources, GET/HEAD sources/DIGEST (api_handler_sources.cc).
  HttpResponse HandleSources(const HttpRequest& request,
                             const RequestInfo& info);
  // POST selfsubjectaccessreviews: `user`'s own access, decided by
  // Authorize (api_handler_access_review.cc).
  HttpResponse HandleAccessReview(const HttpRequest& request,
                                  const RequestInfo& info,
                                  const UserInfo& user);
  // ?watch=true on any resource (api_handler_watch.cc).
  HttpResponse Watch(const HttpRequest& request, const RequestInfo& info,
                     const UserInfo& user);

  // Encodes a successful object/list response per the Accept header.
  HttpResponse Object(const HttpRequest& request, int code,
                      const nlohmann::json& object);
  // A Table (built by `table`) when the Accept header asks for one, else
  // `object` per Object().
  HttpResponse Respond(
      const HttpRequest& request, const RequestInfo& info,
      const std::function<nlohmann::json(const TableOptions&)>& table,
      const nlohmann::json& object);
  HttpResponse Error(const Status& status, const RequestInfo& info,
                     bool body_undecodable = false);

  Store& store_;
  Clock& clock_;
  WatchServer& watch_;
  const std::unique_ptr<Authenticator> authenticator_;
  BuildStorage& builds_;
  NodeStorage& nodes_;
  KilnMetrics* const metrics_;
  LogService* const logs_;
  SourceStore* const sources_;
  const size_t max_body_bytes_;
  const size_t max_source_bytes_;
  // Requests in flight and log follows, per user (self-synchronized).
  const std::shared_ptr<ClientSlots> requests_;
  const std::shared_ptr<ClientSlots> follows_;
  const std::vector<ReadinessCheck> readiness_;
  const std::function<void()> refresh_metrics_;
};

}  // namespace kiln
