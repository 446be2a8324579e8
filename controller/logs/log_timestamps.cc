#include "controller/logs/log_timestamps.h"

#include <chrono>

#include "api_types/time.h"

namespace kiln {

std::string AddTimestamps(std::string_view data, int64_t start,
                          const std::vector<LogIndexEntry>& entries,
                          int64_t fallback_nanos) {
  std::string out;
  out.reserve(data.size() + data.size() / 16);
  size_t next_entry = 0;  // first entry not before the current line
  size_t pos = 0;
  while (pos < data.size()) {
    const int64_t line_offset = start + static_cast<int64_t>(pos);
    while (next_entry < entries.size() &&
           entries[next_entry].offset < line_offset) {
      ++next_entry;
    }
    const int64_t nanos = next_entry < entries.size()
                              ? entries[next_entry].unix_nanos
                              : fallback_nanos;
    out += FormatRfc3339(std::chrono::sys_time<std::chrono::nanoseconds>(
                             std::chrono::nanoseconds(nanos)),
                         SubsecondDigits::kNanos);
    out += ' ';
    const size_t newline = data.find('\n', pos);
    const size_t end =
        newline == std::string_view::npos ? data.size() : newline + 1;
    out.append(data.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

}  // namespace kiln
