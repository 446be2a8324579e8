// Store contract: persistence across close/reopen (every backend), and the
// SQLite backend's own guarantees (schema version, options, file format).
//
// The other contract themes live next to this file: store_crud_test,
// store_txn_test, store_list_test, store_watch_test, store_concurrency_test,
// and crash_durability_test (kill -9 of a writer process).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/store/sqlite_store.h"
#include "controller/store/store.h"
#include "tests/controller/store/store_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

class StoreReopenTest : public StoreTestBase {};

TEST_P(StoreReopenTest, EmptyStoreReopensEmpty) {
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(store().CurrentRevision(), 0);
  ASSERT_OK_AND_ASSIGN(ListResult list,
                       store().List(ListOf(AllNamespaces("builds"))));
  EXPECT_TRUE(list.items.empty());
}

TEST_P(StoreReopenTest, DataAndRevisionSurviveReopen) {
  const ObjectKey a = BuildKey("ns", "a");
  const ObjectKey b = BuildKey("ns", "b");
  const ObjectKey c = BuildKey("other", "c");
  const ObjectKey n = NodeKey("n");
  ASSERT_OK(store().Create(a, MakeObject(a, {{"team", "web"}})));
  ASSERT_OK(store().Create(b, MakeObject(b)));
  ASSERT_OK(
      store().Update(a, MakeObject(a, {{"team", "db"}}, 2), std::nullopt));
  ASSERT_OK(store().Delete(b, std::nullopt));
  ASSERT_OK(store().Txn({TxnOp::Create(c, MakeObject(c)),
                         TxnOp::Create(n, MakeObject(n, {}, 5))}));
  const int64_t revision = store().CurrentRevision();
  ASSERT_OK_AND_ASSIGN(ListResult before,
                       store().List(ListOf(AllNamespaces("builds"))));

  ASSERT_NO_FATAL_FAILURE(Open());

  EXPECT_EQ(store().CurrentRevision(), revision);
  ASSERT_OK_AND_ASSIGN(ListResult after,
                       store().List(ListOf(AllNamespaces("builds"))));
  EXPECT_EQ(after.revision, revision);
  ASSERT_THAT(Paths(after.items), ElementsAreArray(Paths(before.items)));
  for (size_t i = 0; i < after.items.size(); ++i) {
    EXPECT_EQ(after.items[i].revision, before.items[i].revision);
    EXPECT_EQ(after.items[i].value, before.items[i].value);
  }
  EXPECT_THAT(store().Get(b), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(StoredObject node, store().Get(n));
  EXPECT_EQ(node.value["spec"]["v"], 5);

  // Preconditions and revisions carry on from where they were.
  ASSERT_OK_AND_ASSIGN(StoredObject a_now, store().Get(a));
  EXPECT_THAT(store().Update(a, MakeObject(a), a_now.revision - 1),
              StatusIs(StatusCode::kAborted));
  ASSERT_OK_AND_ASSIGN(StoredObject a_next,
                       store().Update(a, MakeObject(a), a_now.revision));
  EXPECT_GT(a_next.revision, revision);
  EXPECT_THAT(store().Create(c, MakeObject(c)),
              StatusIs(StatusCode::kAlreadyExists));
}

TEST_P(StoreReopenTest, CompactedRevisionSurvivesReopen) {
  const ObjectKey a = BuildKey("ns", "a");
  ASSERT_OK(store().Create(a, MakeObject(a)));
  ASSERT_OK(store().Update(a, MakeObject(a, {}, 1), std::nullopt));
  ASSERT_OK_AND_ASSIGN(StoredObject a3,
                       store().Update(a, MakeObject(a, {}, 2), std::nullopt));
  ASSERT_OK(Compact(a3.revision - 1));

  ASSERT_NO_FATAL_FAILURE(Open());

  EXPECT_EQ(store().CompactedRevision(), a3.revision - 1);
  EXPECT_THAT(store().Watch(WatchFrom(AllNamespaces("builds"), 0)),
              StatusIs(StatusCode::kOutOfRange));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Watcher> watcher,
      store().Watch(WatchFrom(AllNamespaces("builds"), a3.revision - 1)));
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events, NextEvents(*watcher, 1));
  EXPECT_THAT(events, ElementsAre(IsEvent(WatchEventType::kModified, a3)));
}

TEST_P(StoreReopenTest, ContinueTokenSurvivesReopen) {
  for (const char* name : {"a", "b", "c", "d"}) {
    const ObjectKey key = BuildKey("ns", name);
    ASSERT_OK(store().Create(key, MakeObject(key)));
  }
  ASSERT_OK_AND_ASSIGN(ListResult first,
                       store().List(ListOf(AllNamespaces("builds"), {}, 2)));
  ASSERT_NE(first.continue_token, "");
  ASSERT_OK(store().Delete(BuildKey("ns", "d"), std::nullopt));

  ASSERT_NO_FATAL_FAILURE(Open());

  ASSERT_OK_AND_ASSIGN(ListResult second,
                       store().List(ListOf(AllNamespaces("builds"), {}, 2,
                                           first.continue_token)));
  EXPECT_EQ(second.revision, first.revision);
  EXPECT_THAT(Paths(second.items), ElementsAre("/builds/ns/c", "/builds/ns/d"));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreReopenTest,
                         ::testing::ValuesIn(AllStoreBackends()),
                         StoreBackendName);

// ---------------------------------------------------------------------------
// SQLite backend specifics.

class SqliteStoreTest : public ::testing::Test {
 protected:
  SqliteStoreOptions Options() const {
    SqliteStoreOptions options;
    options.path = SqliteTestDbPath(dir_.path()).string();
    return options;
  }

  ScopedTempDir dir_;
};

TEST_F(SqliteStoreTest, RecordsSchemaVersion) {
  { ASSERT_OK(SqliteStore::Open(Options())); }
  EXPECT_THAT(SqliteQueryText(Options().path, "PRAGMA user_version"),
              IsOkAndHolds(std::to_string(SqliteStore::kSchemaVersion)))
      << "schema version is expected in PRAGMA user_version";
}

TEST_F(SqliteStoreTest, DatabaseFromNewerKilnIsFailedPrecondition) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteStore> store,
                         SqliteStore::Open(Options()));
    const ObjectKey key = BuildKey("ns", "a");
    ASSERT_OK(store->Create(key, MakeObject(key)));
  }
  ASSERT_OK(SqliteQueryText(
      Options().path, "PRAGMA user_version = " +
                          std::to_string(SqliteStore::kSchemaVersion + 1)));

  EXPECT_THAT(SqliteStore::Open(Options()),
              StatusIs(StatusCode::kFailedPrecondition));
  // The refusal leaves the data alone.
  EXPECT_THAT(SqliteQueryText(Options().path, "PRAGMA user_version"),
              IsOkAndHolds(std::to_string(SqliteStore::kSchemaVersion + 1)));
}

TEST_F(SqliteStoreTest, UsesWriteAheadLog) {
  { ASSERT_OK(SqliteStore::Open(Options())); }
  EXPECT_THAT(SqliteQueryText(Options().path, "PRAGMA journal_mode"),
              IsOkAndHolds(std::string("wal")));
}

TEST_F(SqliteStoreTest, CreatesMissingDirectories) {
  SqliteStoreOptions options = Options();
  options.path = (dir_.path() / "a" / "b" / "kiln.db").string();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteStore> store,
                       SqliteStore::Open(options));
  EXPECT_TRUE(std::filesystem::exists(options.path));
}

TEST_F(SqliteStoreTest, EmptyPathIsInvalidArgument) {
  SqliteStoreOptions options = Options();
  options.path = "";
  EXPECT_THAT(SqliteStore::Open(options),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(SqliteStoreTest, NonsensicalOptionsAreInvalidArgument) {
  SqliteStoreOptions no_readers = Options();
  no_readers.read_connections = 0;
  EXPECT_THAT(SqliteStore::Open(no_readers),
              StatusIs(StatusCode::kInvalidArgument));
  SqliteStoreOptions no_batch = Options();
  no_batch.max_batch = 0;
  EXPECT_THAT(SqliteStore::Open(no_batch),
              StatusIs(StatusCode::kInvalidArgument));
  SqliteStoreOptions negative_window = Options();
  negative_window.retained_revisions = -1;
  EXPECT_THAT(SqliteStore::Open(negative_window),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseFailsToOpen) {
  {
    std::ofstream out(Options().path);
    out << std::string(8192, 'x');
  }
  StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(Options());
  EXPECT_FALSE(store.ok());
  // The file is left as it was.
  EXPECT_EQ(std::filesystem::file_size(Options().path), 8192u);
}

TEST_F(SqliteStoreTest, RetainedWindowStaysWatchable) {
  SqliteStoreOptions options = Options();
  options.retained_revisions = 10;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteStore> store,
                       SqliteStore::Open(options));
  const ObjectKey key = BuildKey("ns", "a");
  ASSERT_OK(store->Create(key, MakeObject(key)));
  for (int i = 1; i < 60; ++i) {
    ASSERT_OK(store->Update(key, MakeObject(key, {}, i), std::nullopt));
  }
  const int64_t current = store->CurrentRevision();
  EXPECT_LE(store->CompactedRevision(), current - 10);

  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Watcher> watcher,
      store->Watch(WatchFrom(AllNamespaces("builds"), current - 10)));
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events,
                       NextEvents(*watcher, 10));
  EXPECT_EQ(events.front().object.revision, current - 9);
  EXPECT_EQ(events.back().object.revision, current);
}

}  // namespace
}  // namespace kiln
