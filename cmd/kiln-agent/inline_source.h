// Writes a job's inline files (relative path -> content) under a source
// root. Thread-compatible.
#pragma once

#include <map>
#include <string>

#include "api_types/status.h"

namespace kiln {

// Creates `root` and writes every file of `files` below it (mode 0644,
// parent directories 0755). InvalidArgument naming the path when one is
// unsafe (see ValidateInlinePath) — nothing is written then; Internal on
// I/O errors (including a path that is both a file and a directory).
Status WriteInlineSource(const std::string& root,
                         const std::map<std::string, std::string>& files);

}  // namespace kiln
