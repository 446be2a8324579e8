// The writer of the watch benchmark: creates Builds at a fixed pace (open
// loop: send i is due at start + i / rate whatever earlier sends took)
// through one keep-alive HTTPS connection, annotating each with
// bench/run=<tag> and bench/t=<steady-clock ns just before the POST>.
// A benchmark helper, never run by ctest. Thread-compatible: one thread
// drives a PacedWriter.
#pragma once

#include <cpprest/http_client.h>

#include <cstdint>
#include <string>

#include "api_types/status.h"
#include "hack/bench/api_build_body.h"
#include "hack/bench/api_endpoint.h"
#include "hack/bench/latency_stats.h"

namespace kiln::bench {

struct PacedWriteResult {
  int64_t ok = 0;  // 201
  int64_t failures = 0;
  std::string first_failure;
  double seconds = 0;  // first send -> last response
  LatencySamples create;
};

class PacedWriter {
 public:
  PacedWriter(const ApiEndpoint& endpoint, std::string ns);
  PacedWriter(const PacedWriter&) = delete;
  PacedWriter& operator=(const PacedWriter&) = delete;

  // Opens the connection (TLS handshake) so that the first timed write
  // does not pay for it. Errors: Unavailable.
  Status Connect();

  // Sends `writes` creates at `rate_per_s`, blocking until done. Keeps no
  // reference to `names` or `tag`.
  PacedWriteResult Run(int64_t writes, double rate_per_s, BuildNamer& names,
                       const std::string& tag);

 private:
  const ApiEndpoint endpoint_;
  const std::string ns_;
  web::http::client::http_client client_;
};

}  // namespace kiln::bench
