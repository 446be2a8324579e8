// Extracts a build's source archive (tar, optionally gzip/xz/bzip2
// compressed) under a source root, refusing anything that could write or
// point outside it. Uses the system GNU tar as a subprocess (libarchive is
// not installed on the build hosts). Thread-compatible.
#pragma once

#include <cstdint>
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

// Caps on what a source archive may unpack to; 0 = no cap.
struct SourceLimits {
  uint64_t max_bytes = 0;    // sum of the members' sizes
  uint64_t max_entries = 0;  // members (files, directories, links)
};

// Lists `archive` (streamed: the listing is never held whole; checked
// against `limits` line by line, so a gzip bomb is refused before anything
// is written), checks the entries (CheckTarEntries), extracts it into `root`
// (created) with --no-same-owner --no-same-permissions, then runs
// CheckTreeStaysInside. NotFound when the archive is missing;
// InvalidArgument when it is not a readable tar, exceeds a limit (the message
// names the limit and its kilnd flag) or fails a check (the message names the
// path); Internal on other failures. On any error `root` is removed.
Status ExtractArchiveSource(const std::string& archive, const std::string& root,
                            const SourceLimits& limits = {});

}  // namespace kiln
