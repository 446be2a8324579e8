// The store benchmark: raw fsync rate of the data disk, Kiln Create()
// throughput and latency at several writer concurrencies (with group-commit
// batch sizes from counted fsyncs), and watch delivery latency. Each phase
// runs against a fresh SqliteStore in a scratch directory.
//
// On a shared machine the disk's sync latency moves with other processes'
// CPU use, so every concurrency level re-probes the fsync rate just before
// it runs and, when an etcd endpoint is given, runs the same etcd load right
// after it: each row compares figures taken within seconds of each other.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "api_types/status.h"

namespace kiln::bench {

struct KilnBenchOptions {
  std::string dir;    // parent of the scratch directory (created if missing)
  bool keep = false;  // keep the scratch directory afterwards
  std::chrono::milliseconds fsync_duration{2000};
  std::chrono::milliseconds level_fsync_duration{500};  // before each level
  std::string etcd_endpoint;  // "" = no etcd comparison
  std::vector<int> writers = {1, 8, 64};
  int64_t creates = 20000;                       // per concurrency level
  std::chrono::milliseconds max_duration{8000};  // per concurrency level
  std::vector<int> watchers = {1, 100};
  int64_t watch_events = 2000;
  double watch_rate = 500;
};

// Runs every phase, writing progress lines to `progress`. Returns the
// results as JSON (see docs/benchmarks.md "Store" and report.h for fields).
// Errors: Unavailable for I/O problems, or a store error that stops a phase.
StatusOr<nlohmann::json> RunKilnBench(const KilnBenchOptions& options,
                                      std::ostream& progress);

}  // namespace kiln::bench
