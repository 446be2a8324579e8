// Whole-file reads and crash-safe whole-file writes for the API server's
// secrets and certificates (tokens.csv, server.key, kubeconfig, ...).
//
// Thread-compatible: concurrent writers of the same path race on the final
// rename (the last one wins; neither leaves a partial file).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

// Mode for files holding secrets: owner read/write only.
inline constexpr mode_t kPrivateFileMode = 0600;
// Mode for public material such as certificates.
inline constexpr mode_t kPublicFileMode = 0644;

// Replaces `path` with `contents` atomically: writes a temporary file in the
// same directory with `mode` (exactly, regardless of umask), fsyncs it,
// renames it over `path` and fsyncs the directory. Readers see the old file
// or the new one, never a mix. The directory must exist.
// Returns Internal (with the path and errno text) on any I/O failure; the
// temporary file is removed then.
Status WriteFileAtomically(const std::string& path, std::string_view contents,
                           mode_t mode);

// Reads the whole file at `path`. NotFound when it does not exist; Internal
// for other I/O errors. Files above `max_bytes` give InvalidArgument.
StatusOr<std::string> ReadWholeFile(const std::string& path,
                                    size_t max_bytes = 1 << 20);

// Creates `dir` with mode 0700 (missing parents with the default mode) when
// it does not exist.
// An existing directory is left as it is. Internal when `dir` exists but is
// not a directory, or on I/O errors.
Status EnsurePrivateDirectory(const std::string& dir);

}  // namespace kiln
