// The kubeconfig kilnd writes on start (DATA_DIR/kubeconfig) so stock
// kubectl and kilnctl reach it with the admin token and trust its CA.
#pragma once

#include <string>

#include "api_types/status.h"

namespace kiln {

struct KubeconfigParams {
  std::string server_url;  // "https://127.0.0.1:6443"
  // PEM of the CA that signed the serving certificate; embedded as
  // certificate-authority-data. Empty for plain HTTP (--insecure-dev).
  std::string ca_pem;
  // Bearer token of the user; empty for none (anonymous --insecure-dev).
  std::string token;
  std::string cluster_name = "kiln";
  std::string user_name = "admin";
  std::string context_name = "kiln";
  std::string namespace_ = "default";
};

// Renders a single-cluster, single-user kubeconfig (apiVersion v1,
// kind Config) whose current-context is `context_name`. Every string is
// emitted double-quoted and escaped, so no value can change the structure.
// Pure; thread-safe.
std::string RenderKubeconfig(const KubeconfigParams& params);

// Writes `text` to `path` atomically with mode 0600 (it holds a token).
// Internal on I/O errors.
Status WriteKubeconfig(const std::string& path, const std::string& text);

}  // namespace kiln
