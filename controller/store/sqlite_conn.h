// Thin RAII adapter over the SQLite C API: errors become Status values.
// Connection and Statement are thread-compatible: one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

class Statement;

class SqliteConnection {
 public:
  // Opens `path` read-write (creating it when `create`), in WAL mode with
  // synchronous=FULL and a busy timeout. Internal/Unavailable on failure.
  static StatusOr<std::unique_ptr<SqliteConnection>> Open(
      const std::string& path, bool create);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs one or more statements with no results.
  Status Exec(std::string_view sql);
  // Compiles `sql` (kept cached in the returned object).
  StatusOr<std::unique_ptr<Statement>> Prepare(std::string_view sql);

  // The error of the last failed call, as a Status with `what` as context.
  Status LastError(std::string_view what) const;
  sqlite3* raw() { return db_; }
  // True outside an explicit transaction. After SQLITE_FULL, SQLITE_IOERR,
  // SQLITE_NOMEM or SQLITE_BUSY SQLite may have rolled the open transaction
  // back by itself; this is how a caller finds out (a SAVEPOINT would then
  // start a new transaction that its RELEASE commits on its own).
  bool InAutocommit() const { return sqlite3_get_autocommit(db_) != 0; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// A prepared statement. Bind*, then Step() until it returns false; Reset()
// before reuse. Column getters are valid after Step() returned true.
class Statement {
 public:
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& BindInt(int index, int64_t value);
  Statement& BindText(int index, std::string_view value);
  // true: a row is available; false: done. Errors as Status.
  StatusOr<bool> Step();
  // Runs to completion expecting no rows.
  Status Run();
  void Reset();

  int64_t ColumnInt(int index);
  std::string_view ColumnText(int index);
  bool ColumnIsNull(int index);

 private:
  friend class SqliteConnection;
  Statement(SqliteConnection* conn, sqlite3_stmt* stmt)
      : conn_(conn), stmt_(stmt) {}
  SqliteConnection* conn_;
  sqlite3_stmt* stmt_;
};

// Resets a statement when leaving scope, so it holds no read snapshot.
class StatementResetter {
 public:
  explicit StatementResetter(Statement& s) : s_(s) {}
  ~StatementResetter() { s_.Reset(); }
  StatementResetter(const StatementResetter&) = delete;
  StatementResetter& operator=(const StatementResetter&) = delete;

 private:
  Statement& s_;
};

}  // namespace kiln
