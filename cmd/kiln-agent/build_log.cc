#include "cmd/kiln-agent/build_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "api_types/log_marker.h"

namespace kiln {

StatusOr<std::unique_ptr<LogFile>> LogFile::Open(const std::string& path,
                                                 int64_t max_bytes) {
  if (max_bytes < 0) return InvalidArgumentError("log cap must be >= 0");
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec)
    return InternalError("create " + parent.string() + ": " + ec.message());
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return InternalError("open log " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return InternalError("stat log " + path + ": " + std::strerror(err));
  }
  auto log = std::unique_ptr<LogFile>(
      new LogFile(path, fd, max_bytes, static_cast<int64_t>(st.st_size)));
  log->truncated_ = max_bytes > 0 && log->size_ >= max_bytes;
  return log;
}

LogFile::~LogFile() { close(fd_); }

Status LogFile::Append(std::string_view line) {
  if (truncated_) return OkStatus();
  std::string buf;
  buf.reserve(line.size() + 1);
  buf.append(line);
  buf += '\n';
  const int64_t n = static_cast<int64_t>(buf.size());
  if (max_bytes_ == 0 || size_ + n <= max_bytes_) return WriteAll(buf);
  truncated_ = true;
  if (size_ == 0) {
    // One line longer than the cap: keep its first max_bytes bytes, end
    // the line, then the marker (as ApplyCap does).
    buf.resize(static_cast<size_t>(max_bytes_));
    buf += '\n';
    return WriteAll(buf + LogTruncatedMarker(max_bytes_));
  }
  return WriteAll(LogTruncatedMarker(max_bytes_));
}

Status LogFile::WriteAll(const std::string& bytes) {
  ssize_t n;
  do {
    n = write(fd_, bytes.data(), bytes.size());
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(bytes.size())) {
    const std::string why = n < 0 ? std::strerror(errno) : "short write";
    // A short write (the disk filled up mid-line) leaves a torn line that
    // the next append would run into: cut it off, so the log stays whole
    // lines and appends resume cleanly once space returns.
    struct stat st {};
    if (n > 0 && fstat(fd_, &st) == 0 && st.st_size >= n) {
      if (ftruncate(fd_, st.st_size - n) != 0) {
        return InternalError(
            "append to " + path_ + ": " + why +
            ", and cannot cut the torn line: " + std::strerror(errno));
      }
    }
    return InternalError("append to " + path_ + ": " + why);
  }
  size_ += static_cast<int64_t>(n);
  return OkStatus();
}

Status LogFile::Note(std::string_view text) {
  return Append(std::string(kAgentLogPrefix) + std::string(text));
}

}  // namespace kiln
