#include "controller/store/sqlite_store.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "controller/store/continue_token.h"
#include "controller/store/sqlite_log.h"
#include "controller/store/sqlite_read_pool.h"
#include "controller/store/sqlite_schema.h"
#include "controller/store/sqlite_watcher.h"
#include "controller/store/sqlite_writer.h"
#include "controller/store/watch_filter.h"

namespace kiln {
namespace {

StatusOr<StoredObject> ToStored(const ObjectKey& key, const LogRow& row) {
  StoredObject obj;
  obj.key = key;
  obj.revision = row.revision;
  ASSIGN_OR_RETURN(obj.value, ParseStoredValue(row.value));
  return obj;
}

// Identifies what a continue token was issued for.
std::string QueryFingerprint(const ListOptions& o) {
  return o.scope.resource + "|" + o.scope.namespace_.value_or("*") + "|" +
         o.selector.ToString();
}

Status ValidateScope(const ResourceScope& scope) {
  if (scope.resource.empty() || scope.resource.find('/') != std::string::npos ||
      scope.namespace_.value_or("").find('/') != std::string::npos) {
    return InvalidArgumentError(
        "scope needs a resource, and no part may contain '/'");
  }
  return OkStatus();
}

Status ValidateOptions(const SqliteStoreOptions& o) {
  if (o.path.empty()) return InvalidArgumentError("store: path is empty");
  if (o.retained_revisions < 1) {
    return InvalidArgumentError("store: retained_revisions must be >= 1");
  }
  if (o.watcher_buffer_limit < 1 || o.read_connections < 1 || o.max_batch < 1) {
    return InvalidArgumentError(
        "store: watcher_buffer_limit, read_connections and max_batch must be "
        ">= 1");
  }
  return OkStatus();
}

}  // namespace

class SqliteStore::Impl {
 public:
  SqliteStoreOptions options;
  std::shared_ptr<SqliteReadPool> pool;
  std::unique_ptr<WatchHub> hub;  // outlives writer
  std::unique_ptr<SqliteWriter> writer;

  ~Impl() {
    writer.reset();  // drain writes, then close watchers
    hub.reset();
  }
};

StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const SqliteStoreOptions& options) {
  RETURN_IF_ERROR(ValidateOptions(options));
  std::filesystem::path dir = std::filesystem::path(options.path).parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return UnavailableError("store: cannot create " + dir.string() + ": " +
                              ec.message());
    }
  }
  ASSIGN_OR_RETURN(auto conn, SqliteConnection::Open(options.path, true));
  RETURN_IF_ERROR(MigrateSqliteSchema(*conn));

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  ASSIGN_OR_RETURN(
      impl->pool, SqliteReadPool::Open(options.path, options.read_connections));
  int64_t current = 0;
  {
    auto lease = impl->pool->Acquire();
    ASSIGN_OR_RETURN(int64_t max_rev, lease->log().MaxRevision());
    ASSIGN_OR_RETURN(int64_t compacted, lease->log().CompactedRevision());
    current = std::max(max_rev, compacted);
  }
  impl->hub = std::make_unique<WatchHub>(current);
  SqliteWriter::Options wopts;
  wopts.retained_revisions = options.retained_revisions;
  wopts.max_batch = options.max_batch;
  wopts.observe_commit = options.observe_commit;
  ASSIGN_OR_RETURN(impl->writer,
                   SqliteWriter::Start(std::move(conn), *impl->hub, wopts));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

StatusOr<StoredObject> SqliteStore::Create(const ObjectKey& key,
                                           nlohmann::json value) {
  std::vector<TxnOp> ops;
  ops.push_back(TxnOp::Create(key, std::move(value)));
  ASSIGN_OR_RETURN(TxnResult r, impl_->writer->Submit(std::move(ops), true));
  return std::move(r.objects.front());
}

StatusOr<StoredObject> SqliteStore::Update(
    const ObjectKey& key, nlohmann::json value,
    std::optional<int64_t> expected_revision) {
  std::vector<TxnOp> ops;
  ops.push_back(TxnOp::Update(key, std::move(value), expected_revision));
  ASSIGN_OR_RETURN(TxnResult r, impl_->writer->Submit(std::move(ops), true));
  return std::move(r.objects.front());
}

StatusOr<StoredObject> SqliteStore::Delete(
    const ObjectKey& key, std::optional<int64_t> expected_revision) {
  std::vector<TxnOp> ops;
  ops.push_back(TxnOp::Delete(key, expected_revision));
  ASSIGN_OR_RETURN(TxnResult r, impl_->writer->Submit(std::move(ops), true));
  return std::move(r.objects.front());
}

StatusOr<TxnResult> SqliteStore::Txn(std::vector<TxnOp> ops) {
  return impl_->writer->Submit(std::move(ops), false);
}

StatusOr<StoredObject> SqliteStore::Get(const ObjectKey& key) {
  RETURN_IF_ERROR(key.Validate());
  const std::string path = key.Path();
  auto lease = impl_->pool->Acquire();
  ASSIGN_OR_RETURN(std::optional<LogRow> row, lease->log().Latest(path));
  if (!row || row->type == LogType::kDeleted) {
    return NotFoundError("\"" + path + "\" not found");
  }
  return ToStored(key, *row);
}

StatusOr<ListResult> SqliteStore::List(const ListOptions& options) {
  RETURN_IF_ERROR(ValidateScope(options.scope));
  if (options.limit < 0)
    return InvalidArgumentError("list: limit must be >= 0");
  const std::string query = QueryFingerprint(options);
  const auto range = ScopeRange(options.scope);
  const std::string& begin = range.first;
  const std::string& end = range.second;
  ListResult result;
  result.revision = impl_->writer->current_revision();
  std::string after = begin;
  if (!options.continue_token.empty()) {
    ASSIGN_OR_RETURN(ContinueToken token,
                     ContinueToken::Decode(options.continue_token));
    if (token.query != query || token.last_key < begin ||
        token.last_key >= end) {
      return InvalidArgumentError(
          "invalid continue token: it belongs to a different list query");
    }
    result.revision = token.revision;
    after = token.last_key;
  }

  auto lease = impl_->pool->Acquire();
  SqliteLog& log = lease->log();
  RETURN_IF_ERROR(log.conn().Exec("BEGIN"));
  auto scan = [&]() -> Status {
    ASSIGN_OR_RETURN(int64_t compacted, log.CompactedRevision());
    if (result.revision < compacted) {
      return OutOfRangeError("the continue token is too old: revision " +
                             std::to_string(result.revision) +
                             " has been compacted; list again");
    }
    Status item_status;
    bool more = false;
    RETURN_IF_ERROR(log.Scan(after, end, result.revision, [&](LogRow&& row) {
      auto key = ObjectKey::FromPath(row.key);
      if (!key.ok()) {
        item_status = key.status();
        return false;
      }
      auto obj = ToStored(*key, row);
      if (!obj.ok()) {
        item_status = obj.status();
        return false;
      }
      if (!SelectorMatches(options.selector, obj->value)) return true;
      if (options.limit > 0 &&
          static_cast<int64_t>(result.items.size()) == options.limit) {
        more = true;
        return false;
      }
      result.items.push_back(std::move(*obj));
      return true;
    }));
    RETURN_IF_ERROR(item_status);
    if (more) {
      result.continue_token =
          ContinueToken{result.revision, result.items.back().key.Path(), query}
              .Encode();
    } else {
      result.remaining = 0;
    }
    return OkStatus();
  };
  Status s = scan();
  (void)log.conn().Exec("COMMIT");
  RETURN_IF_ERROR(s);
  return result;
}

StatusOr<std::unique_ptr<Watcher>> SqliteStore::Watch(
    const WatchOptions& options) {
  RETURN_IF_ERROR(ValidateScope(options.scope));
  const int64_t compacted = impl_->writer->compacted_revision();
  if (options.from_revision < compacted) {
    return OutOfRangeError(
        "too old resource version: " + std::to_string(options.from_revision) +
        " (" + std::to_string(compacted) + ")");
  }
  auto [begin, end] = ScopeRange(options.scope);
  auto stream = std::make_shared<WatchStream>(
      begin, end, impl_->options.watcher_buffer_limit);
  int64_t registered = impl_->hub->Register(stream);
  return std::unique_ptr<Watcher>(
      new SqliteWatcher(impl_->pool, std::move(stream), options, registered));
}

int64_t SqliteStore::CurrentRevision() {
  return impl_->writer->current_revision();
}

int64_t SqliteStore::CompactedRevision() {
  return impl_->writer->compacted_revision();
}

Status SqliteStore::Compact(int64_t revision) {
  return impl_->writer->Compact(revision);
}

}  // namespace kiln
