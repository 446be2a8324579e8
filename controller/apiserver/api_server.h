// ApiServer: Kiln's Kubernetes-compatible HTTP API (discovery, OpenAPI,
// builds/nodes/events with list/watch/table/patch, status subresource,
// source uploads, bearer-token auth over TLS). Owns its HTTP server, its
// watch server and the Authenticator it is given; everything else in
// ApiServerDeps (the Store, Clock, BuildStorage, NodeStorage, ...) is
// borrowed and must outlive it. The REST storage is not the server's: kilnd
// creates it and shares the same BuildStorage with the in-process
// controller.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/apiserver/auth_authenticator.h"
#include "controller/apiserver/build_storage.h"
#include "controller/apiserver/http_server.h"
#include "controller/apiserver/node_storage.h"
#include "controller/apiserver/watch_server.h"
#include "controller/base/clock.h"
#include "controller/logs/log_service.h"
#include "controller/metrics/kiln_metrics.h"
#include "controller/sources/source_store.h"
#include "controller/store/store.h"

namespace kiln {

// One named readiness check for /readyz (kube-apiserver style).
struct ReadinessCheck {
  std::string name;  // e.g. "store", "informer-sync", "driver"
  std::function<Status()> check;
};

// What the server serves from. References are borrowed and must outlive the
// server.
struct ApiServerDeps {
  Store& store;  // events, watches
  Clock& clock;
  BuildStorage& builds;  // the builds resource
  NodeStorage& nodes;    // the nodes resource
  // Who is calling; owned by the server. One that allows anonymous access
  // (--insecure-dev) is only accepted on a loopback address.
  std::unique_ptr<Authenticator> authenticator;
  // Served on GET /metrics (authenticated, like the API) and fed with
  // request durations; null = no /metrics.
  KilnMetrics* metrics = nullptr;
  // Serves builds/NAME/log; null = 404 there.
  LogService* logs = nullptr;
  // Serves POST/GET/HEAD .../sources; null = sources are not served (404).
  // (Whether a Build's spec.source.archive.digest was uploaded is checked
  // by BuildStorage, given the same store in BuildStorageOptions.)
  SourceStore* sources = nullptr;
};

struct ApiServerOptions {
  HttpServerOptions http;  // host/port, TLS files, body limit
  WatchServerOptions watch;
  // Runs before each /metrics scrape (gauges read from elsewhere: watchers,
  // capacity, active builds).
  std::function<void()> refresh_metrics;
  // /readyz runs these (all must pass; `?verbose` lists each, and
  // /readyz/NAME runs one). /healthz and /livez only say the process
  // serves.
  std::vector<ReadinessCheck> readiness;
  // Body limit of source uploads (kilnd --max-source-bytes), for
  // authenticated requests allowed to upload; every other body is held to
  // http.max_body_bytes.
  size_t max_source_bytes = 100 << 20;
  // Per-client caps (a client is an authenticated user name): requests
  // being read or handled at once, and open log follows. Over a cap: 429
  // with Retry-After, before any body is read.
  size_t max_requests_per_client = 256;
  size_t max_follows_per_client = 100;
};

class ApiServer {
 public:
  virtual ~ApiServer() = default;
  // The bound port.
  virtual int port() const = 0;
  // Open watch streams.
  virtual size_t watchers() const = 0;
  // Stops serving; open watches end cleanly. Idempotent.
  virtual void Stop() = 0;

  // Starts serving. InvalidArgument for bad options (anonymous access on a
  // non-loopback address), Unavailable when the address cannot be bound.
  static StatusOr<std::unique_ptr<ApiServer>> Create(
      const ApiServerOptions& options, ApiServerDeps deps);
};

}  // namespace kiln
