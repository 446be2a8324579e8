// BuildLogStore: the build logs under DATA_DIR/logs — `<uid>.log`, the raw
// bytes kiln-agent appended (docs/builds.md), and `<uid>.idx`, the timestamp
// index a LogIndexer keeps beside it (log_index.h).
//
// Reads are positional and never modify anything, so they may run while the
// agent appends and the indexer indexes. Thread-safe (no mutable state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api_types/status.h"
#include "controller/logs/log_cap.h"

namespace kiln {

struct BuildLogStoreOptions {
  std::string logs_dir;                     // DATA_DIR/logs
  int64_t max_bytes = kDefaultLogMaxBytes;  // per-build cap (log_cap.h)
};

// What to read (the kubectl logs options, by byte offset instead of time).
struct LogReadOptions {
  // Start at this byte offset (e.g. an SSE Last-Event-ID). Not with
  // tail_lines. Default: the beginning.
  std::optional<int64_t> offset;
  // Only the last N lines (a final line without '\n' counts). Not with
  // offset.
  std::optional<int64_t> tail_lines;
  // At most this many log bytes, cut exactly there (possibly mid-line);
  // next_offset says where to continue. Counts log bytes, not the added
  // timestamp prefixes. Must be > 0.
  std::optional<int64_t> limit_bytes;
  // Prefix each line with its RFC 3339 time and a space (log_timestamps.h
  // says which time a line gets).
  bool timestamps = false;
};

struct LogChunk {
  std::string data;         // the bytes, with prefixes when timestamps
  int64_t offset = 0;       // log offset of the first byte read
  int64_t next_offset = 0;  // log offset after the last byte read
  int64_t size = 0;         // log size when read
};

class BuildLogStore {
 public:
  explicit BuildLogStore(BuildLogStoreOptions options);
  BuildLogStore(const BuildLogStore&) = delete;
  BuildLogStore& operator=(const BuildLogStore&) = delete;

  // `logs_dir/<uid>.log` / `.idx`. InvalidArgument unless `uid` is 1-128
  // characters of [A-Za-z0-9._-] not starting with '.' (a Kubernetes UID
  // is a UUID), so a uid can never name a path outside logs_dir.
  StatusOr<std::string> LogPath(std::string_view uid) const;
  StatusOr<std::string> IndexPath(std::string_view uid) const;

  // Reads the build's log. Errors: InvalidArgument for a bad uid, negative
  // values, offset together with tail_lines, or limit_bytes <= 0; NotFound
  // when the build has no log yet; OutOfRange when offset is past the end
  // of the log (e.g. it was capped after the client's last read); Internal
  // on I/O failure.
  StatusOr<LogChunk> Read(std::string_view uid,
                          const LogReadOptions& options) const;

  // Removes the log and its index (the Build was deleted). Missing files
  // are OK. Stop the build's LogIndexer and followers first. InvalidArgument
  // for a bad uid, Internal on I/O failure.
  Status Delete(std::string_view uid) const;

  // Whether the log is over max_bytes and not yet capped (log_cap.h).
  // NotFound when there is no log.
  StatusOr<bool> CapExceeded(std::string_view uid) const;

  // ApplyCap on the log, then drops index records past the kept bytes.
  // Call when the build is terminal and its indexer has finished. Returns
  // whether the log changed. NotFound when there is no log.
  StatusOr<bool> EnforceCap(std::string_view uid) const;

  int64_t max_bytes() const { return options_.max_bytes; }

 private:
  const BuildLogStoreOptions options_;
};

}  // namespace kiln
