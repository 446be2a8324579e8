// Server-side defaults for Build, applied on create and update before
// validation (Kubernetes "defaulting" then "validation"). Pure functions:
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api_types/build.h"

namespace kiln {

// The built-in defaults: kilnd's --default-cpus, --default-memory-mib and
// --default-timeout-seconds start from these, and code that meets a Build
// with the field unset (admission always sets it) falls back to them.
inline constexpr int64_t kDefaultBuildCpus = 1;
inline constexpr int64_t kDefaultBuildMemoryMiB = 1024;
inline constexpr int64_t kDefaultBuildTimeoutSeconds = 600;

// Values for fields the client left unset; the server fills these from its
// flags.
struct BuildDefaults {
  int64_t cpus = kDefaultBuildCpus;
  int64_t memory_mib = kDefaultBuildMemoryMiB;
  int64_t timeout_seconds = kDefaultBuildTimeoutSeconds;
  std::string dockerfile = "Dockerfile";
  std::string namespace_ = "default";
};

// Fills only the unset fields of `build` from `defaults`: metadata.namespace
// and spec.dockerfile when empty, spec.resources.cpus,
// spec.resources.memory_mib and spec.timeout_seconds when nullopt. Set fields,
// spec.output and status are never touched. Idempotent.
void ApplyBuildDefaults(Build& build, const BuildDefaults& defaults);

// The image a Build is pushed to when spec.output.image is empty:
// "REGISTRY/NAMESPACE/NAME:UID8", UID8 being the first 8 characters of
// metadata.uid after removing '-'. Trailing '/' on `registry` is ignored; an
// empty registry gives "NAMESPACE/NAME:UID8". The server computes this at
// admission, once metadata.uid is assigned.
// REQUIRES: metadata.namespace_, metadata.name and metadata.uid are set (with
// an empty uid the tag is left out rather than producing "NAME:").
std::string DefaultOutputImage(std::string_view registry, const Build& build);

}  // namespace kiln
