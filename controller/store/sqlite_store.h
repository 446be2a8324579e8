// SqliteStore: the default Store backend, one SQLite file in the data dir
// (the k3s/kine idea).
//
// Durability: WAL journal, synchronous=FULL. A write is acknowledged only
// after the transaction holding it has been committed and synced, so an
// acknowledged write survives kill -9 and power loss.
//
// Layout: an append-only `log` table holds one row per revision (key, event
// type, object JSON, previous revision). The latest row of a key is its
// current state; older rows give consistent paginated lists and a watch
// window that survives restarts. Compaction drops superseded rows below the
// retained window.
//
// Writes: one writer thread; concurrent writes are batched into one SQLite
// transaction (one fsync) — group commit — each in its own savepoint, so one
// failing precondition does not affect its batch mates.
// Reads: a pool of read connections; WAL readers never wait for the writer.
// Watches: fanned out by a WatchHub after commit, never blocking the writer.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api_types/status.h"
#include "controller/store/store.h"

namespace kiln {

struct SqliteStoreOptions {
  // Database file; created (with its directory) when missing.
  std::string path;
  // Revisions kept for watch resume and continue tokens. Older superseded
  // rows are compacted away; Watch/continue below the window is OutOfRange.
  int64_t retained_revisions = 100000;
  // Events buffered for one watcher before it is dropped as too slow
  // (its Next() then returns ResourcesExhausted; it resumes from
  // LastRevision()).
  size_t watcher_buffer_limit = 10000;
  // Read connections kept open for concurrent readers.
  int read_connections = 4;
  // Most writes committed in one transaction.
  size_t max_batch = 256;
  // Each commit's duration in seconds (for metrics); called on the writer
  // thread, must not block. Empty = not observed.
  std::function<void(double)> observe_commit;
};

class SqliteStore final : public Store {
 public:
  // Opens (creating or migrating) the database. Errors: InvalidArgument for
  // bad options, FailedPrecondition for a database written by a newer Kiln,
  // Internal / Unavailable for I/O errors.
  static StatusOr<std::unique_ptr<SqliteStore>> Open(
      const SqliteStoreOptions& options);

  // Stops the writer after draining queued writes; closes open watchers.
  ~SqliteStore() override;

  StatusOr<StoredObject> Create(const ObjectKey& key,
                                nlohmann::json value) override;
  StatusOr<StoredObject> Get(const ObjectKey& key) override;
  StatusOr<ListResult> List(const ListOptions& options) override;
  StatusOr<StoredObject> Update(
      const ObjectKey& key, nlohmann::json value,
      std::optional<int64_t> expected_revision) override;
  StatusOr<StoredObject> Delete(
      const ObjectKey& key, std::optional<int64_t> expected_revision) override;
  StatusOr<TxnResult> Txn(std::vector<TxnOp> ops) override;
  StatusOr<std::unique_ptr<Watcher>> Watch(
      const WatchOptions& options) override;
  int64_t CurrentRevision() override;
  int64_t CompactedRevision() override;

  // Compacts history up to `revision` now (normally automatic, keeping
  // retained_revisions). OutOfRange when revision > CurrentRevision().
  Status Compact(int64_t revision);

  // The schema version this binary writes.
  static constexpr int kSchemaVersion = 1;

  class Impl;

 private:
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kiln
