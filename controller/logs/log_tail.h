// Finding where the last N lines of a log begin, reading backwards in
// bounded chunks. Thread-safe (positional reads).
#pragma once

#include <cstdint>
#include <string>

#include "api_types/status.h"

namespace kiln {

// Returns the offset where the last `lines` lines of the first `size` bytes
// of `fd` begin. A final line without '\n' counts as a line. 0 lines → size;
// more lines than the log has → 0. REQUIRES: lines >= 0. Internal on I/O
// failure; `path` is used in messages only.
StatusOr<int64_t> TailStart(int fd, int64_t size, int64_t lines,
                            const std::string& path);

}  // namespace kiln
