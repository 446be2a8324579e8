#include "hack/bench/sync_counter.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

namespace kiln::bench {
namespace {

std::atomic<bool> counting{false};
std::atomic<bool> seen{false};
std::atomic<int64_t> wal_syncs{0};
std::atomic<int64_t> db_syncs{0};
std::atomic<int64_t> other_syncs{0};
std::atomic<int64_t> sync_ns{0};

bool EndsWith(const std::string& s, const char* suffix) {
  std::string x(suffix);
  return s.size() >= x.size() &&
         s.compare(s.size() - x.size(), x.size(), x) == 0;
}

void Classify(int fd) {
  char link[64];
  char target[4096];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof(target) - 1);
  std::string path(target, n > 0 ? static_cast<size_t>(n) : 0);
  if (EndsWith(path, "-wal")) {
    wal_syncs.fetch_add(1, std::memory_order_relaxed);
  } else if (EndsWith(path, ".db")) {
    db_syncs.fetch_add(1, std::memory_order_relaxed);
  } else {
    other_syncs.fetch_add(1, std::memory_order_relaxed);
  }
}

// Runs the real system call `nr` on `fd`, counting it when enabled.
int CountedSync(long nr, int fd) {
  seen.store(true, std::memory_order_relaxed);
  if (!counting.load(std::memory_order_relaxed)) {
    return static_cast<int>(syscall(nr, fd));
  }
  auto start = std::chrono::steady_clock::now();
  int rc = static_cast<int>(syscall(nr, fd));
  auto elapsed = std::chrono::steady_clock::now() - start;
  sync_ns.fetch_add(
      std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count(),
      std::memory_order_relaxed);
  Classify(fd);
  return rc;
}

}  // namespace

void StartSyncCounting() {
  wal_syncs = 0;
  db_syncs = 0;
  other_syncs = 0;
  sync_ns = 0;
  counting = true;
}

SyncCounts StopSyncCounting() {
  counting = false;
  SyncCounts c;
  c.wal = wal_syncs.load();
  c.db = db_syncs.load();
  c.other = other_syncs.load();
  c.time = std::chrono::nanoseconds(sync_ns.load());
  return c;
}

bool SyncInterpositionSeen() { return seen.load(); }

}  // namespace kiln::bench

// The interposers (see sync_counter.h). syscall() sets errno like libc's
// wrappers do.
extern "C" int fdatasync(int fd) {
  return kiln::bench::CountedSync(SYS_fdatasync, fd);
}
extern "C" int fsync(int fd) { return kiln::bench::CountedSync(SYS_fsync, fd); }
