// kilnd's command-line flags (docs/design.md "Processes").
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "api_types/defaulting.h"
#include "api_types/log_marker.h"

namespace kiln {

// --node-name when empty and the host name cannot be read.
inline constexpr char kFallbackNodeName[] = "node-a";

struct KilndFlags {
  std::string data_dir = ".kiln";
  std::string listen = "127.0.0.1:6443";
  int64_t capacity_cpus = 0;    // 0 = the host's
  std::string capacity_memory;  // "" = the host's; e.g. 16Gi, 2048Mi
  int64_t max_builds = 0;       // 0 = as many as cpus
  std::string registry;         // existing registry HOST:PORT
  std::string embedded_registry = "127.0.0.1:5000";
  // Port of the embedded registry's token service, on the registry's host;
  // 0 = the registry's port + 1.
  int64_t registry_token_port = 0;
  bool insecure_dev = false;
  std::string token_file;  // "" = DATA_DIR/tokens.csv (generated)
  std::string node_name;   // "" = the host name, else kFallbackNodeName
  int64_t default_cpus = kDefaultBuildCpus;
  int64_t default_memory_mib = kDefaultBuildMemoryMiB;
  int64_t default_timeout_seconds = kDefaultBuildTimeoutSeconds;
  int64_t max_body_bytes = 3 << 20;
  int64_t max_source_bytes = 100 << 20;
  // Registries besides Kiln's own that Build outputs may be pushed to.
  std::vector<std::string> allow_output_registries;
  // What one source archive may unpack to in a builder.
  int64_t source_max_unpacked_bytes = int64_t{4} << 30;
  int64_t source_max_entries = 100000;
  // Uploaded sources no Build references are deleted by the periodic GC
  // once unused (not uploaded or looked up) for this long.
  int64_t source_retention_seconds = 24 * 3600;
  int64_t max_watches_per_client = 1000;
  int64_t max_requests_per_client = 256;
  int64_t max_follows_per_client = 100;
  int64_t watch_timeout_seconds = 300;
  int64_t retained_revisions = 100000;
  // false: serve the API only (Builds are admitted and stay Pending; no
  // registry, no VMs) — for API-only deployments and tests.
  bool controllers = true;
  std::string driver = "auto";  // auto | process | qemu
  // qemu driver: the directory hack/build-guest-image.sh printed, and QEMU.
  std::string guest_image;
  std::string qemu_binary = "qemu-system-x86_64";
  int64_t workers = 4;
  std::string agent_path;  // "" = found next to kilnd
  // process driver: pids.max of each builder's cgroup.
  int64_t builder_pids_max = 1024;
  // process driver: each builder's scratch disk (0 = none, unbounded).
  int64_t builder_scratch_mib = 10240;
  // process driver: builders share the host's network (no sandbox).
  bool unsafe_builder_host_network = false;
  // process driver: builders as root of a user namespace: auto | on | off.
  std::string builder_user_namespace = "auto";
  // process driver: the first of the 65536 host ids builders run as.
  int64_t builder_id_base = 1000000000;
  int64_t gc_interval_seconds = 60;
  int64_t vm_delete_grace_seconds = 10;
  int64_t log_max_bytes = kDefaultLogMaxBytes;
  std::string log_format = "text";  // text | json
  int verbosity = 0;                // --v: 0 info, 1 debug, 2 trace
};

void AddKilndFlags(CLI::App& app, KilndFlags& flags);

}  // namespace kiln
