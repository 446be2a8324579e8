// Memory quantities as users write them on flags and in specs:
// "16Gi", "2048Mi", "1G", "512M", "1073741824" (bytes).
#pragma once

#include <cstdint>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

// Returns the quantity in MiB (rounded down). InvalidArgument naming the
// text for anything else (negative, unknown suffix, overflow, below 1 MiB).
StatusOr<int64_t> ParseMemoryMiB(std::string_view text);

}  // namespace kiln
