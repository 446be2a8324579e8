// Wire time for API objects: metav1.Time, RFC 3339 with second precision, UTC.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kiln {

using Timestamp = std::chrono::sys_seconds;

// "2026-11-28T14:55:03Z".
std::string FormatRfc3339(Timestamp t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; fractions are truncated.
// Returns nullopt on any other input.
std::optional<Timestamp> ParseRfc3339(std::string_view text);

}  // namespace kiln
