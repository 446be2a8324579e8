// Small read-only requests api_bench makes between phases: is kilnd still
// answering, how many Builds does a namespace hold, what is its current
// resourceVersion. Each opens its own connection. A benchmark helper, never
// run by ctest. Thread-safe (no shared state).
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "api_types/status.h"
#include "hack/bench/api_endpoint.h"

namespace kiln::bench {

// GET `path` and decode the JSON body. Errors: Unavailable (no answer,
// non-200, undecodable body).
StatusOr<nlohmann::json> GetJson(const ApiEndpoint& endpoint,
                                 const std::string& path);

// GET /healthz answered 200 within `timeout` (TLS handshake included).
bool Healthy(const ApiEndpoint& endpoint, std::chrono::seconds timeout);

// Builds stored in `ns`, counted by paging through the list (500 a page).
// Errors: Unavailable (no answer, non-200, undecodable list).
StatusOr<int64_t> CountBuilds(const ApiEndpoint& endpoint,
                              const std::string& ns);

// metadata.resourceVersion of the builds list of `ns`. Errors: as above.
StatusOr<std::string> CurrentResourceVersion(const ApiEndpoint& endpoint,
                                             const std::string& ns);

}  // namespace kiln::bench
