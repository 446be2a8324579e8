// The baseline of build_bench: the benchmark's Dockerfile built and pushed
// with buildah alone, with the command lines, containers config and storage
// driver choice kiln-agent uses (cmd/kiln-agent: BuildahCommand,
// RegistriesConf, StorageConf, ChooseStorageDriver), in a fresh storage root
// like the agent's per-VM one, but without kilnd, the VM (namespaces,
// cgroup) or the agent's other steps. A benchmark helper, never run by
// ctest.
//
// Thread-compatible.
#pragma once

#include <string>

#include "api_types/status.h"
#include "controller/image_registry/registry_credentials.h"

namespace kiln::bench {

struct DirectBuildResult {
  double build_s = 0;  // buildah build
  double push_s = 0;   // buildah push
  double total_s = 0;  // config written -> push done
  std::string storage_driver;
};

// Builds into WORK_DIR/storage and pushes `image` ("HOST:PORT/repo:tag",
// plain HTTP to `registry`, logged in with `credential` when it is set, as
// the agent is), then unmounts and removes `work_dir` (not
// timed). `work_dir` must not exist or be empty. Errors: Internal (a
// command could not start or exited non-zero; its output's tail in the
// message).
StatusOr<DirectBuildResult> RunDirectBuildah(
    const std::string& registry, const RegistryCredential& credential,
    const std::string& image, const std::string& work_dir);

}  // namespace kiln::bench
