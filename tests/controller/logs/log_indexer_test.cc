#include "controller/logs/log_indexer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "controller/logs/build_log_store.h"
#include "controller/logs/log_index.h"
#include "controller/logs/log_poller.h"
#include "tests/controller/logs/logs_test_util.h"
#include "tests/fakes/fake_clock.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kIndexerUid[] = "uid-1";
constexpr int64_t kIndexerSecond = 1'000'000'000;
// FakeClock starts at 2026-11-28T00:00:00Z.
constexpr int64_t kStart = 1795824000 * kIndexerSecond;

class LogIndexerTest : public ::testing::Test {
 protected:
  LogIndexerTest()
      : store_(BuildLogStoreOptions{dir_.path()}),
        log_(*store_.LogPath(kIndexerUid)),
        index_(*store_.IndexPath(kIndexerUid)) {}

  StatusOr<std::unique_ptr<LogIndexer>> Start() {
    return LogIndexer::Start(poller_, clock_, log_, index_);
  }
  std::vector<LogIndexEntry> Index() {
    return *ReadLogIndex(index_, 0, 1 << 30);
  }

  LogsTempDir dir_;
  LogPoller poller_{LogPollerOptions{std::chrono::milliseconds(10), 4096}};
  FakeClock clock_;
  BuildLogStore store_;
  const std::string log_;
  const std::string index_;
};

TEST_F(LogIndexerTest, StampsEachLineWhenSeen) {
  ASSERT_OK_AND_ASSIGN(auto indexer, Start());
  WriteFile(log_, "one\ntwo\n");
  ASSERT_TRUE(Eventually([&] { return indexer->indexed_offset() == 8; }));
  clock_.Advance(std::chrono::seconds(5));
  AppendFile(log_, "three\n");
  ASSERT_TRUE(Eventually([&] { return indexer->indexed_offset() == 14; }));
  EXPECT_THAT(Index(),
              ElementsAre(LogIndexEntry{0, kStart}, LogIndexEntry{4, kStart},
                          LogIndexEntry{8, kStart + 5 * kIndexerSecond}));

  LogReadOptions options;
  options.timestamps = true;
  ASSERT_OK_AND_ASSIGN(LogChunk chunk, store_.Read(kIndexerUid, options));
  EXPECT_EQ(chunk.data,
            "2026-11-28T00:00:00.000000000Z one\n"
            "2026-11-28T00:00:00.000000000Z two\n"
            "2026-11-28T00:00:05.000000000Z three\n");
  EXPECT_OK(indexer->status());
}

TEST_F(LogIndexerTest, FinishIndexesAFinalPartialLine) {
  WriteFile(log_, "one\nlast");
  ASSERT_OK_AND_ASSIGN(auto indexer, Start());
  ASSERT_TRUE(Eventually([&] { return indexer->indexed_offset() == 4; }));
  indexer->Finish();
  ASSERT_TRUE(Eventually([&] { return indexer->done(); }));
  EXPECT_OK(indexer->status());
  EXPECT_THAT(Index(),
              ElementsAre(LogIndexEntry{0, kStart}, LogIndexEntry{4, kStart}));
}

TEST_F(LogIndexerTest, RestartResumesWithoutDuplicatesOrGaps) {
  WriteFile(log_, "one\ntwo\n");
  {
    ASSERT_OK_AND_ASSIGN(auto indexer, Start());
    ASSERT_TRUE(Eventually([&] { return indexer->indexed_offset() == 8; }));
  }  // kilnd stops
  AppendFile(log_, "written while down\n");
  clock_.Advance(std::chrono::seconds(60));
  ASSERT_OK_AND_ASSIGN(auto indexer, Start());
  ASSERT_TRUE(Eventually([&] { return indexer->indexed_offset() == 27; }));
  // The line written while kilnd was down is stamped when first seen.
  EXPECT_THAT(Index(),
              ElementsAre(LogIndexEntry{0, kStart}, LogIndexEntry{4, kStart},
                          LogIndexEntry{8, kStart + 60 * kIndexerSecond}));
}

TEST_F(LogIndexerTest, RestartAfterAFinalPartialLine) {
  WriteFile(log_, "one\npart");
  {
    ASSERT_OK_AND_ASSIGN(auto indexer, Start());
    indexer->Finish();
    ASSERT_TRUE(Eventually([&] { return indexer->done(); }));
  }
  AppendFile(log_, "ial\nnext\n");
  ASSERT_OK_AND_ASSIGN(auto indexer, Start());
  ASSERT_TRUE(Eventually([&] { return indexer->indexed_offset() == 17; }));
  EXPECT_THAT(Index(),
              ElementsAre(LogIndexEntry{0, kStart}, LogIndexEntry{4, kStart},
                          LogIndexEntry{12, kStart}));
}

TEST_F(LogIndexerTest, DropsRecordsPastACappedLog) {
  {
    ASSERT_OK_AND_ASSIGN(auto writer, LogIndexWriter::Open(index_));
    ASSERT_OK(writer->Append({{0, 1}, {4, 2}, {100, 3}}));
  }
  WriteFile(log_, "one\ntwo\n");
  ASSERT_OK_AND_ASSIGN(auto indexer, Start());
  ASSERT_TRUE(Eventually([&] { return indexer->indexed_offset() == 8; }));
  EXPECT_THAT(Index(), ElementsAre(LogIndexEntry{0, 1}, LogIndexEntry{4, 2}));
}

TEST_F(LogIndexerTest, NoLogNoRecords) {
  ASSERT_OK_AND_ASSIGN(auto indexer, Start());
  indexer->Finish();
  ASSERT_TRUE(Eventually([&] { return indexer->done(); }));
  EXPECT_THAT(Index(), IsEmpty());
}

}  // namespace
}  // namespace kiln
