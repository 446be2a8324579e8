// Drives a closed-loop write load: N threads, each issuing writes back to
// back until the shared count is done or the time is up, recording the
// latency of every write. Backend-agnostic (Kiln store or etcd).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "api_types/status.h"
#include "hack/bench/latency_stats.h"

namespace kiln::bench {

struct WriteLoadOptions {
  int writers = 1;
  int64_t count = 10000;  // writes in total, split evenly between writers
  std::chrono::milliseconds max_duration{10000};  // stop early after this
};

struct WriteLoadResult {
  int writers = 0;
  int64_t ok = 0;
  int64_t errors = 0;
  std::string first_error;
  double seconds = 0;  // first write start to last write end
  double per_s = 0;    // ok / seconds
  LatencySummary latency;
  double cpu_seconds = 0;  // user+system CPU of this process meanwhile
};

// Performs write number `i` (0-based, per thread) of thread `thread`.
using WriteFn = std::function<Status(int64_t i)>;
// Called once per thread, before the clock starts (e.g. to connect).
using WriterFactory = std::function<StatusOr<WriteFn>(int thread)>;

// Runs the load. Errors from the factory abort the run; errors from writes
// are counted (and the first one kept) and do not stop the thread.
StatusOr<WriteLoadResult> RunWriteLoad(const WriteLoadOptions& options,
                                       const WriterFactory& factory);

nlohmann::json ToJson(const WriteLoadResult& r);

// The process's user+system CPU time so far.
double ProcessCpuSeconds();

}  // namespace kiln::bench
