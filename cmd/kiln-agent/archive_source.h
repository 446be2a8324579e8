// Extracts a build's source archive (tar, optionally gzip/xz/bzip2
// compressed) under a source root, refusing anything that could write or
// point outside it. Uses the system GNU tar as a subprocess (libarchive is
// not installed on the build hosts). Thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "api_types/status.h"
#include "cmd/kiln-agent/tar_listing.h"

namespace kiln {

// Checks the entries of a listing without touching the file system:
// InvalidArgument naming the offending member when one is absolute, has a
// ".." component, is a device/fifo/other special file, is a symlink whose
// target escapes the root, or a hard link to such a name.
Status CheckTarEntries(const std::vector<TarEntry>& entries);

// Checks an extracted tree physically: every symlink below `root`, resolved
// with the symlinks already on disk, stays below `root`. InvalidArgument
// naming the first offending link; Internal on I/O errors.
Status CheckTreeStaysInside(const std::string& root);

// Lists `archive` (CheckTarEntries), extracts it into `root` (created) with
// --no-same-owner --no-same-permissions, then runs CheckTreeStaysInside.
// NotFound when the archive is missing; InvalidArgument when it is not a
// readable tar or fails a check (the message names the path); Internal on
// other failures. On error `root` may hold a partial tree.
Status ExtractArchiveSource(const std::string& archive,
                            const std::string& root);

}  // namespace kiln
