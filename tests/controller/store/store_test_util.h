// Helpers for the Store contract tests: a temp dir, the list of backends the
// contract suite runs against, a parameterized fixture, object builders and
// watch helpers. Test-only.
//
// A backend is a factory that opens a Store whose data lives in a directory:
// opening the same directory again reopens the same data (close/reopen
// tests). Today the list holds only SQLite; an etcd backend adds one entry.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "api_types/label_selector.h"
#include "api_types/status.h"
#include "controller/store/sqlite_store.h"
#include "controller/store/store.h"
#include "tests/testing/status_matchers.h"

namespace kiln {

// ---------------------------------------------------------------------------
// Printing (gtest finds these by ADL).

inline void PrintTo(const ObjectKey& key, std::ostream* os) {
  *os << "{resource=" << key.resource << " ns=" << key.namespace_
      << " name=" << key.name << "}";
}

inline void PrintTo(const StoredObject& obj, std::ostream* os) {
  *os << "StoredObject{";
  PrintTo(obj.key, os);
  *os << " rev=" << obj.revision << " value=" << obj.value.dump() << "}";
}

inline void PrintTo(const TxnResult& result, std::ostream* os) {
  *os << "TxnResult{rev=" << result.revision << " objects=[";
  for (const StoredObject& obj : result.objects) {
    PrintTo(obj, os);
    *os << " ";
  }
  *os << "]}";
}

inline void PrintTo(const ListResult& result, std::ostream* os) {
  *os << "ListResult{rev=" << result.revision
      << " items=" << result.items.size() << " continue=\""
      << result.continue_token << "\"}";
}

inline const char* WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
  }
  return "?";
}

inline void PrintTo(WatchEventType type, std::ostream* os) {
  *os << WatchEventTypeName(type);
}

inline void PrintTo(const WatchEvent& event, std::ostream* os) {
  *os << WatchEventTypeName(event.type) << " ";
  PrintTo(event.object, os);
}

// ---------------------------------------------------------------------------
// Temp dir.

// A fresh directory under ::testing::TempDir(), removed with its contents on
// destruction.
class ScopedTempDir {
 public:
  ScopedTempDir() {
    std::string tmpl =
        (std::filesystem::path(::testing::TempDir()) / "kiln-store-test-XXXXXX")
            .string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp(" << tmpl << ") failed";
    }
    path_ = tmpl;
  }
  ~ScopedTempDir() {
    std::error_code ignored;  // Best effort: a leftover dir fails nothing.
    std::filesystem::remove_all(path_, ignored);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// ---------------------------------------------------------------------------
// Backends.

// Backend-neutral knobs a few tests need.
struct TestStoreOptions {
  // Events buffered per watcher before it is dropped as too slow.
  size_t watcher_buffer_limit = 10000;
};

struct StoreBackend {
  std::string name;  // gtest parameter name: letters and digits only
  // Opens the store whose data lives in `dir`; the same dir reopens the same
  // data. The returned store must be closed (destroyed) before reopening.
  std::function<StatusOr<std::unique_ptr<Store>>(
      const std::filesystem::path& dir, const TestStoreOptions& options)>
      open;
  // Compacts history up to `revision` through the backend's own API (not
  // part of Store).
  std::function<Status(Store& store, int64_t revision)> compact;
};

inline std::filesystem::path SqliteTestDbPath(
    const std::filesystem::path& dir) {
  return dir / "kiln.db";
}

inline StoreBackend SqliteBackend() {
  StoreBackend backend;
  backend.name = "Sqlite";
  backend.open =
      [](const std::filesystem::path& dir,
         const TestStoreOptions& options) -> StatusOr<std::unique_ptr<Store>> {
    SqliteStoreOptions sqlite_options;
    sqlite_options.path = SqliteTestDbPath(dir).string();
    sqlite_options.watcher_buffer_limit = options.watcher_buffer_limit;
    StatusOr<std::unique_ptr<SqliteStore>> store =
        SqliteStore::Open(sqlite_options);
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(store).value());
  };
  backend.compact = [](Store& store, int64_t revision) {
    return static_cast<SqliteStore&>(store).Compact(revision);
  };
  return backend;
}

// Every backend the contract suite runs against.
inline void PrintTo(const StoreBackend& backend, std::ostream* os) {
  *os << backend.name;
}

inline std::vector<StoreBackend> AllStoreBackends() {
  return {SqliteBackend()};
}

inline std::string StoreBackendName(
    const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

// Base fixture: a fresh store of the parameter's backend in a temp dir.
class StoreTestBase : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Open()); }
  void TearDown() override { store_.reset(); }

  Store& store() { return *store_; }

  // (Re)opens the store on this test's directory; any open store is closed
  // first.
  void Open(const TestStoreOptions& options = {}) {
    store_.reset();
    StatusOr<std::unique_ptr<Store>> store =
        GetParam().open(dir_.path(), options);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(store).value();
  }
  void Close() { store_.reset(); }

  Status Compact(int64_t revision) {
    return GetParam().compact(*store_, revision);
  }

  ScopedTempDir dir_;
  std::unique_ptr<Store> store_;
};

// ---------------------------------------------------------------------------
// Raw SQLite access, for checks below the Store interface.

// Runs `sql` on the database file at `path` (opened read-write, without
// creating it) and returns the first column of the first row as text ("" when
// there is no row or it is NULL).
inline StatusOr<std::string> SqliteQueryText(const std::filesystem::path& path,
                                             const std::string& sql) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return InternalError("open " + path.string() + ": " + message);
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_stmt* stmt = nullptr;
  rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  std::string text;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const unsigned char* column = sqlite3_column_text(stmt, 0);
      if (column != nullptr) text = reinterpret_cast<const char*>(column);
      rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
      rc = SQLITE_OK;
    }
  }
  Status status = rc == SQLITE_OK
                      ? OkStatus()
                      : InternalError(sql + ": " + sqlite3_errmsg(db));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  if (!status.ok()) return status;
  return text;
}

// ---------------------------------------------------------------------------
// Objects.

inline ObjectKey BuildKey(std::string ns, std::string name) {
  return ObjectKey{"builds", std::move(ns), std::move(name)};
}

inline ObjectKey NodeKey(std::string name) {
  return ObjectKey{"nodes", "", std::move(name)};
}

// A Kubernetes-shaped object for `key` with `labels` and spec {"v": v}.
inline nlohmann::json MakeObject(
    const ObjectKey& key, const std::map<std::string, std::string>& labels = {},
    int64_t v = 0) {
  nlohmann::json metadata = {{"name", key.name}};
  if (!key.namespace_.empty()) metadata["namespace"] = key.namespace_;
  if (!labels.empty()) metadata["labels"] = labels;
  return nlohmann::json{{"apiVersion", "kiln.dev/v1"},
                        {"kind", "Object"},
                        {"metadata", std::move(metadata)},
                        {"spec", {{"v", v}}}};
}

// `value` with metadata.resourceVersion removed: the part a client wrote.
inline nlohmann::json WithoutResourceVersion(nlohmann::json value) {
  if (value.is_object() && value.contains("metadata") &&
      value["metadata"].is_object()) {
    value["metadata"].erase("resourceVersion");
  }
  return value;
}

// The store's invariant on every returned object.
MATCHER(HasConsistentResourceVersion,
        "has metadata.resourceVersion == to_string(revision)") {
  const nlohmann::json& value = arg.value;
  if (!value.is_object() || !value.contains("metadata") ||
      !value["metadata"].is_object() ||
      !value["metadata"].contains("resourceVersion")) {
    *result_listener << "with no metadata.resourceVersion";
    return false;
  }
  const nlohmann::json& rv = value["metadata"]["resourceVersion"];
  *result_listener << "with resourceVersion " << rv.dump() << " and revision "
                   << arg.revision;
  return rv.is_string() &&
         rv.get<std::string>() == std::to_string(arg.revision);
}

inline ResourceScope AllNamespaces(std::string resource) {
  return ResourceScope{std::move(resource), std::nullopt};
}

inline ResourceScope InNamespace(std::string resource, std::string ns) {
  return ResourceScope{std::move(resource), std::move(ns)};
}

inline WatchOptions WatchFrom(ResourceScope scope, int64_t from_revision,
                              LabelSelector selector = {}) {
  WatchOptions options;
  options.scope = std::move(scope);
  options.selector = std::move(selector);
  options.from_revision = from_revision;
  return options;
}

inline ListOptions ListOf(ResourceScope scope, LabelSelector selector = {},
                          int64_t limit = 0, std::string continue_token = "") {
  ListOptions options;
  options.scope = std::move(scope);
  options.selector = std::move(selector);
  options.limit = limit;
  options.continue_token = std::move(continue_token);
  return options;
}

inline std::vector<std::string> Paths(
    const std::vector<StoredObject>& objects) {
  std::vector<std::string> paths;
  paths.reserve(objects.size());
  for (const StoredObject& obj : objects) paths.push_back(obj.key.Path());
  return paths;
}

// ---------------------------------------------------------------------------
// Watch helpers. Waits are liveness deadlines, never speed assertions: they
// only expire when the implementation fails to deliver at all.

inline constexpr std::chrono::milliseconds kEventDeadline{10000};
// How long "nothing more arrives" is observed. A too-short wait can only make
// such a check pass wrongly, never fail wrongly.
inline constexpr std::chrono::milliseconds kQuietPeriod{100};

// The next `n` events; an error if the stream fails or stalls.
inline StatusOr<std::vector<WatchEvent>> NextEvents(Watcher& watcher,
                                                    size_t n) {
  std::vector<WatchEvent> events;
  while (events.size() < n) {
    StatusOr<std::optional<WatchEvent>> next = watcher.Next(kEventDeadline);
    if (!next.ok()) {
      return next.status().WithPrefix("event " + std::to_string(events.size()) +
                                      " of " + std::to_string(n));
    }
    if (!next->has_value()) {
      return UnavailableError("no event " + std::to_string(events.size()) +
                              " of " + std::to_string(n) + " within deadline");
    }
    events.push_back(std::move(**next));
  }
  return events;
}

// Events until one with revision >= `revision` (inclusive).
inline StatusOr<std::vector<WatchEvent>> EventsThrough(Watcher& watcher,
                                                       int64_t revision) {
  std::vector<WatchEvent> events;
  while (events.empty() || events.back().object.revision < revision) {
    StatusOr<std::optional<WatchEvent>> next = watcher.Next(kEventDeadline);
    if (!next.ok()) {
      return next.status().WithPrefix("after " + std::to_string(events.size()) +
                                      " events");
    }
    if (!next->has_value()) {
      return UnavailableError("no event reaching revision " +
                              std::to_string(revision) + " within deadline");
    }
    events.push_back(std::move(**next));
  }
  return events;
}

// Matches a WatchEvent by type and object.
MATCHER_P2(IsEvent, type, object,
           std::string("is a ") + WatchEventTypeName(type) + " event of " +
               ::testing::PrintToString(object)) {
  return arg.type == type && arg.object.key == object.key &&
         arg.object.revision == object.revision &&
         arg.object.value == object.value;
}

}  // namespace kiln
