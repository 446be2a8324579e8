// The SQLite store on a full disk (issue 12 item 11): writes fail with a
// clear error while the file system is full, nothing acknowledged is lost,
// the revision counter never reuses a committed revision, and writes succeed
// again once space returns, without reopening the store. The file system is
// a small tmpfs the test mounts (root only; skipped with the reason
// otherwise).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "controller/store/sqlite_store.h"
#include "tests/controller/store/store_test_util.h"
#include "tests/testing/tiny_filesystem.h"

namespace kiln {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;

using testing::TinyFilesystem;

std::string IntegrityCheck(const std::string& db_path) {
  sqlite3* db = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr);
    if (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return result;
}

StatusOr<std::unique_ptr<SqliteStore>> OpenAt(const std::string& path) {
  SqliteStoreOptions options;
  options.path = path;
  return SqliteStore::Open(options);
}

TEST(StoreDiskFullTest, FailsWhileFullLosesNothingAndRecoversWithoutReopen) {
  TinyFilesystem fs(6 << 20);
  if (!fs.why_not().empty()) GTEST_SKIP() << fs.why_not();
  // Space to give back later.
  std::ofstream(fs.Path("filler")) << std::string(2 << 20, 'f');
  const std::string db = fs.Path("kiln.db");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteStore> store, OpenAt(db));

  // Four writers fill the disk (so failures land in the middle of batches),
  // each until it has seen a few failures.
  std::mutex mu;
  std::map<std::string, int64_t> acknowledged;  // name -> revision
  std::vector<Status> failures;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      int failed = 0;
      for (int i = 0; failed < 5 && i < 5000; ++i) {
        const std::string name =
            "w" + std::to_string(w) + "-" + std::to_string(i);
        nlohmann::json value = MakeObject(BuildKey("default", name));
        value["spec"]["payload"] = std::string(16 << 10, 'a' + w);
        StatusOr<StoredObject> created =
            store->Create(BuildKey("default", name), std::move(value));
        std::lock_guard<std::mutex> lock(mu);
        if (created.ok()) {
          acknowledged[name] = created->revision;
        } else {
          ++failed;
          failures.push_back(created.status());
        }
      }
    });
  }
  for (std::thread& t : writers) t.join();
  ASSERT_FALSE(failures.empty()) << "the file system never filled up";
  for (const Status& s : failures) {
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
    EXPECT_THAT(s.message(), AnyOf(HasSubstr("full"), HasSubstr("I/O")))
        << s.ToString();
  }
  std::set<int64_t> revisions;
  for (const auto& [name, revision] : acknowledged) {
    EXPECT_TRUE(revisions.insert(revision).second) << "revision reused";
    ASSERT_OK_AND_ASSIGN(StoredObject got,
                         store->Get(BuildKey("default", name)));
    EXPECT_EQ(got.revision, revision) << name;
  }

  // Space returns: the same store writes again, after every revision it
  // acknowledged.
  ASSERT_EQ(std::remove(fs.Path("filler").c_str()), 0);
  ASSERT_OK_AND_ASSIGN(StoredObject after,
                       store->Create(BuildKey("default", "after"),
                                     MakeObject(BuildKey("default", "after"))));
  EXPECT_GT(after.revision, *revisions.rbegin());
  ListOptions all;
  all.scope = {"builds", "default"};
  ASSERT_OK_AND_ASSIGN(ListResult listed, store->List(all));
  EXPECT_EQ(listed.items.size(), acknowledged.size() + 1)
      << "objects were stored that no caller was told about";

  // Nothing corrupt, nothing lost across a reopen.
  store.reset();
  EXPECT_EQ(IntegrityCheck(db), "ok");
  ASSERT_OK_AND_ASSIGN(store, OpenAt(db));
  for (const auto& [name, revision] : acknowledged) {
    ASSERT_OK_AND_ASSIGN(StoredObject got,
                         store->Get(BuildKey("default", name)));
    EXPECT_EQ(got.revision, revision) << name;
  }
  EXPECT_OK(store->Get(BuildKey("default", "after")).status());
}

}  // namespace
}  // namespace kiln
