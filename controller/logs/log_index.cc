#include "controller/logs/log_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace kiln {
namespace {

void PutInt64(int64_t value, std::string& out) {
  const auto u = static_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i) out += static_cast<char>((u >> (8 * i)) & 0xff);
}

int64_t GetInt64(const char* p) {
  uint64_t u = 0;
  for (int i = 7; i >= 0; --i) {
    u = (u << 8) | static_cast<uint8_t>(p[i]);
  }
  return static_cast<int64_t>(u);
}

// Number of whole records in the open index.
StatusOr<int64_t> RecordCount(int fd) {
  ASSIGN_OR_RETURN(const int64_t size, FileSizeOf(fd));
  return size / static_cast<int64_t>(kLogIndexRecordBytes);
}

StatusOr<LogIndexEntry> ReadRecord(int fd, int64_t index,
                                   const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, ReadAt(fd, index * kLogIndexRecordBytes,
                                             kLogIndexRecordBytes, path));
  if (bytes.size() != kLogIndexRecordBytes) {
    return InternalError("index " + path + " shrank while reading");
  }
  return DecodeLogIndexEntry(bytes.data());
}

// Index of the first record with offset >= `offset` (== count if none).
StatusOr<int64_t> LowerBound(int fd, int64_t count, int64_t offset,
                             const std::string& path) {
  int64_t lo = 0;
  int64_t hi = count;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    ASSIGN_OR_RETURN(const LogIndexEntry entry, ReadRecord(fd, mid, path));
    if (entry.offset < offset) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

}  // namespace

std::string EncodeLogIndexEntry(const LogIndexEntry& entry) {
  std::string out;
  out.reserve(kLogIndexRecordBytes);
  PutInt64(entry.offset, out);
  PutInt64(entry.unix_nanos, out);
  return out;
}

LogIndexEntry DecodeLogIndexEntry(const char* record) {
  return LogIndexEntry{GetInt64(record), GetInt64(record + 8)};
}

StatusOr<std::unique_ptr<LogIndexWriter>> LogIndexWriter::Open(
    std::string path) {
  ScopedFd fd(
      open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoError("open index", path, errno);
  ASSIGN_OR_RETURN(const int64_t size, FileSizeOf(fd.get()));
  const int64_t whole = size - size % kLogIndexRecordBytes;
  if (whole != size && ftruncate(fd.get(), whole) != 0) {
    return ErrnoError("truncate torn record of", path, errno);
  }
  std::optional<LogIndexEntry> last;
  if (whole > 0) {
    ASSIGN_OR_RETURN(
        last, ReadRecord(fd.get(), whole / kLogIndexRecordBytes - 1, path));
  }
  return std::unique_ptr<LogIndexWriter>(
      new LogIndexWriter(std::move(path), std::move(fd), last));
}

Status LogIndexWriter::Append(const std::vector<LogIndexEntry>& entries) {
  if (entries.empty()) return OkStatus();
  std::string bytes;
  bytes.reserve(entries.size() * kLogIndexRecordBytes);
  for (const LogIndexEntry& entry : entries) {
    bytes += EncodeLogIndexEntry(entry);
  }
  RETURN_IF_ERROR(AppendAll(fd_.get(), bytes, path_));
  last_ = entries.back();
  return OkStatus();
}

StatusOr<std::vector<LogIndexEntry>> ReadLogIndex(const std::string& path,
                                                  int64_t begin, int64_t end) {
  StatusOr<ScopedFd> fd = OpenForRead(path);
  if (fd.status().code() == StatusCode::kNotFound) {
    return std::vector<LogIndexEntry>{};
  }
  RETURN_IF_ERROR(fd.status());
  ASSIGN_OR_RETURN(const int64_t count, RecordCount(fd->get()));
  ASSIGN_OR_RETURN(const int64_t first,
                   LowerBound(fd->get(), count, begin, path));
  ASSIGN_OR_RETURN(const int64_t stop, LowerBound(fd->get(), count, end, path));
  // [first, stop) plus one bounding record after the range.
  const int64_t n = std::min(stop + 1, count) - first;
  std::vector<LogIndexEntry> entries;
  if (n <= 0) return entries;
  ASSIGN_OR_RETURN(std::string bytes,
                   ReadAt(fd->get(), first * kLogIndexRecordBytes,
                          static_cast<size_t>(n) * kLogIndexRecordBytes, path));
  entries.reserve(bytes.size() / kLogIndexRecordBytes);
  for (size_t pos = 0; pos + kLogIndexRecordBytes <= bytes.size();
       pos += kLogIndexRecordBytes) {
    entries.push_back(DecodeLogIndexEntry(bytes.data() + pos));
  }
  return entries;
}

Status TruncateLogIndex(const std::string& path, int64_t end) {
  ScopedFd fd(open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return OkStatus();
    return ErrnoError("open index", path, errno);
  }
  ASSIGN_OR_RETURN(const int64_t count, RecordCount(fd.get()));
  ASSIGN_OR_RETURN(const int64_t keep, LowerBound(fd.get(), count, end, path));
  if (ftruncate(fd.get(), keep * kLogIndexRecordBytes) != 0) {
    return ErrnoError("truncate index", path, errno);
  }
  return OkStatus();
}

}  // namespace kiln
