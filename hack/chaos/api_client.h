// Reads kilnd's API the way a user does: the server URL and admin token
// from DATA_DIR/kubeconfig, the CA from DATA_DIR/pki/ca.crt, and GETs
// through curl (no client library, so the checker shares no code with the
// server it checks). Thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api_types/status.h"

namespace kiln::chaos {

struct ApiEndpoint {
  std::string url;      // "https://127.0.0.1:PORT"
  std::string token;    // bearer token ("" for --insecure-dev)
  std::string ca_file;  // "" for plain HTTP
};

// The endpoint kilnd wrote into `data_dir`/kubeconfig. NotFound when there
// is no kubeconfig yet; InvalidArgument when it names no server.
StatusOr<ApiEndpoint> EndpointFromDataDir(const std::string& data_dir);

// GETs `path` (e.g. "/apis/kiln.dev/v1/builds"), using `scratch_file` for
// the body. Returns the parsed body of a 200; Unavailable when kilnd does
// not answer (connection refused, reset, 5xx); NotFound for a 404;
// Internal for any other answer or an undecodable body.
StatusOr<nlohmann::json> ApiGet(const ApiEndpoint& api, const std::string& path,
                                const std::string& scratch_file);

}  // namespace kiln::chaos
