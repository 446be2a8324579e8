#include "controller/logs/log_timestamps.h"

#include <time.h>

#include <cstdio>

namespace kiln {

std::string FormatRfc3339Nano(int64_t unix_nanos) {
  constexpr int64_t kNanosPerSecond = 1'000'000'000;
  const time_t seconds = static_cast<time_t>(unix_nanos / kNanosPerSecond);
  const int64_t nanos = unix_nanos % kNanosPerSecond;
  struct tm tm {};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<long long>(nanos));
  return buf;
}

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
    out += FormatRfc3339Nano(nanos);
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
