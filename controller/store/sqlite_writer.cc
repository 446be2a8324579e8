#include "controller/store/sqlite_writer.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

namespace kiln {
namespace {

std::string Quoted(const std::string& path) { return "\"" + path + "\""; }

// Serializes `value` with metadata.resourceVersion set to `revision`.
// InvalidArgument when the value cannot be serialized (e.g. invalid UTF-8).
StatusOr<std::string> StampAndDump(nlohmann::json& value, int64_t revision) {
  value["metadata"]["resourceVersion"] = std::to_string(revision);
  try {
    return value.dump();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("value cannot be stored: ") +
                                e.what());
  }
}

// "op 2 (/builds/default/x): " for multi-op txns, "" for single writes.
std::string OpPrefix(size_t i, const TxnOp& op, bool single_op) {
  if (single_op) return "";
  return "op " + std::to_string(i) + " (" + op.key.Path() + "): ";
}

Status ValidateOps(const std::vector<TxnOp>& ops, bool single_op) {
  if (ops.empty()) return InvalidArgumentError("txn has no ops");
  std::set<std::string> seen;
  for (size_t i = 0; i < ops.size(); ++i) {
    const TxnOp& op = ops[i];
    const std::string prefix = OpPrefix(i, op, single_op);
    if (Status k = op.key.Validate(); !k.ok()) {
      return InvalidArgumentError(prefix + k.message());
    }
    if (!seen.insert(op.key.Path()).second) {
      return InvalidArgumentError(prefix + "key appears twice in one txn");
    }
    bool writes_value =
        op.kind == TxnOp::Kind::kCreate || op.kind == TxnOp::Kind::kUpdate;
    if (writes_value &&
        (!op.value.is_object() || (op.value.contains("metadata") &&
                                   !op.value["metadata"].is_object()))) {
      return InvalidArgumentError(
          prefix + "value must be a JSON object with an object metadata");
    }
    if (op.kind == TxnOp::Kind::kCheck && !op.expected_revision) {
      return InvalidArgumentError(prefix + "check needs an expected revision");
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<SqliteWriter>> SqliteWriter::Start(
    std::unique_ptr<SqliteConnection> conn, WatchHub& hub,
    const Options& options) {
  ASSIGN_OR_RETURN(auto log, SqliteLog::Create(*conn));
  std::unique_ptr<SqliteWriter> w(
      new SqliteWriter(std::move(conn), std::move(log), hub, options));
  RETURN_IF_ERROR(w->Prepare());
  w->thread_ = std::thread([raw = w.get()] { raw->Run(); });
  return w;
}

SqliteWriter::SqliteWriter(std::unique_ptr<SqliteConnection> conn,
                           std::unique_ptr<SqliteLog> log, WatchHub& hub,
                           const Options& options)
    : options_(options),
      conn_(std::move(conn)),
      log_(std::move(log)),
      hub_(hub) {}

Status SqliteWriter::Prepare() {
  ASSIGN_OR_RETURN(
      insert_, conn_->Prepare("INSERT INTO log (revision, key, type, value, "
                              "prev_revision) VALUES (?1, ?2, ?3, ?4, ?5)"));
  // A row at or below ?1 goes when it is a deletion or when a newer row of
  // its key also lies at or below ?1.
  ASSIGN_OR_RETURN(compact_delete_,
                   conn_->Prepare("DELETE FROM log WHERE revision <= ?1 AND "
                                  "(type = 2 OR EXISTS (SELECT 1 FROM log n "
                                  "WHERE n.key = log.key AND n.revision > "
                                  "log.revision AND n.revision <= ?1))"));
  ASSIGN_OR_RETURN(set_compacted_,
                   conn_->Prepare("UPDATE meta SET value = ?1 "
                                  "WHERE name = 'compacted_revision'"));
  // Prepared once: sqlite3_exec would re-parse them for every request.
  ASSIGN_OR_RETURN(savepoint_, conn_->Prepare("SAVEPOINT req"));
  ASSIGN_OR_RETURN(release_, conn_->Prepare("RELEASE req"));
  ASSIGN_OR_RETURN(rollback_to_, conn_->Prepare("ROLLBACK TO req"));
  ASSIGN_OR_RETURN(int64_t compacted, log_->CompactedRevision());
  ASSIGN_OR_RETURN(int64_t max_rev, log_->MaxRevision());
  // Compaction may have removed the newest rows (deletions): revisions never
  // go backwards, so start above both.
  int64_t current = std::max(max_rev, compacted);
  current_revision_ = current;
  compacted_revision_ = compacted;
  next_revision_ = current + 1;
  return OkStatus();
}

SqliteWriter::~SqliteWriter() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    cv_.SignalAll();
  }
  thread_.join();
}

StatusOr<TxnResult> SqliteWriter::Submit(std::vector<TxnOp> ops,
                                         bool single_op) {
  RETURN_IF_ERROR(ValidateOps(ops, single_op));
  auto req = std::make_unique<Request>();
  req->ops = std::move(ops);
  req->single_op = single_op;
  return Enqueue(std::move(req));
}

Status SqliteWriter::Compact(int64_t revision) {
  auto req = std::make_unique<Request>();
  req->compact_to = revision;
  return Enqueue(std::move(req)).status();
}

StatusOr<TxnResult> SqliteWriter::Enqueue(std::unique_ptr<Request> req) {
  std::future<StatusOr<TxnResult>> done = req->done.get_future();
  {
    MutexLock lock(mu_);
    if (stopping_) return UnavailableError("store is closed");
    queue_.push_back(std::move(req));
    cv_.Signal();
  }
  return done.get();
}

void SqliteWriter::Run() {
  while (true) {
    std::vector<std::unique_ptr<Request>> batch;
    {
      MutexLock lock(mu_);
      while (queue_.empty() && !stopping_) cv_.Wait();
      if (queue_.empty()) return;  // stopping, drained
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitBatch(batch);
    MaybeCompact();
  }
}

void SqliteWriter::CommitBatch(std::vector<std::unique_ptr<Request>>& batch) {
  const int64_t first_revision = next_revision_;
  const auto started = std::chrono::steady_clock::now();
  Status s = conn_->Exec("BEGIN IMMEDIATE");
  if (s.ok()) {
    for (auto& req : batch) {
      if (req->compact_to) {
        Status c = CompactTo(*req->compact_to);
        req->result =
            c.ok() ? StatusOr<TxnResult>(TxnResult{{}, next_revision_ - 1})
                   : StatusOr<TxnResult>(c);
      } else {
        ApplyOps(*req);
      }
      s = CheckBatchStillOpen(*req);
      if (!s.ok()) break;
    }
    if (s.ok()) s = conn_->Exec("COMMIT");
    if (!s.ok() && !conn_->InAutocommit()) (void)conn_->Exec("ROLLBACK");
    if (options_.observe_commit) {
      options_.observe_commit(std::chrono::duration<double>(
                                  std::chrono::steady_clock::now() - started)
                                  .count());
    }
  }
  if (!s.ok()) {
    // Nothing of this batch is durable: fail every caller, reuse revisions.
    next_revision_ = first_revision;
    auto durable = log_->CompactedRevision();
    if (durable.ok()) compacted_revision_ = *durable;
    for (auto& req : batch) {
      req->done.set_value(s.WithPrefix("store commit failed"));
    }
    return;
  }
  current_revision_ = next_revision_ - 1;
  std::vector<ChangePtr> changes;
  for (auto& req : batch) {
    for (auto& c : req->changes) changes.push_back(std::move(c));
  }
  hub_.Publish(std::move(changes));
  for (auto& req : batch) {
    req->done.set_value(std::move(req->result));
  }
}

Status SqliteWriter::CheckBatchStillOpen(const Request& req) {
  if (!conn_->InAutocommit()) return OkStatus();
  // SQLite rolled the whole batch back (disk full, I/O error): the requests
  // before this one are undone too, and nothing more may run in this batch
  // (a SAVEPOINT would open, and its RELEASE commit, a transaction of its
  // own, behind the revision counter's back).
  Status cause =
      req.result.ok() ? conn_->LastError("batch") : req.result.status();
  return Status(cause.code() == StatusCode::kInternal ? StatusCode::kUnavailable
                                                      : cause.code(),
                "the batch was rolled back: " + cause.message());
}

void SqliteWriter::ApplyOps(Request& req) {
  const int64_t saved_next = next_revision_;
  Status s = savepoint_->Run();
  TxnResult result;
  std::vector<ChangePtr> changes;
  for (size_t i = 0; s.ok() && i < req.ops.size(); ++i) {
    StoredObject obj;
    ChangePtr change;
    s = ApplyOne(req.ops[i], &obj, &change);
    if (!s.ok() && !req.single_op) {
      s = Status(s.code(), OpPrefix(i, req.ops[i], false) + s.message());
    }
    result.objects.push_back(std::move(obj));
    if (change) changes.push_back(std::move(change));
  }
  if (s.ok()) {
    s = release_->Run();
  } else {
    (void)rollback_to_->Run();
    (void)release_->Run();
  }
  if (!s.ok()) {
    next_revision_ = saved_next;
    req.result = s;
    return;
  }
  result.revision = next_revision_ - 1;
  req.result = std::move(result);
  req.changes = std::move(changes);
}

Status SqliteWriter::ApplyOne(TxnOp& op, StoredObject* out, ChangePtr* change) {
  const std::string path = op.key.Path();
  ASSIGN_OR_RETURN(std::optional<LogRow> latest, log_->Latest(path));
  const bool exists = latest && latest->type != LogType::kDeleted;
  if (op.kind == TxnOp::Kind::kCreate) {
    if (exists) return AlreadyExistsError(Quoted(path) + " already exists");
  } else {
    if (!exists) return NotFoundError(Quoted(path) + " not found");
    if (op.expected_revision && *op.expected_revision != latest->revision) {
      return AbortedError(Quoted(path) + ": resourceVersion " +
                          std::to_string(*op.expected_revision) +
                          " is stale (current " +
                          std::to_string(latest->revision) + ")");
    }
  }
  out->key = op.key;
  if (op.kind == TxnOp::Kind::kCheck) {
    out->revision = latest->revision;
    ASSIGN_OR_RETURN(out->value, ParseStoredValue(latest->value));
    return OkStatus();
  }

  auto event = std::make_shared<ChangeEvent>();
  nlohmann::json value;
  if (op.kind == TxnOp::Kind::kDelete) {
    ASSIGN_OR_RETURN(value, ParseStoredValue(latest->value));
    event->type = WatchEventType::kDeleted;
  } else {
    value = std::move(op.value);
    event->type = exists ? WatchEventType::kModified : WatchEventType::kAdded;
  }
  if (exists) {
    ASSIGN_OR_RETURN(nlohmann::json prev, ParseStoredValue(latest->value));
    event->prev_value = std::make_shared<const nlohmann::json>(std::move(prev));
  }
  const int64_t revision = next_revision_;
  ASSIGN_OR_RETURN(std::string text, StampAndDump(value, revision));
  LogType type = op.kind == TxnOp::Kind::kDelete ? LogType::kDeleted
                 : exists                        ? LogType::kModified
                                                 : LogType::kAdded;
  insert_->BindInt(1, revision)
      .BindText(2, path)
      .BindInt(3, static_cast<int64_t>(type))
      .BindText(4, text)
      .BindInt(5, exists ? latest->revision : 0);
  RETURN_IF_ERROR(insert_->Run());
  ++next_revision_;

  out->revision = revision;
  out->value = value;
  event->revision = revision;
  event->key = op.key;
  event->path = path;
  event->value = std::make_shared<const nlohmann::json>(std::move(value));
  *change = std::move(event);
  return OkStatus();
}

Status SqliteWriter::CompactTo(int64_t revision) {
  const int64_t current = next_revision_ - 1;
  if (revision > current) {
    return OutOfRangeError("cannot compact to revision " +
                           std::to_string(revision) + ": current revision is " +
                           std::to_string(current));
  }
  if (revision <= compacted_revision_) return OkStatus();
  compact_delete_->BindInt(1, revision);
  RETURN_IF_ERROR(compact_delete_->Run());
  set_compacted_->BindInt(1, revision);
  RETURN_IF_ERROR(set_compacted_->Run());
  compacted_revision_ = revision;
  return OkStatus();
}

void SqliteWriter::MaybeCompact() {
  const int64_t target = current_revision_ - options_.retained_revisions;
  const int64_t step = std::max<int64_t>(1, options_.retained_revisions / 8);
  if (target - compacted_revision_ < step) return;
  Status s = conn_->Exec("BEGIN IMMEDIATE");
  if (s.ok()) s = CompactTo(target);
  if (s.ok()) {
    s = conn_->Exec("COMMIT");
  } else {
    (void)conn_->Exec("ROLLBACK");
  }
  // A failed compaction only delays it; the next batch retries. The
  // in-memory mark must not run ahead of what is durable.
  if (!s.ok()) {
    auto durable = log_->CompactedRevision();
    if (durable.ok()) compacted_revision_ = *durable;
  }
}

}  // namespace kiln
