#include "controller/logs/log_file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kiln {

StatusOr<ScopedFd> OpenForRead(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFoundError("no such file " + path);
    return ErrnoError("open", path, errno);
  }
  return ScopedFd(fd);
}

StatusOr<int64_t> FileSizeOf(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    return ErrnoError("fstat", "fd " + std::to_string(fd), errno);
  }
  return static_cast<int64_t>(st.st_size);
}

StatusOr<std::string> ReadAt(int fd, int64_t offset, size_t max_bytes,
                             const std::string& path) {
  std::string buf(max_bytes, '\0');
  size_t got = 0;
  while (got < max_bytes) {
    const ssize_t n = pread(fd, buf.data() + got, max_bytes - got,
                            static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read", path, errno);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  buf.resize(got);
  return buf;
}

Status AppendAll(int fd, const std::string& data, const std::string& path) {
  ssize_t n;
  do {
    n = write(fd, data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoError("append to", path, errno);
  if (static_cast<size_t>(n) != data.size()) {
    return InternalError("append to " + path + ": short write");
  }
  return OkStatus();
}

}  // namespace kiln
