// The single writer of the SQLite store. Callers Submit() a list of ops and
// block until their batch is durable. The writer thread takes every queued
// request (up to max_batch), applies each in its own savepoint inside one
// BEGIN IMMEDIATE transaction, commits once (one fsync for the whole batch:
// group commit), then publishes the changes to the WatchHub and answers the
// callers. It also compacts history beyond the retained window.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "api_types/status.h"
#include "controller/base/mutex.h"
#include "controller/store/sqlite_conn.h"
#include "controller/store/sqlite_log.h"
#include "controller/store/store.h"
#include "controller/store/watch_hub.h"

namespace kiln {

class SqliteWriter {
 public:
  struct Options {
    int64_t retained_revisions = 100000;
    size_t max_batch = 256;
    // Called on the writer thread with each batch commit's duration in
    // seconds (BEGIN to COMMIT); must be cheap and not block.
    std::function<void(double)> observe_commit;
  };

  // Takes ownership of `conn` (schema already migrated). `hub` must outlive
  // the writer.
  static StatusOr<std::unique_ptr<SqliteWriter>> Start(
      std::unique_ptr<SqliteConnection> conn, WatchHub& hub,
      const Options& options);
  // Finishes queued requests, then stops the thread.
  ~SqliteWriter();
  SqliteWriter(const SqliteWriter&) = delete;
  SqliteWriter& operator=(const SqliteWriter&) = delete;

  // Applies `ops` atomically (see Store::Txn). With `single_op`, errors carry
  // no "op N" prefix. Blocks until durable or failed.
  StatusOr<TxnResult> Submit(std::vector<TxnOp> ops, bool single_op)
      EXCLUDES(mu_);

  // Compacts history at or below `revision` (see SqliteStore::Compact).
  Status Compact(int64_t revision) EXCLUDES(mu_);

  int64_t current_revision() const { return current_revision_.load(); }
  int64_t compacted_revision() const { return compacted_revision_.load(); }

 private:
  struct Request {
    std::vector<TxnOp> ops;
    bool single_op = false;
    std::optional<int64_t> compact_to;  // a compaction request instead
    std::promise<StatusOr<TxnResult>> done;
    // Filled by the writer while applying.
    StatusOr<TxnResult> result = InternalError("not applied");
    std::vector<ChangePtr> changes;
  };

  SqliteWriter(std::unique_ptr<SqliteConnection> conn,
               std::unique_ptr<SqliteLog> log, WatchHub& hub,
               const Options& options);
  Status Prepare();
  void Run() EXCLUDES(mu_);
  void CommitBatch(std::vector<std::unique_ptr<Request>>& batch);
  // OK while the batch's transaction is open; else (SQLite rolled it back
  // after an error in `req`) the error that every request of the batch
  // gets.
  Status CheckBatchStillOpen(const Request& req);
  void ApplyOps(Request& req);
  // Consumes op.value.
  Status ApplyOne(TxnOp& op, StoredObject* out, ChangePtr* change);
  Status CompactTo(int64_t revision);
  void MaybeCompact();
  StatusOr<TxnResult> Enqueue(std::unique_ptr<Request> req) EXCLUDES(mu_);

  // Used only by the writer thread (and Start, before it runs).
  const Options options_;
  std::unique_ptr<SqliteConnection> conn_;
  std::unique_ptr<SqliteLog> log_;
  std::unique_ptr<Statement> insert_;
  std::unique_ptr<Statement> compact_delete_;
  std::unique_ptr<Statement> set_compacted_;
  std::unique_ptr<Statement> savepoint_;
  std::unique_ptr<Statement> release_;
  std::unique_ptr<Statement> rollback_to_;
  WatchHub& hub_;
  int64_t next_revision_ = 1;

  // Readable from any thread.
  std::atomic<int64_t> current_revision_{0};
  std::atomic<int64_t> compacted_revision_{0};

  Mutex mu_;
  CondVar cv_{&mu_};
  bool stopping_ GUARDED_BY(mu_) = false;
  std::deque<std::unique_ptr<Request>> queue_ GUARDED_BY(mu_);

  std::thread thread_;  // last: started once everything above exists
};

}  // namespace kiln
