// Create throughput of kilnd through HTTPS: C client threads, each with its
// own cpprestsdk http_client (one keep-alive TLS connection), POST small
// Builds in a closed loop; latency is request sent -> response body read.
// Each connection is opened (TLS handshake) by a GET /version before the
// clock starts. A benchmark helper, never run by ctest.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "api_types/status.h"
#include "hack/bench/api_build_body.h"
#include "hack/bench/api_endpoint.h"
#include "hack/bench/api_proc.h"
#include "hack/bench/latency_stats.h"

namespace kiln::bench {

struct CreateLoadOptions {
  int clients = 1;
  int64_t max_requests = 3000;  // the level stops at whichever comes first
  std::chrono::milliseconds max_duration{6000};
  // Per send/receive; a request that gets no answer within it is an error.
  std::chrono::seconds request_timeout{10};
  std::string ns = "bench";
};

struct CreateLoadResult {
  int clients = 0;
  int64_t created = 0;   // 201
  int64_t rejected = 0;  // any other HTTP status
  int64_t errors = 0;    // no HTTP response (transport, TLS, timeout)
  std::map<int, int64_t> by_status;
  std::string first_failure;  // status + body, or the exception text
  double seconds = 0;
  double created_per_s = 0;
  LatencySummary latency;  // all requests that got a response
  CpuSplit cpu;
};

// `names` is shared across levels so names never repeat. `server_pid` is
// kilnd's, for the CPU split. Errors: Unavailable when a connection cannot
// be opened before the clock starts.
StatusOr<CreateLoadResult> RunCreateLoad(const ApiEndpoint& endpoint,
                                         const CreateLoadOptions& options,
                                         BuildNamer& names, pid_t server_pid);

nlohmann::json ToJson(const CreateLoadResult& r);

}  // namespace kiln::bench
