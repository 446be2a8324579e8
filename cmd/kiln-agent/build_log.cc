#include "cmd/kiln-agent/build_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace kiln {

StatusOr<std::unique_ptr<LogFile>> LogFile::Open(const std::string& path) {
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
  return std::unique_ptr<LogFile>(new LogFile(path, fd));
}

LogFile::~LogFile() { close(fd_); }

Status LogFile::Append(std::string_view line) {
  std::string buf;
  buf.reserve(line.size() + 1);
  buf.append(line);
  buf += '\n';
  ssize_t n;
  do {
    n = write(fd_, buf.data(), buf.size());
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(buf.size())) {
    return InternalError("append to " + path_ + ": " +
                         (n < 0 ? std::strerror(errno) : "short write"));
  }
  return OkStatus();
}

Status LogFile::Note(std::string_view text) {
  return Append(std::string(kAgentLogPrefix) + std::string(text));
}

}  // namespace kiln
