#include "controller/image_registry/registry_config.h"

namespace kiln {
namespace {

// YAML double-quoted scalar.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string TokenAuth(const std::optional<RegistryTokenAuth>& auth) {
  if (!auth) return "";
  return "auth:\n"
         "  token:\n"
         "    realm: " +
         Quote(auth->realm) + "\n    service: " + Quote(auth->service) +
         "\n    issuer: " + Quote(auth->issuer) +
         "\n    rootcertbundle: " + Quote(auth->rootcertbundle) + "\n";
}

}  // namespace

std::string RenderRegistryConfig(const RegistryConfig& config) {
  return "# Written by kilnd for its embedded registry; rewritten on start.\n"
         "version: 0.1\n"
         "log:\n"
         "  level: " +
         config.log_level +
         "\n"
         "  accesslog:\n"
         "    disabled: true\n"
         "storage:\n"
         "  filesystem:\n"
         "    rootdirectory: " +
         Quote(config.storage_root) +
         "\n"
         "  delete:\n"
         "    enabled: true\n"
         "http:\n"
         "  addr: " +
         Quote(config.listen) +
         "\n"
         "  secret: " +
         config.http_secret +
         "\n"
         "  headers:\n"
         "    X-Content-Type-Options: [nosniff]\n" +
         TokenAuth(config.token_auth);
}

}  // namespace kiln
