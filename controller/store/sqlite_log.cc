#include "controller/store/sqlite_log.h"

#include <utility>

namespace kiln {

StatusOr<nlohmann::json> ParseStoredValue(std::string_view text) {
  nlohmann::json j =
      nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return InternalError("store: stored value is not valid JSON");
  return j;
}

std::pair<std::string, std::string> ScopeRange(const ResourceScope& scope) {
  std::string prefix = "/" + scope.resource + "/";
  if (scope.namespace_ && !scope.namespace_->empty()) {
    prefix += *scope.namespace_ + "/";
  }
  std::string end = prefix;
  end.back() = '/' + 1;  // '0': the first byte after '/'
  return {prefix, end};
}

StatusOr<std::unique_ptr<SqliteLog>> SqliteLog::Create(SqliteConnection& conn) {
  std::unique_ptr<SqliteLog> log(new SqliteLog(conn));
  ASSIGN_OR_RETURN(log->latest_,
                   conn.Prepare("SELECT revision, type, value, prev_revision "
                                "FROM log WHERE key = ?1 "
                                "ORDER BY revision DESC LIMIT 1"));
  // Newest row per key at or below ?3, skipping deletions. SQLite takes the
  // bare columns from the row holding MAX(revision).
  ASSIGN_OR_RETURN(
      log->scan_, conn.Prepare("SELECT key, MAX(revision), type, value, "
                               "prev_revision FROM log "
                               "WHERE key > ?1 AND key < ?2 AND revision <= ?3 "
                               "GROUP BY key HAVING type != 2 ORDER BY key"));
  ASSIGN_OR_RETURN(
      log->history_,
      conn.Prepare("SELECT l.revision, l.key, l.type, l.value, "
                   "l.prev_revision, p.value FROM log l "
                   "LEFT JOIN log p ON p.revision = l.prev_revision "
                   "WHERE l.revision > ?1 AND l.revision <= ?2 "
                   "AND l.key >= ?3 AND l.key < ?4 "
                   "ORDER BY l.revision LIMIT ?5"));
  ASSIGN_OR_RETURN(log->compacted_,
                   conn.Prepare("SELECT value FROM meta "
                                "WHERE name = 'compacted_revision'"));
  ASSIGN_OR_RETURN(log->max_revision_,
                   conn.Prepare("SELECT COALESCE(MAX(revision), 0) FROM log"));
  return log;
}

StatusOr<std::optional<LogRow>> SqliteLog::Latest(const std::string& key) {
  StatementResetter reset(*latest_);
  latest_->BindText(1, key);
  ASSIGN_OR_RETURN(bool row, latest_->Step());
  if (!row) return std::optional<LogRow>();
  LogRow r;
  r.revision = latest_->ColumnInt(0);
  r.key = key;
  r.type = static_cast<LogType>(latest_->ColumnInt(1));
  r.value = latest_->ColumnText(2);
  r.prev_revision = latest_->ColumnInt(3);
  return std::optional<LogRow>(std::move(r));
}

Status SqliteLog::Scan(const std::string& after_key, const std::string& end_key,
                       int64_t revision,
                       const std::function<bool(LogRow&&)>& fn) {
  StatementResetter reset(*scan_);
  scan_->BindText(1, after_key).BindText(2, end_key).BindInt(3, revision);
  while (true) {
    ASSIGN_OR_RETURN(bool row, scan_->Step());
    if (!row) return OkStatus();
    LogRow r;
    r.key = scan_->ColumnText(0);
    r.revision = scan_->ColumnInt(1);
    r.type = static_cast<LogType>(scan_->ColumnInt(2));
    r.value = scan_->ColumnText(3);
    r.prev_revision = scan_->ColumnInt(4);
    if (!fn(std::move(r))) return OkStatus();
  }
}

StatusOr<std::vector<LogRow>> SqliteLog::History(int64_t after, int64_t upto,
                                                 const std::string& begin,
                                                 const std::string& end,
                                                 int64_t limit) {
  StatementResetter reset(*history_);
  history_->BindInt(1, after).BindInt(2, upto).BindText(3, begin);
  history_->BindText(4, end).BindInt(5, limit);
  std::vector<LogRow> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool row, history_->Step());
    if (!row) return rows;
    LogRow r;
    r.revision = history_->ColumnInt(0);
    r.key = history_->ColumnText(1);
    r.type = static_cast<LogType>(history_->ColumnInt(2));
    r.value = history_->ColumnText(3);
    r.prev_revision = history_->ColumnInt(4);
    if (!history_->ColumnIsNull(5))
      r.prev_value = std::string(history_->ColumnText(5));
    rows.push_back(std::move(r));
  }
}

StatusOr<int64_t> SqliteLog::CompactedRevision() {
  StatementResetter reset(*compacted_);
  ASSIGN_OR_RETURN(bool row, compacted_->Step());
  if (!row) return InternalError("store: meta.compacted_revision missing");
  return compacted_->ColumnInt(0);
}

StatusOr<int64_t> SqliteLog::MaxRevision() {
  StatementResetter reset(*max_revision_);
  ASSIGN_OR_RETURN(bool row, max_revision_->Step());
  if (!row) return int64_t{0};
  return max_revision_->ColumnInt(0);
}

}  // namespace kiln
