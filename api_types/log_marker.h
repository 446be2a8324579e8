// The build log's size cap as readers see it: a capped log ends with one
// marker line. Both writers of a capped log produce it byte for byte —
// kiln-agent while it writes (AgentJob::log_max_bytes), kilnd's ApplyCap
// as the backstop when a build ends (controller/logs/log_cap.h) — so
// clients can rely on it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kiln {

// Default cap (kilnd --log-max-bytes).
inline constexpr int64_t kDefaultLogMaxBytes = 10 * 1024 * 1024;

// Every truncation marker starts with this.
inline constexpr std::string_view kLogTruncatedPrefix =
    "kiln: log truncated at ";

// The marker line, with its '\n':
// "kiln: log truncated at <max_bytes> bytes (limit --log-max-bytes)\n".
std::string LogTruncatedMarker(int64_t max_bytes);

}  // namespace kiln
