#include "cmd/kiln-agent/containers_config.h"

#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

namespace kiln {
namespace {

// A TOML basic string.
std::string TomlString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool IsRegistryChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
         c == ':' || c == '_' || c == '[' || c == ']';
}

}  // namespace

StatusOr<std::string> RegistriesConf(std::string_view registry) {
  if (registry.empty()) return InvalidArgumentError("registry: required");
  for (char c : registry) {
    if (!IsRegistryChar(c)) {
      return InvalidArgumentError("registry \"" + std::string(registry) +
                                  "\": not a HOST:PORT");
    }
  }
  std::string text =
      "# Written by kiln-agent for one build; see cmd/kiln-agent/"
      "containers_config.h.\n"
      "unqualified-search-registries = [" +
      TomlString(registry) +
      "]\n"
      "short-name-mode = \"enforcing\"\n\n"
      "[[registry]]\n"
      "location = " +
      TomlString(registry) + "\ninsecure = true\n";
  if (registry != "docker.io") {
    text +=
        "\n[[registry]]\n"
        "location = \"docker.io\"\n"
        "blocked = true\n";
  }
  return text;
}

std::string RegistriesDConf(std::string_view sigstore_dir) {
  // A JSON string is a YAML double-quoted scalar.
  return "# Written by kiln-agent for one build.\ndefault-docker:\n  "
         "lookaside: " +
         nlohmann::json("file://" + std::string(sigstore_dir)).dump() + "\n";
}

std::string StorageConf(std::string_view driver, std::string_view root,
                        std::string_view run_root) {
  return "# Written by kiln-agent for one build.\n[storage]\ndriver = " +
         TomlString(driver) + "\ngraphroot = " + TomlString(root) +
         "\nrunroot = " + TomlString(run_root) + "\n";
}

std::string ChooseStorageDriver(const std::string& storage_root,
                                std::string_view proc_filesystems) {
  std::error_code ec;
  const std::filesystem::path root(storage_root);
  const bool has_overlay = std::filesystem::is_directory(root / "overlay", ec);
  const bool has_vfs = std::filesystem::is_directory(root / "vfs", ec);
  if (has_vfs && !has_overlay) return "vfs";
  if (has_overlay) return "overlay";
  return proc_filesystems.find("\toverlay\n") != std::string_view::npos
             ? "overlay"
             : "vfs";
}

}  // namespace kiln
