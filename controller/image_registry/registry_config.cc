#include "controller/image_registry/registry_config.h"

#include <random>

namespace kiln {
namespace {

// A random hex string for http.secret (the registry signs upload state
// with it; without one it logs a warning and generates its own).
std::string RandomSecret() {
  std::random_device random;
  std::string out;
  constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) out += kHex[random() % 16];
  return out;
}

// YAML double-quoted scalar.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
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
         RandomSecret() +
         "\n"
         "  headers:\n"
         "    X-Content-Type-Options: [nosniff]\n";
}

}  // namespace kiln
