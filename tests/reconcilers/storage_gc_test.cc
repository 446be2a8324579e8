// StorageGarbageCollector against the real SQLite store and BuildStorage (in
// a temp dir), a real LogService and FileSourceStore, and a FakeClock.
#include "reconcilers/storage_gc.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "reconcilers/storage_build_client.h"
#include "tests/controller/apiserver/storage_test_util.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using ::std::chrono::hours;
using ::std::chrono::minutes;

// A gzip-looking archive: the source store only sniffs the leading bytes.
std::string Archive(const std::string& content) {
  return std::string("\x1f\x8b\x08\x00", 4) + content;
}

// A BuildClient whose List always fails.
class UnlistableBuildClient final : public BuildClient {
 public:
  StatusOr<Build> Get(const std::string&, const std::string&) override {
    return UnavailableError("store closed");
  }
  StatusOr<std::vector<Build>> List() override {
    return UnavailableError("store closed");
  }
  StatusOr<Build> UpdateStatus(const Build&) override {
    return UnavailableError("store closed");
  }
};

class StorageGcTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    ASSERT_OK_AND_ASSIGN(sources_, FileSourceStore::Open(SourcesDir(), clock_));
    BuildStorageOptions options;
    options.node_name = kTestNode;
    options.sources = sources_.get();
    builds_ = std::make_unique<BuildStorage>(*store_, clock_, options);
    client_ = std::make_unique<StorageBuildClient>(*builds_);
    fs::create_directories(LogsDir());
    LogServiceOptions log_options;
    log_options.logs_dir = LogsDir();
    logs_ = std::make_unique<LogService>(clock_, log_options);
  }

  std::string LogsDir() const { return (dir_.path() / "logs").string(); }
  std::string SourcesDir() const { return (dir_.path() / "sources").string(); }
  std::string LogOf(const std::string& uid) const {
    return LogsDir() + "/" + uid + ".log";
  }

  // Writes a log last written `age` ago (by the host's clock, which is what
  // LogService compares against).
  void WriteLog(const std::string& uid, fs::file_time_type::duration age) {
    std::ofstream(LogOf(uid)) << "step 1/1\n";
    fs::last_write_time(LogOf(uid), fs::file_time_type::clock::now() - age);
  }

  StorageGarbageCollector Collector(BuildClient& client) {
    return StorageGarbageCollector(client, *logs_, *sources_, clock_,
                                   std::chrono::hours(24));
  }

  std::unique_ptr<FileSourceStore> sources_;
  std::unique_ptr<StorageBuildClient> client_;
  std::unique_ptr<LogService> logs_;
};

TEST_F(StorageGcTest, DeletesOnlyStaleLogsOfBuildsThatAreGone) {
  const Build live = MustCreate("live");
  WriteLog(live.metadata.uid, minutes(30));
  WriteLog("gone-uid", minutes(30));
  // A Build newer than the list may already be writing its log.
  WriteLog("fresh-uid", minutes(0));

  StorageGarbageCollector gc = Collector(*client_);
  ASSERT_OK_AND_ASSIGN(StorageGcResult result, gc.Collect());
  EXPECT_EQ(result.logs, 1u);
  EXPECT_TRUE(fs::exists(LogOf(live.metadata.uid)));
  EXPECT_FALSE(fs::exists(LogOf("gone-uid")));
  EXPECT_TRUE(fs::exists(LogOf("fresh-uid")));
}

TEST_F(StorageGcTest, LogsOfDeletedBuildsGoToo) {
  const Build doomed = MustCreate("doomed");
  WriteLog(doomed.metadata.uid, minutes(30));
  ASSERT_OK(builds().Delete("default", "doomed", std::nullopt, std::nullopt));

  StorageGarbageCollector gc = Collector(*client_);
  ASSERT_OK_AND_ASSIGN(StorageGcResult result, gc.Collect());
  EXPECT_EQ(result.logs, 1u);
  EXPECT_FALSE(fs::exists(LogOf(doomed.metadata.uid)));
}

TEST_F(StorageGcTest, KeepsReferencedAndRecentlyUsedSources) {
  ASSERT_OK_AND_ASSIGN(SourcePutResult used,
                       sources_->Put("default", Archive("used")));
  ASSERT_OK_AND_ASSIGN(SourcePutResult stale,
                       sources_->Put("default", Archive("stale")));
  nlohmann::json body = BuildBody("app");
  body["spec"]["source"] = {{"archive", {{"digest", used.info.digest}}}};
  ASSERT_OK(builds().Create("default", body, {}));
  clock_.Advance(hours(25));
  ASSERT_OK_AND_ASSIGN(SourcePutResult recent,
                       sources_->Put("default", Archive("recent")));

  StorageGarbageCollector gc = Collector(*client_);
  ASSERT_OK_AND_ASSIGN(StorageGcResult result, gc.Collect());
  EXPECT_EQ(result.sources, 1u);
  EXPECT_OK(sources_->Stat("default", used.info.digest));
  EXPECT_OK(sources_->Stat("default", recent.info.digest));
  EXPECT_THAT(sources_->Stat("default", stale.info.digest),
              StatusIs(StatusCode::kNotFound));
}

TEST_F(StorageGcTest, DeletesNothingWhenBuildsCannotBeListed) {
  WriteLog("gone-uid", minutes(30));
  ASSERT_OK_AND_ASSIGN(SourcePutResult stale,
                       sources_->Put("default", Archive("stale")));
  clock_.Advance(hours(25));

  UnlistableBuildClient broken;
  StorageGarbageCollector gc = Collector(broken);
  EXPECT_THAT(gc.Collect(), StatusIs(StatusCode::kUnavailable));
  EXPECT_TRUE(fs::exists(LogOf("gone-uid")));
  EXPECT_OK(sources_->Stat("default", stale.info.digest));
}

}  // namespace
}  // namespace kiln
