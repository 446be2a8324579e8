#include "controller/logs/build_log_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "controller/logs/log_file_io.h"
#include "controller/logs/log_index.h"
#include "controller/logs/log_tail.h"
#include "controller/logs/log_timestamps.h"

namespace kiln {
namespace {

constexpr size_t kMaxUidLength = 128;

Status ValidateUid(std::string_view uid) {
  const bool ok_chars = std::all_of(uid.begin(), uid.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
  if (uid.empty() || uid.size() > kMaxUidLength || uid[0] == '.' || !ok_chars) {
    return InvalidArgumentError(
        "build uid must be 1-128 characters of [A-Za-z0-9._-] not starting "
        "with '.'");
  }
  return OkStatus();
}

Status ValidateReadOptions(const LogReadOptions& options) {
  if (options.offset && options.tail_lines) {
    return InvalidArgumentError("offset and tail_lines are exclusive");
  }
  if (options.offset && *options.offset < 0) {
    return InvalidArgumentError("offset must be >= 0");
  }
  if (options.tail_lines && *options.tail_lines < 0) {
    return InvalidArgumentError("tail_lines must be >= 0");
  }
  if (options.limit_bytes && *options.limit_bytes <= 0) {
    return InvalidArgumentError("limit_bytes must be > 0");
  }
  return OkStatus();
}

StatusOr<int64_t> ModifiedNanos(int fd, const std::string& path) {
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoError("stat", path, errno);
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
         st.st_mtim.tv_nsec;
}

Status RemoveIfExists(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError("remove", path, errno);
  }
  return OkStatus();
}

}  // namespace

BuildLogStore::BuildLogStore(BuildLogStoreOptions options)
    : options_(std::move(options)) {}

StatusOr<std::string> BuildLogStore::LogPath(std::string_view uid) const {
  RETURN_IF_ERROR(ValidateUid(uid));
  return options_.logs_dir + "/" + std::string(uid) + ".log";
}

StatusOr<std::string> BuildLogStore::IndexPath(std::string_view uid) const {
  RETURN_IF_ERROR(ValidateUid(uid));
  return options_.logs_dir + "/" + std::string(uid) + ".idx";
}

StatusOr<LogChunk> BuildLogStore::Read(std::string_view uid,
                                       const LogReadOptions& options) const {
  RETURN_IF_ERROR(ValidateReadOptions(options));
  ASSIGN_OR_RETURN(const std::string path, LogPath(uid));
  StatusOr<ScopedFd> fd = OpenForRead(path);
  if (fd.status().code() == StatusCode::kNotFound) {
    return NotFoundError("build " + std::string(uid) + " has no log yet");
  }
  RETURN_IF_ERROR(fd.status());

  LogChunk chunk;
  ASSIGN_OR_RETURN(chunk.size, FileSizeOf(fd->get()));
  if (options.tail_lines) {
    ASSIGN_OR_RETURN(chunk.offset, TailStart(fd->get(), chunk.size,
                                             *options.tail_lines, path));
  } else {
    chunk.offset = options.offset.value_or(0);
  }
  if (chunk.offset > chunk.size) {
    return OutOfRangeError("offset " + std::to_string(chunk.offset) +
                           " is past the end of the log (" +
                           std::to_string(chunk.size) + " bytes)");
  }
  int64_t want = chunk.size - chunk.offset;
  if (options.limit_bytes) want = std::min(want, *options.limit_bytes);
  ASSIGN_OR_RETURN(std::string bytes, ReadAt(fd->get(), chunk.offset,
                                             static_cast<size_t>(want), path));
  chunk.next_offset = chunk.offset + static_cast<int64_t>(bytes.size());
  if (!options.timestamps) {
    chunk.data = std::move(bytes);
    return chunk;
  }
  ASSIGN_OR_RETURN(const std::string index_path, IndexPath(uid));
  ASSIGN_OR_RETURN(const std::vector<LogIndexEntry> entries,
                   ReadLogIndex(index_path, chunk.offset, chunk.next_offset));
  ASSIGN_OR_RETURN(const int64_t mtime, ModifiedNanos(fd->get(), path));
  chunk.data = AddTimestamps(bytes, chunk.offset, entries, mtime);
  return chunk;
}

Status BuildLogStore::Delete(std::string_view uid) const {
  ASSIGN_OR_RETURN(const std::string log, LogPath(uid));
  ASSIGN_OR_RETURN(const std::string index, IndexPath(uid));
  RETURN_IF_ERROR(RemoveIfExists(index));
  return RemoveIfExists(log);
}

StatusOr<bool> BuildLogStore::CapExceeded(std::string_view uid) const {
  ASSIGN_OR_RETURN(const std::string path, LogPath(uid));
  return kiln::CapExceeded(path, options_.max_bytes);
}

StatusOr<bool> BuildLogStore::EnforceCap(std::string_view uid) const {
  ASSIGN_OR_RETURN(const std::string log, LogPath(uid));
  ASSIGN_OR_RETURN(const std::string index, IndexPath(uid));
  ASSIGN_OR_RETURN(const CapResult result, ApplyCap(log, options_.max_bytes));
  if (result.changed)
    RETURN_IF_ERROR(TruncateLogIndex(index, result.kept_bytes));
  return result.changed;
}

}  // namespace kiln
