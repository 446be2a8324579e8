#include "controller/store/sqlite_schema.h"

#include <string>

namespace kiln {
namespace {

// kMigrations[i] takes the schema from version i to i + 1.
constexpr const char* kMigrations[] = {
    // 0 -> 1: the revision log and store metadata.
    R"sql(
CREATE TABLE log (
  revision      INTEGER PRIMARY KEY,
  key           TEXT    NOT NULL,
  type          INTEGER NOT NULL,
  value         TEXT    NOT NULL,
  prev_revision INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX log_key_revision ON log (key, revision);
CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta (name, value) VALUES ('compacted_revision', 0);
)sql",
};
static_assert(std::size(kMigrations) == kSqliteSchemaVersion);

StatusOr<int> UserVersion(SqliteConnection& conn) {
  ASSIGN_OR_RETURN(auto stmt, conn.Prepare("PRAGMA user_version"));
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return InternalError("sqlite: PRAGMA user_version returned no row");
  return static_cast<int>(stmt->ColumnInt(0));
}

}  // namespace

Status MigrateSqliteSchema(SqliteConnection& conn) {
  ASSIGN_OR_RETURN(int version, UserVersion(conn));
  if (version > kSqliteSchemaVersion) {
    return FailedPreconditionError(
        "database schema version " + std::to_string(version) +
        " is newer than this binary supports (" +
        std::to_string(kSqliteSchemaVersion) + "); use a newer kilnd");
  }
  for (int v = version; v < kSqliteSchemaVersion; ++v) {
    RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
    Status s = conn.Exec(kMigrations[v]);
    if (s.ok()) {
      s = conn.Exec("PRAGMA user_version = " + std::to_string(v + 1));
    }
    if (!s.ok()) {
      (void)conn.Exec("ROLLBACK");
      return s.WithPrefix("schema migration " + std::to_string(v) + " -> " +
                          std::to_string(v + 1));
    }
    RETURN_IF_ERROR(conn.Exec("COMMIT"));
  }
  return OkStatus();
}

}  // namespace kiln
