// The offline base image kiln/busybox:1: what `FROM kiln/busybox:1` resolves
// to when there is no internet. Built from the host's static busybox with
// buildah and pushed to the (embedded) registry.
#pragma once

#include <chrono>
#include <string>

#include "api_types/status.h"
#include "controller/image_registry/registry_credentials.h"

namespace kiln {

inline constexpr char kBaseImageRepository[] = "kiln/busybox";
inline constexpr char kBaseImageTag[] = "1";

struct SeedOptions {
  // Source of the image's only binary; must be statically linked.
  std::string busybox = "/bin/busybox";
  // Per buildah command.
  std::chrono::milliseconds command_timeout = std::chrono::seconds(120);
  // For a registry with token auth (kilnd's own credential); empty = none.
  RegistryCredential credential;
};

struct SeedResult {
  std::string digest;  // of REGISTRY/kiln/busybox:1 now
  // The digest the tag named before when that was not the one recorded:
  // someone pushed over the base image, and the seed replaced it.
  std::string replaced;
};

// Makes REGISTRY/kiln/busybox:1 exist in `registry` ("HOST:PORT", plain
// HTTP) as the image this function pushed, pinned by digest: the digest of
// each push is recorded in WORK_DIR/base-image.digest, and a tag naming any
// other digest is pushed again. Does nothing when the tag names the
// recorded digest (or, with no record yet, exists: then its digest is
// recorded). Otherwise builds the image (busybox, a symlink per applet,
// /tmp, /etc/passwd; CMD /bin/sh; PATH=/usr/sbin:/usr/bin:/sbin:/bin) with
// buildah using the storage BuildahStorageArgs(work_dir) picks, pushes it
// and removes the working container. Takes about a second.
// Blocks; must not run concurrently for the same `work_dir`.
// Returns kFailedPrecondition when busybox is missing; kUnavailable when the
// registry cannot be reached; kInternal when a buildah step fails (the
// message has the command and its output).
StatusOr<SeedResult> SeedBaseImage(const std::string& registry,
                                   const std::string& work_dir,
                                   const SeedOptions& options = {});

}  // namespace kiln
