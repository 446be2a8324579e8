#include "controller/logs/log_cap.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "controller/logs/log_file_io.h"

namespace kiln {
namespace {

constexpr int64_t kScanChunkBytes = 1024 * 1024;

struct ScanResult {
  int64_t marker_at = -1;     // line start of an existing marker, or -1
  int64_t last_boundary = 0;  // last line start <= max_bytes
};

// Scans [0, limit) of the log for a marker line starting at or before
// max_bytes + 1, and for the last line boundary at or before max_bytes.
StatusOr<ScanResult> Scan(int fd, int64_t limit, int64_t max_bytes,
                          const std::string& marker, const std::string& path) {
  ScanResult result;
  const std::string needle = "\n" + marker;
  std::string window;  // the tail of the previous chunk, then this chunk
  int64_t window_start = 0;
  for (int64_t pos = 0; pos < limit;) {
    const int64_t n = std::min(kScanChunkBytes, limit - pos);
    ASSIGN_OR_RETURN(std::string chunk,
                     ReadAt(fd, pos, static_cast<size_t>(n), path));
    if (chunk.empty()) break;
    for (size_t i = 0; i < chunk.size(); ++i) {
      const int64_t at = pos + static_cast<int64_t>(i);
      if (chunk[i] == '\n' && at + 1 <= max_bytes)
        result.last_boundary = at + 1;
    }
    window += chunk;
    if (window_start == 0 && window.compare(0, marker.size(), marker) == 0) {
      result.marker_at = 0;
      return result;
    }
    const size_t found = window.find(needle);
    if (found != std::string::npos) {
      const int64_t at = window_start + static_cast<int64_t>(found) + 1;
      if (at <= max_bytes + 1) result.marker_at = at;
      return result;
    }
    pos += static_cast<int64_t>(chunk.size());
    // Keep enough to match a needle that straddles chunks.
    const size_t keep = std::min(window.size(), needle.size());
    window_start += static_cast<int64_t>(window.size() - keep);
    window.erase(0, window.size() - keep);
  }
  return result;
}

}  // namespace

StatusOr<bool> CapExceeded(const std::string& path, int64_t max_bytes) {
  ASSIGN_OR_RETURN(ScopedFd fd, OpenForRead(path));
  ASSIGN_OR_RETURN(const int64_t size, FileSizeOf(fd.get()));
  if (size <= max_bytes) return false;
  const std::string marker = LogTruncatedMarker(max_bytes);
  const int64_t m = static_cast<int64_t>(marker.size());
  if (size == m) {
    ASSIGN_OR_RETURN(std::string all, ReadAt(fd.get(), 0, marker.size(), path));
    return all != marker;
  }
  if (size > m && size - m <= max_bytes + 1) {
    ASSIGN_OR_RETURN(std::string tail,
                     ReadAt(fd.get(), size - m - 1, marker.size() + 1, path));
    if (tail == "\n" + marker) return false;
  }
  return true;
}

StatusOr<CapResult> ApplyCap(const std::string& path, int64_t max_bytes) {
  if (max_bytes < 0) return InvalidArgumentError("log cap must be >= 0");
  ScopedFd fd(open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return NotFoundError("no such log " + path);
    return ErrnoError("open log", path, errno);
  }
  ASSIGN_OR_RETURN(const int64_t size, FileSizeOf(fd.get()));
  if (size <= max_bytes) return CapResult{false, size};

  const std::string marker = LogTruncatedMarker(max_bytes);
  const int64_t m = static_cast<int64_t>(marker.size());
  const int64_t limit = std::min(size, max_bytes + 1 + m);
  ASSIGN_OR_RETURN(const ScanResult scan,
                   Scan(fd.get(), limit, max_bytes, marker, path));
  if (scan.marker_at >= 0) {
    const int64_t end = scan.marker_at + m;
    if (size == end) return CapResult{false, scan.marker_at};
    if (ftruncate(fd.get(), end) != 0) {
      return ErrnoError("truncate log", path, errno);
    }
    return CapResult{true, scan.marker_at};
  }
  int64_t cut = scan.last_boundary;
  std::string tail = marker;
  if (cut == 0 && max_bytes > 0) {
    cut = max_bytes;  // one line longer than the cap: cut it, end it
    tail = "\n" + marker;
  }
  if (ftruncate(fd.get(), cut) != 0) {
    return ErrnoError("truncate log", path, errno);
  }
  RETURN_IF_ERROR(AppendAll(fd.get(), tail, path));
  return CapResult{true,
                   cut + static_cast<int64_t>(tail.size() - marker.size())};
}

}  // namespace kiln
