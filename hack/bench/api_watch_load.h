// Watch event latency of kilnd through HTTPS: W StreamWatchers watch the
// builds of one namespace from its current resourceVersion while one writer
// creates Builds at a fixed pace (open loop), stamping the steady-clock send
// time into annotation bench/t just before the POST. Latency = receive -
// send, so it includes the durable create, fan-out, JSON and TLS. Also
// samples kilnd's memory before, with all W connected, after the events,
// and after the client closed every stream. A benchmark helper, never run
// by ctest.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "api_types/status.h"
#include "hack/bench/api_build_body.h"
#include "hack/bench/api_endpoint.h"
#include "hack/bench/api_proc.h"
#include "hack/bench/latency_stats.h"

namespace kiln::bench {

struct WatchLoadOptions {
  int watchers = 1;
  int64_t writes = 200;
  double rate_per_s = 50;
  std::string ns = "bench";
  std::string tag = "w";  // bench/run annotation of this level's writes
  std::chrono::seconds connect_timeout{60};
  // After the last write, how long to wait for every watcher to catch up.
  std::chrono::seconds drain_timeout{20};
};

struct WatchLoadResult {
  int watchers = 0;
  int connected = 0;
  double connect_seconds = 0;  // first request sent -> last 200 received
  int64_t writes_ok = 0;
  int64_t write_failures = 0;
  double write_rate_per_s = 0;  // achieved
  int64_t expected = 0;         // writes_ok * connected
  int64_t received = 0;
  double drain_seconds = 0;  // last write -> last event received
  int64_t anomalies = 0;     // ERROR events, streams that ended early
  std::string first_anomaly;
  LatencySummary delivery;  // over all watchers
  LatencySummary create;    // the writer's POST latency meanwhile
  CpuSplit cpu;             // from the first write to the end of the drain
  ProcMemory rss_before;
  ProcMemory rss_connected;  // 1 s after the last watcher connected
  ProcMemory rss_after_events;
  ProcMemory rss_after_close;  // 2 s after the client closed every stream
};

// Errors: Unavailable when the current resourceVersion cannot be read or
// kilnd's /proc entry is gone; per-watcher failures are anomalies.
StatusOr<WatchLoadResult> RunWatchLoad(const ApiEndpoint& endpoint,
                                       const WatchLoadOptions& options,
                                       BuildNamer& names, pid_t server_pid);

nlohmann::json ToJson(const WatchLoadResult& r);

}  // namespace kiln::bench
