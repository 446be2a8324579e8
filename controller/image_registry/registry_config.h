// The configuration file kilnd writes for its embedded docker-registry.
// Debian's packaged /etc/docker/registry/config.yml turns on htpasswd auth,
// so it is never used: the embedded registry always runs from this one.
#pragma once

#include <optional>
#include <string>

namespace kiln {

// auth.token: clients get bearer tokens from `realm` (kilnd's token
// service), which the registry checks against `rootcertbundle`.
struct RegistryTokenAuth {
  std::string realm;           // "http://127.0.0.1:5001/token"
  std::string service;         // the tokens' aud
  std::string issuer;          // the tokens' iss
  std::string rootcertbundle;  // PEM file of the signing certificate
  friend bool operator==(const RegistryTokenAuth&,
                         const RegistryTokenAuth&) = default;
};

struct RegistryConfig {
  std::string listen;        // http.addr, "127.0.0.1:5000"
  std::string storage_root;  // storage.filesystem.rootdirectory
  std::string log_level = "warn";
  // http.secret: the registry signs upload state with it (random, new on
  // every start: RandomHex).
  std::string http_secret;
  // Unset: no auth (anyone who reaches the registry may read and write).
  std::optional<RegistryTokenAuth> token_auth;
};

// Returns the YAML (registry configuration version 0.1): filesystem storage
// under `storage_root` with deletes enabled, plain HTTP on `listen`, token
// auth when `token_auth` is set (else none), access log off, `http_secret`.
std::string RenderRegistryConfig(const RegistryConfig& config);

}  // namespace kiln
