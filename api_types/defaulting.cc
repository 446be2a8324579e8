#include "api_types/defaulting.h"

#include <string>

namespace kiln {

void ApplyBuildDefaults(Build& build, const BuildDefaults& defaults) {
  if (build.metadata.namespace_.empty()) {
    build.metadata.namespace_ = defaults.namespace_;
  }
  BuildSpec& spec = build.spec;
  if (spec.dockerfile.empty()) spec.dockerfile = defaults.dockerfile;
  if (!spec.resources.cpus) spec.resources.cpus = defaults.cpus;
  if (!spec.resources.memory_mib) {
    spec.resources.memory_mib = defaults.memory_mib;
  }
  if (!spec.timeout_seconds) spec.timeout_seconds = defaults.timeout_seconds;
}

std::string DefaultOutputImage(std::string_view registry, const Build& build) {
  constexpr size_t kUidPrefixLength = 8;
  std::string uid8;
  for (char c : build.metadata.uid) {
    if (uid8.size() == kUidPrefixLength) break;
    if (c != '-') uid8 += c;
  }
  while (!registry.empty() && registry.back() == '/') registry.remove_suffix(1);
  std::string image;
  if (!registry.empty()) image = std::string(registry) + "/";
  image += build.metadata.namespace_ + "/" + build.metadata.name;
  if (!uid8.empty()) image += ":" + uid8;  // REQUIRES violated: stay parseable
  return image;
}

}  // namespace kiln
