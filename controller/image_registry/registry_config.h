// The configuration file kilnd writes for its embedded docker-registry.
// Debian's packaged /etc/docker/registry/config.yml turns on htpasswd auth,
// so it is never used: the embedded registry always runs from this one.
#pragma once

#include <string>

namespace kiln {

struct RegistryConfig {
  std::string listen;        // http.addr, "127.0.0.1:5000"
  std::string storage_root;  // storage.filesystem.rootdirectory
  std::string log_level = "warn";
};

// Returns the YAML (registry configuration version 0.1): filesystem storage
// under `storage_root` with deletes enabled, plain HTTP on `listen`, no
// auth, access log off, a random http.secret.
std::string RenderRegistryConfig(const RegistryConfig& config);

}  // namespace kiln
