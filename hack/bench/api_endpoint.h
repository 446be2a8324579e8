// Where and how api_bench talks to a running kilnd: the server URL and the
// bearer token from the kubeconfig kilnd wrote, the CA that signed its
// serving certificate, and the cpprestsdk client configuration built from
// them (TLS verified against that CA, never switched off). A benchmark
// helper, never run by ctest.
//
// Thread-safe: ApiEndpoint is an immutable value once loaded.
#pragma once

#include <cpprest/http_client.h>

#include <chrono>
#include <string>

#include "api_types/status.h"

namespace kiln::bench {

struct ApiEndpoint {
  std::string server;   // e.g. https://127.0.0.1:40123
  std::string token;    // bearer token of the kubeconfig's user
  std::string ca_file;  // PEM CA that signed kilnd's serving certificate
};

// Reads `server:` and `token:` from the kubeconfig kilnd writes (one
// cluster, one user). Errors: Unavailable (unreadable file, missing CA
// file), InvalidArgument (no server or token line).
StatusOr<ApiEndpoint> LoadEndpoint(const std::string& kubeconfig_path,
                                   const std::string& ca_file);

// Client configuration: the CA loaded into the TLS context, `timeout` for
// each send/receive operation (for a watch: the longest silence tolerated).
web::http::client::http_client_config MakeClientConfig(
    const ApiEndpoint& endpoint, std::chrono::seconds timeout);

// A request with the bearer token and Accept: application/json set.
web::http::http_request NewRequest(const ApiEndpoint& endpoint,
                                   const web::http::method& method,
                                   const std::string& path_and_query);

}  // namespace kiln::bench
