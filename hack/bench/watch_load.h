// Watch delivery latency of a Store: W watcher threads block in
// Watcher::Next while one writer creates objects at a fixed pace, stamping
// the steady-clock send time into each object (value["bench"]["t"], ns).
// Each watcher records receive - send. The send time is taken just before
// Create(), so the figure is what a controller sees: durable commit plus
// fan-out plus wake-up. The writer is paced (open loop), so the figure
// measures delivery, not queueing behind a backlog.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "api_types/status.h"
#include "controller/store/store.h"
#include "hack/bench/latency_stats.h"

namespace kiln::bench {

struct WatchLoadOptions {
  int watchers = 1;
  int64_t events = 2000;
  double rate_per_s = 500;
  std::string ns = "watch";  // namespace of the created objects
};

struct WatchLoadResult {
  int watchers = 0;
  int64_t sent = 0;
  int64_t expected = 0;   // sent * watchers
  int64_t received = 0;   // events delivered to all watchers together
  int64_t anomalies = 0;  // out-of-order revisions, errors, drops
  std::string first_anomaly;
  double send_rate_per_s = 0;  // achieved
  LatencySummary delivery;     // receive - send, over all watchers
  LatencySummary create;       // the writer's Create() latency meanwhile
};

// Errors: those of Store::Watch; write errors are counted as anomalies.
StatusOr<WatchLoadResult> RunWatchLoad(Store& store,
                                       const WatchLoadOptions& options);

nlohmann::json ToJson(const WatchLoadResult& r);

}  // namespace kiln::bench
