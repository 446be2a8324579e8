#include "controller/sources/file_source_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "api_types/image_reference.h"
#include "api_types/names.h"
#include "controller/base/files.h"
#include "controller/sources/archive_format.h"
#include "controller/sources/sha256.h"

namespace kiln {
namespace {

constexpr std::string_view kDigestPrefix = "sha256:";
constexpr std::string_view kTempPrefix = ".upload-";
constexpr char kGrantsDir[] = "grants";

// A namespace names a directory under grants/: only DNS-1123 labels.
Status CheckNamespace(std::string_view ns) {
  Status label = CheckDns1123Label(ns);
  if (!label.ok()) {
    return InvalidArgumentError("invalid namespace for a source: " +
                                label.message());
  }
  return OkStatus();
}

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + ErrnoText(errno);
}

// The error for a failed system call on `path` (errno set): Unavailable when
// the disk is full (ENOSPC, EDQUOT), so the API answers 503 and the client
// may retry once space is freed; Internal otherwise.
Status IoError(const std::string& what, const std::string& path) {
  if (errno == ENOSPC || errno == EDQUOT) {
    return UnavailableError(Errno(what, path) +
                            " (the sources directory is full)");
  }
  return InternalError(Errno(what, path));
}

// True for the file name of a stored archive (64 lowercase hex digits).
bool IsArchiveName(const std::string& name) {
  return IsSha256Digest(std::string(kDigestPrefix) + name);
}

std::chrono::system_clock::time_point MTime(const struct stat& st) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(st.st_mtim.tv_sec) +
          std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

Status FsyncDir(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open", dir);
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  errno = err;
  if (rc != 0) return IoError("fsync", dir);
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<FileSourceStore>> FileSourceStore::Open(
    std::string dir, Clock& clock) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return UnavailableError("cannot create the sources directory " + dir +
                            ": " + ec.message());
  }
  return std::unique_ptr<FileSourceStore>(
      new FileSourceStore(std::move(dir), clock));
}

std::string FileSourceStore::Path(std::string_view digest) const {
  return dir_ + "/" + std::string(digest.substr(kDigestPrefix.size()));
}

Status FileSourceStore::MarkUsed(const std::string& path) {
  const auto now = clock_.SystemNow().time_since_epoch();
  const auto secs = std::chrono::floor<std::chrono::seconds>(now);
  struct timespec times[2];
  times[0].tv_sec = static_cast<time_t>(secs.count());
  times[0].tv_nsec = static_cast<long>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - secs).count());
  times[1] = times[0];
  if (utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) {
    return IoError("cannot update the times of", path);
  }
  return OkStatus();
}

std::string FileSourceStore::GrantPath(std::string_view ns,
                                       std::string_view digest) const {
  return dir_ + "/" + kGrantsDir + "/" + std::string(ns) + "/" +
         std::string(digest.substr(kDigestPrefix.size()));
}

Status FileSourceStore::Grant(std::string_view ns, std::string_view digest) {
  const std::string path = GrantPath(ns, digest);
  if (access(path.c_str(), F_OK) == 0) return OkStatus();
  const std::string ns_dir = path.substr(0, path.rfind('/'));
  std::error_code ec;
  std::filesystem::create_directories(ns_dir, ec);
  if (ec) {
    errno = ec.value();
    return IoError("cannot create", ns_dir);
  }
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create", path);
  close(fd);
  return FsyncDir(ns_dir);
}

void FileSourceStore::RevokeAll(const std::string& hex) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir_ + "/" + kGrantsDir, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::filesystem::remove(it->path() / hex, ec);
    ec.clear();
  }
}

StatusOr<SourceInfo> FileSourceStore::Stat(std::string_view ns,
                                           std::string_view digest) {
  RETURN_IF_ERROR(CheckNamespace(ns));
  if (!IsSha256Digest(digest)) {
    return InvalidArgumentError(
        "invalid source digest \"" + std::string(digest) +
        "\": want \"sha256:\" followed by 64 lowercase hex digits");
  }
  const std::string path = Path(digest);
  MutexLock lock(mu_);
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return NotFoundError("source " + std::string(digest) + " not found");
    }
    return IoError("cannot stat", path);
  }
  if (access(GrantPath(ns, digest).c_str(), F_OK) != 0) {
    // The same answer as for an archive nobody uploaded.
    return NotFoundError("source " + std::string(digest) + " not found");
  }
  RETURN_IF_ERROR(MarkUsed(path));
  return SourceInfo{std::string(digest), static_cast<int64_t>(st.st_size)};
}

StatusOr<std::string> FileSourceStore::WriteTemp(std::string_view archive) {
  std::string path = dir_ + "/" + std::string(kTempPrefix) + "XXXXXX";
  const int fd = mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return IoError("cannot create", path);
  Status status = OkStatus();
  // Readable by the builder, like any file kilnd writes for it.
  if (fchmod(fd, 0644) != 0) status = IoError("chmod", path);
  for (size_t off = 0; status.ok() && off < archive.size();) {
    const ssize_t n = write(fd, archive.data() + off, archive.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = IoError("cannot write", path);
      break;
    }
    off += static_cast<size_t>(n);
  }
  if (status.ok() && fsync(fd) != 0) {
    status = IoError("fsync", path);
  }
  if (close(fd) != 0 && status.ok()) {
    status = IoError("cannot close", path);
  }
  if (!status.ok()) {
    unlink(path.c_str());
    return status;
  }
  return path;
}

StatusOr<SourcePutResult> FileSourceStore::Put(std::string_view ns,
                                               std::string_view archive) {
  RETURN_IF_ERROR(CheckNamespace(ns));
  if (archive.empty()) {
    return InvalidArgumentError(
        "the request body is empty: POST a tar or tar.gz archive");
  }
  RETURN_IF_ERROR(CheckArchiveFormat(archive.substr(0, kArchiveSniffBytes)));
  ASSIGN_OR_RETURN(std::string digest, Sha256Digest(archive));
  SourcePutResult result{
      SourceInfo{digest, static_cast<int64_t>(archive.size())}, false};
  const std::string path = Path(digest);
  {
    MutexLock lock(mu_);
    if (access(path.c_str(), F_OK) == 0) {
      RETURN_IF_ERROR(MarkUsed(path));
      RETURN_IF_ERROR(Grant(ns, digest));
      return result;
    }
  }
  // Written outside the lock: lookups need not wait for a large upload.
  ASSIGN_OR_RETURN(const std::string temp, WriteTemp(archive));
  MutexLock lock(mu_);
  // link() never replaces: of two concurrent uploads of the same bytes, one
  // creates the file and the other finds it (EEXIST) and keeps it.
  if (link(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(temp.c_str());
    errno = err;
    if (err != EEXIST) return IoError("cannot link", path);
  } else {
    unlink(temp.c_str());
    result.created = true;
    RETURN_IF_ERROR(FsyncDir(dir_));
  }
  RETURN_IF_ERROR(MarkUsed(path));
  RETURN_IF_ERROR(Grant(ns, digest));
  return result;
}

StatusOr<size_t> FileSourceStore::DeleteUnused(
    const std::set<std::string>& referenced,
    std::chrono::system_clock::time_point unused_since) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir_, ec);
  if (ec) {
    return InternalError("cannot read the sources directory " + dir_ + ": " +
                         ec.message());
  }
  size_t deleted = 0;
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool archive = IsArchiveName(name);
    if (!archive && name.rfind(kTempPrefix, 0) != 0) continue;
    if (archive && referenced.count(std::string(kDigestPrefix) + name)) {
      continue;
    }
    const std::string path = it->path().string();
    MutexLock lock(mu_);
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || MTime(st) >= unused_since) continue;
    if (unlink(path.c_str()) != 0) continue;
    ++deleted;
    if (archive) RevokeAll(name);
  }
  return deleted;
}

}  // namespace kiln
