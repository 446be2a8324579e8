// One create of a real (buildable) Build through kilnd's HTTPS API, for
// build_bench: the small Build of api_build_body.h with the Dockerfile of
// the benchmark (FROM kiln/busybox:1 + RUN true) and room for buildah
// (512 MiB). Returns what the submitter needs: status, uid, Retry-After
// and when the answer arrived. A benchmark helper, never run by ctest.
//
// Thread-compatible: one thread uses a client at a time.
#pragma once

#include <cpprest/http_client.h>

#include <chrono>
#include <string>

#include "hack/bench/api_endpoint.h"

namespace kiln::bench {

// The Dockerfile build_bench builds, through Kiln and with buildah alone.
inline constexpr char kBenchDockerfile[] = "FROM kiln/busybox:1\nRUN true\n";

struct SubmitResult {
  int status = 0;          // HTTP status; 0 = no answer
  std::string uid;         // metadata.uid of a 201
  int retry_after_s = -1;  // Retry-After of a 503/429, -1 when absent
  std::string failure;     // non-201: status + body excerpt, or exception
  std::chrono::steady_clock::time_point sent;
  std::chrono::steady_clock::time_point answered;  // body read
};

// POSTs the Build `name` into `ns` on `client` (which must point at
// endpoint.server). Never throws: transport errors give status 0.
SubmitResult SubmitBuild(web::http::client::http_client& client,
                         const ApiEndpoint& endpoint, const std::string& ns,
                         const std::string& name);

}  // namespace kiln::bench
