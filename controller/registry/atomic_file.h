// Replacing small files (configs, pid files) without readers ever seeing a
// half-written one.
#pragma once

#include <string>

#include "api_types/status.h"

namespace kiln {

// Writes `contents` to `path` atomically: a temporary file in the same
// directory, then rename(2). Thread-safe for distinct paths.
// Returns kInternal on I/O errors.
Status WriteFileAtomically(const std::string& path,
                           const std::string& contents);

}  // namespace kiln
