// Path rules for build sources: every file the agent writes or extracts
// stays under the source root. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

// Validates a path given by the user for an inline file or the Dockerfile:
// relative, non-empty, no empty, "." or ".." components, no NUL byte.
// InvalidArgument naming the path otherwise.
Status ValidateInlinePath(std::string_view path);

// Normalizes a tar member name to a relative path below the root: drops
// "." components, a leading "./" and a trailing "/" ("./" becomes "").
// InvalidArgument naming the path when it is absolute or has a ".."
// component.
StatusOr<std::string> NormalizeArchivePath(std::string_view path);

// True when the symlink `link` (normalized relative path of the link
// itself) pointing at `target` resolves, lexically, outside the root:
// `target` is absolute or its ".." components climb above the root when
// applied to the link's directory.
bool SymlinkTargetEscapes(std::string_view link, std::string_view target);

}  // namespace kiln
