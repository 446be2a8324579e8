// The etcd side of the store benchmark: the same number of writes of the same
// objects at the same concurrencies as the Kiln create phase, as etcd v3 puts
// through the JSON gateway (one keep-alive connection per writer) or native
// gRPC (one channel per writer).
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "api_types/status.h"

namespace kiln::bench {

// How the benchmark speaks to etcd.
enum class EtcdProtocol { kJsonGateway, kGrpc };
const char* EtcdProtocolName(EtcdProtocol protocol);  // "json" | "grpc"

struct EtcdBenchOptions {
  std::string endpoint = "http://127.0.0.1:23790";
  EtcdProtocol protocol = EtcdProtocol::kJsonGateway;
  std::vector<int> writers = {1, 8, 64};
  int64_t puts = 20000;  // per concurrency level
  std::chrono::milliseconds max_duration{8000};
};

// Checks that etcd at `endpoint` takes a put over `protocol`. Unavailable
// otherwise.
Status ProbeEtcd(const std::string& endpoint, EtcdProtocol protocol);

// One concurrency level: `writers` connections putting `puts` fresh keys
// "/builds/bench-w<writers>/<t>-<i>" in total. Errors: connection failures.
StatusOr<nlohmann::json> RunEtcdLevel(const std::string& endpoint,
                                      EtcdProtocol protocol, int writers,
                                      int64_t puts,
                                      std::chrono::milliseconds max_duration);

// ProbeEtcd, then RunEtcdLevel for every level.
StatusOr<nlohmann::json> RunEtcdBench(const EtcdBenchOptions& options,
                                      std::ostream& progress);

}  // namespace kiln::bench
