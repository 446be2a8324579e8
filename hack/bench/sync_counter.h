// Counts the fdatasync()/fsync() calls of this process and the time spent in
// them, by the kind of file synced (SQLite WAL, main database, other).
//
// How: sync_counter.cc defines fdatasync and fsync. Symbols of the executable
// take precedence over libc's for every shared library (the same
// interposition LD_PRELOAD relies on), so libsqlite3's syncs come here; we
// count them and issue the real system call. This is what lets the benchmark
// report creates per fsync (the group-commit batch size) without any hook in
// the store. Only for benchmark binaries: never link it into kilnd.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace kiln::bench {

struct SyncCounts {
  int64_t wal = 0;    // syncs of "*-wal" files: one per commit, plus one per
                      // checkpoint and per WAL restart
  int64_t db = 0;     // syncs of "*.db" files: checkpoints
  int64_t other = 0;  // anything else (e.g. the fsync probe's own file)
  std::chrono::nanoseconds time{0};  // wall time inside the sync calls
  int64_t total() const { return wal + db + other; }
};

// Starts counting (from zero). Calls outside Start..Stop are not counted.
void StartSyncCounting();
// Stops counting and returns what was counted since Start.
SyncCounts StopSyncCounting();
// True when a sync call has ever reached the interposer (i.e. interposition
// works in this build); the benchmark reports "n/a" otherwise.
bool SyncInterpositionSeen();

}  // namespace kiln::bench
