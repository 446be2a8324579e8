// Schema of the SQLite store and its migrations, versioned with
// PRAGMA user_version.
//
//   log(revision INTEGER PRIMARY KEY, key TEXT, type INTEGER, value TEXT,
//       prev_revision INTEGER)   -- one row per write; type: 0 ADDED,
//                                -- 1 MODIFIED, 2 DELETED (value = last state)
//   meta(name TEXT PRIMARY KEY, value INTEGER)  -- "compacted_revision"
#pragma once

#include "api_types/status.h"
#include "controller/store/sqlite_conn.h"

namespace kiln {

inline constexpr int kSqliteSchemaVersion = 1;

// Brings the database to kSqliteSchemaVersion, one migration step at a time,
// each in its own transaction. FailedPrecondition when the database is newer
// than this binary.
Status MigrateSqliteSchema(SqliteConnection& conn);

}  // namespace kiln
