// ApiServer: Kiln's Kubernetes-compatible HTTP API (discovery, OpenAPI,
// builds/nodes/events with list/watch/table/patch, status subresource,
// source uploads, bearer-token auth over TLS). Owns its HTTP server and watch
// server; the Store and Clock are borrowed and must outlive it.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api_types/defaulting.h"
#include "api_types/status.h"
#include "controller/apiserver/build_storage.h"
#include "controller/apiserver/http_server.h"
#include "controller/apiserver/watch_server.h"
#include "controller/logs/log_service.h"
#include "controller/metrics/kiln_metrics.h"
#include "controller/base/clock.h"
#include "controller/sources/source_store.h"
#include "controller/store/store.h"

namespace kiln {

// One named readiness check for /readyz (kube-apiserver style).
struct ReadinessCheck {
  std::string name;  // e.g. "store", "informer-sync", "driver"
  std::function<Status()> check;
};

struct ApiServerOptions {
  HttpServerOptions http;  // host/port, TLS files, body limit
  WatchServerOptions watch;
  // Static token file (Kubernetes format). Required unless allow_anonymous.
  std::string token_file;
  // --insecure-dev: no auth, plain HTTP; only allowed on loopback.
  bool allow_anonymous = false;
  std::string node_name = "node-a";
  // Admitted / Rejected events about Builds; null = none. Not owned.
  EventRecorder* events = nullptr;
  // Served on GET /metrics (authenticated, like the API) and fed with
  // request durations and admission rejections; null = no /metrics. Not
  // owned. `refresh_metrics` runs before each scrape (gauges read from
  // elsewhere: watchers, capacity, active builds).
  KilnMetrics* metrics = nullptr;
  std::function<void()> refresh_metrics;
  // /readyz runs these (all must pass; `?verbose` lists each, and
  // /readyz/NAME runs one). /healthz and /livez only say the process
  // serves.
  std::vector<ReadinessCheck> readiness;
  // Serves builds/NAME/log; null = 404 there. Not owned.
  LogService* logs = nullptr;
  // Serves POST/GET/HEAD .../sources and checks that a Build's
  // spec.source.archive.digest was uploaded; null = sources are not served
  // (404) and not checked. Not owned.
  SourceStore* sources = nullptr;
  // Body limit of source uploads (kilnd --max-source-bytes), for
  // authenticated requests allowed to upload; every other body is held to
  // http.max_body_bytes.
  size_t max_source_bytes = 100 << 20;
  std::string image_registry = "127.0.0.1:5000";
  BuildDefaults defaults;
};

class ApiServer {
 public:
  virtual ~ApiServer() = default;
  // The bound port.
  virtual int port() const = 0;
  // Open watch streams.
  virtual size_t watchers() const = 0;
  // The builds registry behind the API (defaulting, validation, admission,
  // status writes), for in-process controllers. Thread-safe.
  virtual BuildStorage& builds() = 0;
  // Stops serving; open watches end cleanly. Idempotent.
  virtual void Stop() = 0;

  // Starts serving. InvalidArgument for bad options (e.g. anonymous access
  // on a non-loopback address, unreadable token file), Unavailable when the
  // address cannot be bound.
  static StatusOr<std::unique_ptr<ApiServer>> Start(
      Store& store, Clock& clock, const ApiServerOptions& options);
};

}  // namespace kiln
