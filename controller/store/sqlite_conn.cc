#include "controller/store/sqlite_conn.h"

#include <string>

namespace kiln {
namespace {

constexpr int kBusyTimeoutMs = 10000;

Status ErrorFor(int rc, std::string_view what, const char* detail) {
  std::string msg = "sqlite: ";
  msg += what;
  msg += ": ";
  msg += detail ? detail : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return UnavailableError(std::move(msg));
    default:
      return InternalError(std::move(msg));
  }
}

}  // namespace

StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::string& path, bool create) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = ErrorFor(rc, "open " + path, db ? sqlite3_errmsg(db) : nullptr);
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  RETURN_IF_ERROR(
      conn->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                 "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"));
  return conn;
}

SqliteConnection::~SqliteConnection() { sqlite3_close_v2(db_); }

Status SqliteConnection::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return OkStatus();
  Status s = ErrorFor(rc, text.substr(0, 60), err);
  sqlite3_free(err);
  return s;
}

StatusOr<std::unique_ptr<Statement>> SqliteConnection::Prepare(
    std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return LastError("prepare");
  return std::unique_ptr<Statement>(new Statement(this, stmt));
}

Status SqliteConnection::LastError(std::string_view what) const {
  return ErrorFor(sqlite3_extended_errcode(db_), what, sqlite3_errmsg(db_));
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::BindInt(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::BindText(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

StatusOr<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->LastError(sqlite3_sql(stmt_));
}

Status Statement::Run() {
  StatusOr<bool> row = Step();
  Reset();
  if (!row.ok()) return row.status();
  if (*row) return InternalError("sqlite: statement returned a row");
  return OkStatus();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::ColumnInt(int index) {
  return sqlite3_column_int64(stmt_, index);
}

std::string_view Statement::ColumnText(int index) {
  const unsigned char* p = sqlite3_column_text(stmt_, index);
  int n = sqlite3_column_bytes(stmt_, index);
  if (!p) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(n)};
}

bool Statement::ColumnIsNull(int index) {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

}  // namespace kiln
