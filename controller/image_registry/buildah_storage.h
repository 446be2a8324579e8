// Where kilnd's buildah keeps images and containers: a private
// containers/storage root under a work dir, never the host's
// /var/lib/containers.
#pragma once

#include <string>
#include <vector>

#include "api_types/status.h"

namespace kiln {

// Returns the global buildah flags (--root, --runroot, --storage-driver)
// for the storage under `work_dir`, choosing the driver the first time:
// overlay when this host can mount it (it can here: root on ext4, kernel
// overlayfs), else vfs (copies every layer, slower but works anywhere).
// Each driver gets its own root (work_dir/storage-DRIVER), and the choice
// is remembered in work_dir/storage-driver. Not safe to call concurrently
// for the same work dir the first time. Returns kInternal when neither
// driver works.
StatusOr<std::vector<std::string>> BuildahStorageArgs(
    const std::string& work_dir);

}  // namespace kiln
