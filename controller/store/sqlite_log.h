// Queries over the revision log (see sqlite_schema.h), shared by the read
// pool and the writer. Thread-compatible: one thread per SqliteLog at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/store/sqlite_conn.h"
#include "controller/store/store.h"

namespace kiln {

enum class LogType : int64_t { kAdded = 0, kModified = 1, kDeleted = 2 };

struct LogRow {
  int64_t revision = 0;
  std::string key;
  LogType type = LogType::kAdded;
  std::string value;
  int64_t prev_revision = 0;
  std::optional<std::string> prev_value;  // History() only
};

// Parses a stored value. Internal when the stored text is not JSON.
StatusOr<nlohmann::json> ParseStoredValue(std::string_view text);

// [first, last) key-path range covering `scope`.
std::pair<std::string, std::string> ScopeRange(const ResourceScope& scope);

class SqliteLog {
 public:
  static StatusOr<std::unique_ptr<SqliteLog>> Create(SqliteConnection& conn);

  // The newest row of `key` (possibly a deletion), or nullopt.
  StatusOr<std::optional<LogRow>> Latest(const std::string& key);

  // Calls `fn` for each live object in (after_key, end_key) at `revision`,
  // in key order, until `fn` returns false.
  Status Scan(const std::string& after_key, const std::string& end_key,
              int64_t revision, const std::function<bool(LogRow&&)>& fn);

  // Rows with after < revision <= upto and key in [begin, end), at most
  // `limit`, in revision order, each with the value of its previous revision
  // when there is one.
  StatusOr<std::vector<LogRow>> History(int64_t after, int64_t upto,
                                        const std::string& begin,
                                        const std::string& end, int64_t limit);

  StatusOr<int64_t> CompactedRevision();
  StatusOr<int64_t> MaxRevision();

  SqliteConnection& conn() { return conn_; }

 private:
  explicit SqliteLog(SqliteConnection& conn) : conn_(conn) {}
  SqliteConnection& conn_;
  std::unique_ptr<Statement> latest_;
  std::unique_ptr<Statement> scan_;
  std::unique_ptr<Statement> history_;
  std::unique_ptr<Statement> compacted_;
  std::unique_ptr<Statement> max_revision_;
};

}  // namespace kiln
