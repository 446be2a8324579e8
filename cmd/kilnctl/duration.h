// Go-style durations as kubectl takes them: "30s", "10m", "1h30m", "250ms";
// a bare number is seconds. Pure; thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "api_types/status.h"

namespace kiln::kilnctl {

// InvalidArgument naming `flag` for anything else or a negative value.
StatusOr<std::chrono::milliseconds> ParseDuration(const std::string& text,
                                                  const std::string& flag);

}  // namespace kiln::kilnctl
