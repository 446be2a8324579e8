// RFC 3339 time, UTC: the one formatter and parser in Kiln. API objects
// carry metav1.Time (second precision); log timestamps (kubectl logs
// --timestamps) and kilnd's JSON log lines carry fractions of a second.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kiln {

using Timestamp = std::chrono::sys_seconds;

// "2026-11-28T14:55:03Z".
std::string FormatRfc3339(Timestamp t);

// Digits after the seconds in FormatRfc3339's fractional form.
enum class SubsecondDigits { kMicros = 6, kNanos = 9 };

// "2026-11-28T14:55:03.123456Z" (kMicros) or "2026-11-28T14:55:03.123456789Z"
// (kNanos): always that many digits, so timestamps line up; the time is
// truncated (not rounded) to them. Times before 1970 are fine too.
std::string FormatRfc3339(std::chrono::sys_time<std::chrono::nanoseconds> t,
                          SubsecondDigits digits);

// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; fractions are truncated.
// Returns nullopt on any other input.
std::optional<Timestamp> ParseRfc3339(std::string_view text);

}  // namespace kiln
