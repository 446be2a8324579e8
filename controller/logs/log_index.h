// The timestamp index of a build log: `<uid>.idx` beside `<uid>.log`.
//
// The log itself stays raw bytes exactly as the agent appended them (kilnd
// cannot stamp lines it does not write). The index holds one fixed-size
// record per log line, in log order:
//
//   bytes 0..7   little-endian int64: byte offset of the line's first byte
//   bytes 8..15  little-endian int64: unix nanoseconds when kilnd first saw
//                the line (LogIndexer)
//
// Offsets are strictly increasing. Records are appended with one write(2)
// each batch on an O_APPEND descriptor; a torn final record (size not a
// multiple of kLogIndexRecordBytes, e.g. after a crash) is ignored by readers
// and cut off by the next LogIndexWriter::Open. Records never straddle a page
// (4096 % 16 == 0), so a concurrent reader sees only whole records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/logs/log_file_io.h"

namespace kiln {

inline constexpr size_t kLogIndexRecordBytes = 16;

struct LogIndexEntry {
  int64_t offset = 0;      // first byte of the line in the log
  int64_t unix_nanos = 0;  // when the line was first seen
  friend bool operator==(const LogIndexEntry&, const LogIndexEntry&) = default;
};

// Appends records to an index file. Thread-compatible (LogIndexer calls it
// from the poller thread only).
class LogIndexWriter {
 public:
  // Opens `path` for appending, creating it; cuts a torn final record.
  // Internal on I/O failure.
  static StatusOr<std::unique_ptr<LogIndexWriter>> Open(std::string path);
  LogIndexWriter(const LogIndexWriter&) = delete;
  LogIndexWriter& operator=(const LogIndexWriter&) = delete;

  // The last record in the file, if any.
  const std::optional<LogIndexEntry>& last() const { return last_; }

  // Appends `entries` with one write. REQUIRES: offsets strictly increase
  // and exceed last()->offset. Internal on I/O failure.
  Status Append(const std::vector<LogIndexEntry>& entries);

 private:
  LogIndexWriter(std::string path, ScopedFd fd,
                 std::optional<LogIndexEntry> last)
      : path_(std::move(path)), fd_(std::move(fd)), last_(last) {}

  const std::string path_;
  const ScopedFd fd_;
  std::optional<LogIndexEntry> last_;
};

// Returns the records with offset in [begin, end), followed by the first
// record with offset >= end when there is one (it bounds the time of lines
// in [begin, end) that have no record of their own). A missing index file
// reads as empty. Binary search: O(log n) small reads plus the range.
// Internal on I/O failure.
StatusOr<std::vector<LogIndexEntry>> ReadLogIndex(const std::string& path,
                                                  int64_t begin, int64_t end);

// Drops every record with offset >= `end` (used after the log was truncated
// to `end` bytes). A missing file is OK. Internal on I/O failure.
Status TruncateLogIndex(const std::string& path, int64_t end);

// Record codec, exposed for tests.
std::string EncodeLogIndexEntry(const LogIndexEntry& entry);
LogIndexEntry DecodeLogIndexEntry(const char* record);

}  // namespace kiln
