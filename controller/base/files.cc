#include "controller/base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace kiln {
namespace {

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Writes all of `contents` to `fd`, retrying short writes and EINTR.
bool WriteAll(int fd, std::string_view contents) {
  while (!contents.empty()) {
    const ssize_t n = ::write(fd, contents.data(), contents.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = EIO;
      return false;
    }
    contents.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoError("cannot sync directory", dir, err);
  return OkStatus();
}

// Sets the mode of `fd`, writes `contents`, fsyncs and closes it (always).
Status FillAndClose(int fd, std::string_view contents, mode_t mode,
                    const std::string& path) {
  Status status;
  if (::fchmod(fd, mode) != 0) {
    status = ErrnoError("cannot set mode of", path, errno);
  } else if (!WriteAll(fd, contents)) {
    status = ErrnoError("cannot write", path, errno);
  } else if (::fsync(fd) != 0) {
    status = ErrnoError("cannot sync", path, errno);
  }
  if (::close(fd) != 0 && status.ok()) {
    status = ErrnoError("cannot close", path, errno);
  }
  return status;
}

// Reads all of `fd` (which it closes) into a string; `path` names it in
// errors.
StatusOr<std::string> ReadAllAndClose(int fd, const std::string& path,
                                      size_t max_bytes) {
  std::string out;
  char chunk[8192];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoError("cannot read", path, err);
    }
    if (n == 0) break;
    out.append(chunk, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      ::close(fd);
      return InvalidArgumentError(path + " is larger than " +
                                  std::to_string(max_bytes) + " bytes");
    }
  }
  ::close(fd);
  return out;
}

}  // namespace

std::string ErrnoText(int err) { return std::generic_category().message(err); }

Status ErrnoError(std::string_view what, const std::string& path, int err) {
  return InternalError(std::string(what) + " " + path + ": " + ErrnoText(err));
}

Status WriteFileAtomically(const std::string& path, std::string_view contents,
                           mode_t mode) {
  std::string tmp = path + ".tmp.XXXXXX";
  std::vector<char> buf(tmp.begin(), tmp.end());
  buf.push_back('\0');
  const int fd = ::mkostemp(buf.data(), O_CLOEXEC);  // created 0600
  if (fd < 0) {
    return ErrnoError("cannot create temporary file for", path, errno);
  }
  tmp.assign(buf.data());
  Status status = FillAndClose(fd, contents, mode, path);
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = ErrnoError("cannot rename temporary file to", path, errno);
  }
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  return SyncDirectory(DirName(path));
}

StatusOr<std::string> ReadWholeFile(const std::string& path, size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFoundError("no such file: " + path);
    return ErrnoError("cannot open", path, errno);
  }
  return ReadAllAndClose(fd, path, max_bytes);
}

StatusOr<std::string> ReadRegularFile(const std::string& path,
                                      size_t max_bytes) {
  const int fd =
      ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return NotFoundError("no such file: " + path);
    if (errno == ELOOP) {
      return InvalidArgumentError(path + " is a symbolic link");
    }
    return ErrnoError("cannot open", path, errno);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgumentError(path + " is not a regular file");
  }
  return ReadAllAndClose(fd, path, max_bytes);
}

std::string ReadFileOrEmpty(const std::string& path) {
  StatusOr<std::string> text = ReadWholeFile(path, kNoSizeLimit);
  return text.ok() ? std::move(*text) : std::string();
}

Status EnsurePrivateDirectory(const std::string& dir) {
  std::error_code ec;
  const auto status = std::filesystem::status(dir, ec);
  if (std::filesystem::is_directory(status)) return OkStatus();
  if (std::filesystem::exists(status)) {
    return InternalError(dir + " exists and is not a directory");
  }
  std::filesystem::create_directories(dir, ec);
  if (!ec) {
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  if (ec)
    return InternalError("cannot create directory " + dir + ": " +
                         ec.message());
  return OkStatus();
}

StatusOr<std::string> MakePrivateTempDir(const std::string& prefix) {
  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string path = (base / (prefix + "XXXXXX")).string();
  if (::mkdtemp(path.data()) == nullptr) {
    return InternalError("cannot create a private directory " + path + ": " +
                         std::strerror(errno));
  }
  return path;
}

}  // namespace kiln
