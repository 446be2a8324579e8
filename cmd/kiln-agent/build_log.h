// The build log a person reads (AgentJob::log_path): buildah's lines
// verbatim plus the agent's own lines prefixed "kiln-agent: ". Each line is
// one write(2) on an O_APPEND descriptor, so readers see whole lines as
// soon as they happen and other appenders never interleave mid-line.
// Thread-compatible.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

inline constexpr char kAgentLogPrefix[] = "kiln-agent: ";

class LogFile {
 public:
  // Opens `path` for appending, creating it and its parent directories.
  // Internal on failure.
  static StatusOr<std::unique_ptr<LogFile>> Open(const std::string& path);
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  // Appends `line` and a '\n'. Internal on a failed or short write.
  Status Append(std::string_view line);
  // Appends kAgentLogPrefix + `text`.
  Status Note(std::string_view text);

 private:
  LogFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  const std::string path_;
  const int fd_;
};

}  // namespace kiln
