// SqliteWatcher: a Watcher that first replays history from the revision log
// (in pages, so memory stays bounded) up to the revision at which it
// registered with the WatchHub, then serves live changes from its stream.
// Revisions already delivered are skipped, so the hand-over has no gap and
// no duplicate.
//
// Thread-safety: one consumer thread; Cancel()/SetNotify() from any thread.
#pragma once

#include <atomic>
#include <deque>
#include <memory>

#include "controller/store/sqlite_log.h"
#include "controller/store/sqlite_read_pool.h"
#include "controller/store/store.h"
#include "controller/store/watch_hub.h"

namespace kiln {

class SqliteWatcher final : public Watcher {
 public:
  // `registered_revision`: what WatchHub::Register returned for `stream`.
  SqliteWatcher(std::shared_ptr<SqliteReadPool> pool,
                std::shared_ptr<WatchStream> stream,
                const WatchOptions& options, int64_t registered_revision);
  ~SqliteWatcher() override;

  // Besides the codes of Watcher::Next, returns OutOfRange when history this
  // watcher still had to replay was compacted meanwhile.
  StatusOr<std::optional<WatchEvent>> Next(
      std::chrono::milliseconds timeout) override;
  void SetNotify(std::function<void()> notify) override;
  int64_t LastRevision() const override { return last_revision_.load(); }
  void Cancel() override;

 private:
  // Loads the next page of history into history_. Consumer thread only.
  Status LoadHistory();

  const std::shared_ptr<SqliteReadPool> pool_;
  const std::shared_ptr<WatchStream> stream_;
  const WatchOptions options_;
  const std::pair<std::string, std::string> range_;
  const int64_t history_upto_;

  // Consumer thread only.
  int64_t history_after_;
  std::deque<LogRow> history_;
  std::atomic<bool> cancelled_{false};
  // Written by the consumer thread, readable from any.
  std::atomic<int64_t> last_revision_;
};

}  // namespace kiln
