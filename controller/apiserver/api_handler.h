// ApiHandler: turns one HttpRequest into one HttpResponse — routing,
// authentication, authorization, decoding, content negotiation, and the one
// Status → HTTP error mapping. Thread-safe (called from server threads).
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "controller/apiserver/api_server.h"
#include "controller/apiserver/auth_authenticator.h"
#include "controller/apiserver/build_storage.h"
#include "controller/apiserver/http.h"
#include "controller/apiserver/node_storage.h"
#include "controller/apiserver/request_info.h"
#include "controller/apiserver/table.h"
#include "controller/apiserver/user_info.h"
#include "controller/apiserver/watch_server.h"
#include "controller/logs/log_service.h"
#include "controller/sources/source_store.h"

namespace kiln {

struct ApiHandlerDeps {
  Store& store;
  Clock& clock;
  WatchServer& watch;
  std::unique_ptr<Authenticator> authenticator;
};

class ApiHandler {
 public:
  ApiHandler(ApiHandlerDeps deps, const ApiServerOptions& options);

  // The builds registry requests go through; shared with the in-process
  // controller so both see the same Retry-After history.
  BuildStorage& builds() { return builds_; }

  HttpResponse Handle(const HttpRequest& request);

  // The body limit for a request with this head (no body yet): the source
  // upload limit for a POST .../sources by a user allowed to make it, the
  // general limit otherwise (an anonymous client cannot make the server
  // buffer a large body). Thread-safe; does not block.
  size_t MaxBodyBytes(const HttpRequest& head) const;

 private:
  // Handle() without the request-duration metric.
  HttpResponse Dispatch(const HttpRequest& request);
  HttpResponse HandleNonResource(const HttpRequest& request,
                                 const RequestInfo& info);
  HttpResponse HandleBuilds(const HttpRequest& request, const RequestInfo& info,
                            const UserInfo& user);
  HttpResponse HandleNodes(const HttpRequest& request, const RequestInfo& info);
  HttpResponse HandleEvents(const HttpRequest& request,
                            const RequestInfo& info);
  // GET /readyz[/NAME][?verbose].
  HttpResponse Readyz(const HttpRequest& request);
  // GET builds/NAME/log (api_handler_log.cc).
  HttpResponse HandleLog(const HttpRequest& request, const RequestInfo& info);
  // POST sources, GET/HEAD sources/DIGEST (api_handler_sources.cc).
  HttpResponse HandleSources(const HttpRequest& request,
                             const RequestInfo& info);
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
  BuildStorage builds_;
  NodeStorage nodes_;
  KilnMetrics* const metrics_;
  LogService* const logs_;
  SourceStore* const sources_;
  const size_t max_body_bytes_;
  const size_t max_source_bytes_;
  const std::vector<ReadinessCheck> readiness_;
  const std::function<void()> refresh_metrics_;
};

}  // namespace kiln
