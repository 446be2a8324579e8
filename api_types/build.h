// The Build resource (kiln.dev/v1): spec is desired, status is observed.
// Field meanings: docs/api.md "Build". Plain value types:
// thread-compatible. Wire names (camelCase) are known only to the codecs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api_types/condition.h"
#include "api_types/object_meta.h"
#include "api_types/time.h"

namespace kiln {

inline constexpr char kBuildKind[] = "Build";
inline constexpr char kBuildListKind[] = "BuildList";

// A tar(.gz) uploaded to the sources endpoint, by content digest.
struct ArchiveSource {
  std::string digest;  // "sha256:<64 hex>"
  friend bool operator==(const ArchiveSource&, const ArchiveSource&) = default;
};

// Small sources carried in the object: relative path -> file content.
struct InlineSource {
  std::map<std::string, std::string> files;
  friend bool operator==(const InlineSource&, const InlineSource&) = default;
};

// Exactly one member is set in a valid Build.
struct BuildSource {
  std::optional<ArchiveSource> archive;
  std::optional<InlineSource> inline_source;  // wire: inline
  friend bool operator==(const BuildSource&, const BuildSource&) = default;
};

struct BuildOutput {
  std::string image;  // "" = server default REGISTRY/NAMESPACE/NAME:UID8
  friend bool operator==(const BuildOutput&, const BuildOutput&) = default;
};

struct BuildResources {
  std::optional<int64_t> cpus;        // defaulted by the server
  std::optional<int64_t> memory_mib;  // wire: memoryMiB
  friend bool operator==(const BuildResources&,
                         const BuildResources&) = default;
};

struct BuildSpec {
  BuildSource source;
  std::string dockerfile;  // path inside the source; default "Dockerfile"
  std::map<std::string, std::string> build_args;
  std::optional<BuildOutput> output;
  BuildResources resources;
  std::optional<int64_t> timeout_seconds;
  bool cancel = false;
  friend bool operator==(const BuildSpec&, const BuildSpec&) = default;
};

enum class BuildPhase {
  kUnset,  // "" on the wire: not yet admitted
  kPending,
  kBuilding,
  kPushing,
  kReady,
  kFailed,
  kCancelled,
};

struct VmRef {
  std::string name;    // "kiln-" + metadata.uid without dashes
  std::string driver;  // "process" | "qemu"
  friend bool operator==(const VmRef&, const VmRef&) = default;
};

struct ImageRef {
  std::string ref;
  std::string digest;
  friend bool operator==(const ImageRef&, const ImageRef&) = default;
};

struct Provenance {
  std::string source_digest;
  std::string base_image_digest;
  std::string dockerfile_digest;
  std::string builder;
  friend bool operator==(const Provenance&, const Provenance&) = default;
};

struct BuildStatus {
  BuildPhase phase = BuildPhase::kUnset;
  std::string reason;
  std::string message;
  std::vector<Condition> conditions;
  int64_t observed_generation = 0;
  std::string node_name;
  std::optional<VmRef> vm;
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> completed_at;
  std::optional<int64_t> duration_ms;
  std::optional<ImageRef> image;
  std::optional<Provenance> provenance;
  int64_t log_bytes = 0;
  friend bool operator==(const BuildStatus&, const BuildStatus&) = default;
};

struct Build {
  ObjectMeta metadata;
  BuildSpec spec;
  BuildStatus status;
  friend bool operator==(const Build&, const Build&) = default;
};

struct BuildList {
  ListMeta metadata;
  std::vector<Build> items;
  friend bool operator==(const BuildList&, const BuildList&) = default;
};

}  // namespace kiln
