// The contract between a VM driver and kiln-agent, the same for every
// driver: a job in, live log lines + progress + a result out. All three
// files are JSON written atomically (write to a temp file, then rename) by
// their single writer; readers may see an older version, never a torn one.
//
//   job.json       driver -> agent   AgentJob
//   progress.json  agent  -> driver  AgentProgress (rewritten per phase/step)
//   result.json    agent  -> driver  AgentResult (written once, last)
//   the log        agent appends lines as buildah prints them
//
// Plain value types: thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/base/files.h"

namespace kiln {

// File names inside a VM's work directory.
inline constexpr char kAgentJobFile[] = "job.json";
inline constexpr char kAgentProgressFile[] = "progress.json";
inline constexpr char kAgentResultFile[] = "result.json";

struct AgentJob {
  std::string build_key;  // "namespace/name", for log lines
  std::string build_uid;
  // Sources: inline files (relative path -> content) or a tar(.gz) archive
  // on the agent's file system. Exactly one is set.
  std::map<std::string, std::string> inline_files;
  std::string archive_path;
  std::string dockerfile = "Dockerfile";  // path inside the source
  std::map<std::string, std::string> build_args;
  std::string image;     // where to push: "HOST:PORT/ns/name:tag"
  std::string registry;  // "HOST:PORT": unqualified-search + plain HTTP
  // The build's credential for the registry's token service
  // (registry_credentials.h); empty for a registry without auth. The agent
  // hands it to buildah in a 0600 auth file, never on a command line.
  std::string registry_username;
  std::string registry_password;
  // Where the agent appends the build log (created if missing).
  std::string log_path;
  // The log's size cap in bytes (0 = none). At the cap the agent writes
  // LogTruncatedMarker(log_max_bytes) (api_types/log_marker.h) and appends
  // nothing more, so the log never grows past cap + marker.
  int64_t log_max_bytes = 0;
  // Caps on the unpacked source archive (0 = none): the members' total
  // size in bytes, and their number. The agent checks tar's listing before
  // anything is written, so an archive bomb never reaches the disk.
  int64_t source_max_bytes = 0;
  int64_t source_max_entries = 0;
  // buildah --root / --runroot (a per-node cache dir may be shared).
  std::string storage_root;
  std::string run_root;
  int64_t cpus = 1;
  int64_t memory_mib = 512;
  friend bool operator==(const AgentJob&, const AgentJob&) = default;
};

// "Building" while buildah builds, "Pushing" while it pushes.
struct AgentProgress {
  std::string phase;  // "Building" | "Pushing"
  std::string step;   // last "STEP n/m: ..." line, may be ""
  friend bool operator==(const AgentProgress&, const AgentProgress&) = default;
};

struct AgentResult {
  bool succeeded = false;
  // On failure: "BuildError" (a Dockerfile step failed; step names it),
  // "PushError", "SourceError" (bad archive/unsafe path), "AgentError".
  std::string reason;
  std::string message;       // one line a person can act on
  std::string step;          // the failing "STEP n/m: ..." for BuildError
  std::string image_ref;     // pushed reference (on success)
  std::string image_digest;  // "sha256:..." from buildah push --digestfile
  // Provenance (on success; digests are "sha256:<hex>").
  std::string source_digest;      // of the canonical source tree
  std::string base_image_digest;  // of the FROM image, when known
  std::string dockerfile_digest;
  std::string builder;  // e.g. "kiln-agent 0.1.0 / buildah 1.28.2"
  friend bool operator==(const AgentResult&, const AgentResult&) = default;
};

nlohmann::json AgentJobToJson(const AgentJob& job);
StatusOr<AgentJob> AgentJobFromJson(const nlohmann::json& j);
nlohmann::json AgentProgressToJson(const AgentProgress& p);
StatusOr<AgentProgress> AgentProgressFromJson(const nlohmann::json& j);
nlohmann::json AgentResultToJson(const AgentResult& r);
StatusOr<AgentResult> AgentResultFromJson(const nlohmann::json& j);

// Writes `value` to `path` with mode 0644 through WriteFileAtomically
// (controller/base/files.h: unique temp file, fsync, rename, directory
// fsync). Internal on I/O errors.
Status WriteJsonFileAtomically(const std::string& path,
                               const nlohmann::json& value);
// The JSON in regular file `path` (a symbolic link or anything but a
// regular file is refused, without blocking: records may be written by an
// untrusted builder). NotFound when missing; InvalidArgument when not valid
// JSON, not a regular file or larger than `max_bytes`; Internal on other
// I/O errors.
StatusOr<nlohmann::json> ReadJsonFile(const std::string& path,
                                      size_t max_bytes = kNoSizeLimit);

}  // namespace kiln
