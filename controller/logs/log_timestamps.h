// Timestamp prefixes for `timestamps=true` log reads, in the form
// `kubectl logs --timestamps` prints: RFC 3339 UTC with nanoseconds and a
// space before the line, e.g. "2026-11-28T19:00:00.123456789Z line".
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "controller/logs/log_index.h"

namespace kiln {

// Returns `data` (the log bytes starting at log offset `start`) with a
// timestamp (FormatRfc3339 with nine fraction digits, api_types/time.h) and a
// space before each line. The start of `data` is treated as
// a line start (a read that begins mid-line stamps its first fragment).
//
// A line's time is that of the index record at its offset. A line with no
// record of its own (the indexer has not reached it yet, or kilnd never ran
// an indexer for it) gets the time of the next record after it — kilnd had
// seen it by then — or, when no later record exists, `fallback_nanos` (the
// log's modification time: the line existed by then).
// REQUIRES: `entries` sorted by offset, as ReadLogIndex returns them.
std::string AddTimestamps(std::string_view data, int64_t start,
                          const std::vector<LogIndexEntry>& entries,
                          int64_t fallback_nanos);

}  // namespace kiln
