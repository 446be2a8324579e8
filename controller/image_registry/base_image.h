// The offline base image kiln/busybox:1: what `FROM kiln/busybox:1` resolves
// to when there is no internet. Built from the host's static busybox with
// buildah and pushed to the (embedded) registry.
#pragma once

#include <chrono>
#include <string>

#include "api_types/status.h"

namespace kiln {

inline constexpr char kBaseImageRepository[] = "kiln/busybox";
inline constexpr char kBaseImageTag[] = "1";

struct SeedOptions {
  // Source of the image's only binary; must be statically linked.
  std::string busybox = "/bin/busybox";
  // Per buildah command.
  std::chrono::milliseconds command_timeout = std::chrono::seconds(120);
};

// Makes REGISTRY/kiln/busybox:1 exist in `registry` ("HOST:PORT", plain
// HTTP). Does nothing when the registry already has the manifest;
// otherwise builds it (busybox, a symlink per applet, /tmp, /etc/passwd;
// CMD /bin/sh; PATH=/usr/sbin:/usr/bin:/sbin:/bin) with buildah using the
// storage BuildahStorageArgs(work_dir) picks, pushes it and removes the
// working container. Takes about a second.
// Blocks; must not run concurrently for the same `work_dir`.
// Returns kFailedPrecondition when busybox is missing; kUnavailable when the
// registry cannot be reached; kInternal when a buildah step fails (the
// message has the command and its output).
Status SeedBaseImage(const std::string& registry, const std::string& work_dir,
                     const SeedOptions& options = {});

}  // namespace kiln
