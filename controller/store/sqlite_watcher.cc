#include "controller/store/sqlite_watcher.h"

#include <utility>

#include "controller/store/watch_filter.h"

namespace kiln {
namespace {

constexpr int64_t kHistoryPage = 512;

WatchEventType TypeOf(LogType t) {
  switch (t) {
    case LogType::kAdded:
      return WatchEventType::kAdded;
    case LogType::kModified:
      return WatchEventType::kModified;
    case LogType::kDeleted:
      return WatchEventType::kDeleted;
  }
  return WatchEventType::kModified;
}

// Commits a read transaction when leaving scope.
class ReadTxn {
 public:
  explicit ReadTxn(SqliteConnection& conn) : conn_(conn) {
    ok_ = conn_.Exec("BEGIN").ok();
  }
  ~ReadTxn() {
    if (ok_) (void)conn_.Exec("COMMIT");
  }
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;

 private:
  SqliteConnection& conn_;
  bool ok_ = false;
};

}  // namespace

SqliteWatcher::SqliteWatcher(std::shared_ptr<SqliteReadPool> pool,
                             std::shared_ptr<WatchStream> stream,
                             const WatchOptions& options,
                             int64_t registered_revision)
    : pool_(std::move(pool)),
      stream_(std::move(stream)),
      options_(options),
      range_(ScopeRange(options.scope)),
      history_upto_(registered_revision),
      history_after_(options.from_revision),
      last_revision_(options.from_revision) {}

SqliteWatcher::~SqliteWatcher() { Cancel(); }

void SqliteWatcher::Cancel() {
  cancelled_ = true;
  if (auto notify = stream_->Close()) notify();
}

void SqliteWatcher::SetNotify(std::function<void()> notify) {
  stream_->SetNotify(std::move(notify));
}

Status SqliteWatcher::LoadHistory() {
  auto lease = pool_->Acquire();
  SqliteLog& log = lease->log();
  ReadTxn txn(log.conn());
  ASSIGN_OR_RETURN(int64_t compacted, log.CompactedRevision());
  if (compacted > history_after_) {
    return OutOfRangeError("watch history from revision " +
                           std::to_string(history_after_) +
                           " was compacted (oldest is " +
                           std::to_string(compacted) + "); list again");
  }
  ASSIGN_OR_RETURN(std::vector<LogRow> rows,
                   log.History(history_after_, history_upto_, range_.first,
                               range_.second, kHistoryPage));
  history_after_ = static_cast<int64_t>(rows.size()) < kHistoryPage
                       ? history_upto_
                       : rows.back().revision;
  for (auto& r : rows) history_.push_back(std::move(r));
  return OkStatus();
}

StatusOr<std::optional<WatchEvent>> SqliteWatcher::Next(
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (cancelled_) return UnavailableError("watch closed");
    // Replay history first.
    if (history_.empty() && history_after_ < history_upto_) {
      RETURN_IF_ERROR(LoadHistory());
    }
    if (!history_.empty()) {
      LogRow row = std::move(history_.front());
      history_.pop_front();
      last_revision_ = row.revision;
      ASSIGN_OR_RETURN(ObjectKey key, ObjectKey::FromPath(row.key));
      ASSIGN_OR_RETURN(nlohmann::json value, ParseStoredValue(row.value));
      std::optional<nlohmann::json> prev;
      if (row.prev_value && !options_.selector.Empty()) {
        ASSIGN_OR_RETURN(prev, ParseStoredValue(*row.prev_value));
      }
      auto event = FilterChange(options_.selector, TypeOf(row.type), key,
                                row.revision, value, prev ? &*prev : nullptr);
      if (event) return std::optional<WatchEvent>(std::move(*event));
      continue;
    }
    // Then live changes.
    WatchStream::State state;
    ChangePtr change = stream_->Pop(deadline, &state);
    if (state == WatchStream::State::kDropped) {
      return ResourcesExhaustedError(
          "watcher fell too far behind and was dropped; resume from "
          "revision " +
          std::to_string(last_revision_.load()));
    }
    if (state == WatchStream::State::kClosed) {
      return UnavailableError("watch closed");
    }
    if (!change) return std::optional<WatchEvent>();   // timed out
    if (change->revision <= last_revision_) continue;  // seen in history
    last_revision_ = change->revision;
    auto event = FilterChange(options_.selector, change->type, change->key,
                              change->revision, *change->value,
                              change->prev_value.get());
    if (event) return std::optional<WatchEvent>(std::move(*event));
  }
}

}  // namespace kiln
