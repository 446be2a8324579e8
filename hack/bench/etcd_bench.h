// The etcd side of the store benchmark: the same number of writes of the same
// objects at the same concurrencies as the Kiln create phase, as etcd v3 puts
// through the JSON gateway, one keep-alive connection per writer.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "api_types/status.h"

namespace kiln::bench {

struct EtcdBenchOptions {
  std::string endpoint = "http://127.0.0.1:23790";
  std::vector<int> writers = {1, 8, 64};
  int64_t puts = 20000;  // per concurrency level
  std::chrono::milliseconds max_duration{8000};
};

// Checks that etcd at `endpoint` takes a put. Unavailable otherwise.
Status ProbeEtcd(const std::string& endpoint);

// One concurrency level: `writers` connections putting `puts` fresh keys
// "/builds/bench-w<writers>/<t>-<i>" in total. Errors: connection failures.
StatusOr<nlohmann::json> RunEtcdLevel(const std::string& endpoint, int writers,
                                      int64_t puts,
                                      std::chrono::milliseconds max_duration);

// ProbeEtcd, then RunEtcdLevel for every level.
StatusOr<nlohmann::json> RunEtcdBench(const EtcdBenchOptions& options,
                                      std::ostream& progress);

}  // namespace kiln::bench
