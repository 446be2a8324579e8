// The build log a person reads (AgentJob::log_path): buildah's lines
// verbatim plus the agent's own lines prefixed "kiln-agent: ". Each line is
// one write(2) on an O_APPEND descriptor, so readers see whole lines as
// soon as they happen and other appenders never interleave mid-line.
//
// With a cap (AgentJob::log_max_bytes > 0) the file never holds more than
// the cap plus the marker line: a line that does not fit is replaced by
// LogTruncatedMarker(cap) (api_types/log_marker.h) and every later line is
// dropped — the same bytes kilnd's ApplyCap would leave. A log already at
// or over the cap when opened (a restarted agent) is appended nothing.
// Thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

inline constexpr char kAgentLogPrefix[] = "kiln-agent: ";

class LogFile {
 public:
  // Opens `path` for appending, creating it and its parent directories;
  // `max_bytes` is the cap (0 = none). Internal on failure.
  static StatusOr<std::unique_ptr<LogFile>> Open(const std::string& path,
                                                 int64_t max_bytes = 0);
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  // Appends `line` and a '\n' (or, at the cap, the marker; past it,
  // nothing). Internal on a failed or short write (a full disk); a short
  // write's partial line is cut off again, so the file holds whole lines
  // only and later appends succeed once there is space.
  Status Append(std::string_view line);
  // True once the cap was reached: later lines are dropped.
  bool truncated() const { return truncated_; }
  // Appends kAgentLogPrefix + `text`.
  Status Note(std::string_view text);

 private:
  LogFile(std::string path, int fd, int64_t max_bytes, int64_t size)
      : path_(std::move(path)), fd_(fd), max_bytes_(max_bytes), size_(size) {}
  Status WriteAll(const std::string& bytes);

  const std::string path_;
  const int fd_;
  const int64_t max_bytes_;
  int64_t size_;  // bytes in the file (as far as this writer knows)
  bool truncated_ = false;
};

}  // namespace kiln
