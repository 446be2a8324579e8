#include "cmd/kiln-agent/inline_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "cmd/kiln-agent/path_safety.h"

namespace kiln {
namespace {

Status WriteSourceFile(const std::filesystem::path& path,
                       const std::string& content) {
  // O_NOFOLLOW|O_EXCL: never write through anything that already exists.
  const int fd = open(
      path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    return InternalError("create " + path.string() + ": " +
                         std::strerror(errno));
  }
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string error = std::strerror(errno);
      close(fd);
      return InternalError("write " + path.string() + ": " + error);
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0) {
    return InternalError("close " + path.string() + ": " +
                         std::strerror(errno));
  }
  return OkStatus();
}

}  // namespace

Status WriteInlineSource(const std::string& root,
                         const std::map<std::string, std::string>& files) {
  for (const auto& [path, content] : files) {
    RETURN_IF_ERROR(ValidateInlinePath(path));
  }
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return InternalError("create " + root + ": " + ec.message());
  for (const auto& [path, content] : files) {
    const std::filesystem::path target = std::filesystem::path(root) / path;
    std::filesystem::create_directories(target.parent_path(), ec);
    if (ec) {
      return InternalError("create directory for \"" + path +
                           "\": " + ec.message());
    }
    RETURN_IF_ERROR(WriteSourceFile(target, content));
  }
  return OkStatus();
}

}  // namespace kiln
