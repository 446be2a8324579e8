#include "controller/logs/build_log_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "api_types/time.h"
#include "controller/logs/log_index.h"
#include "controller/logs/log_timestamps.h"
#include "tests/controller/logs/logs_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

constexpr char kUid[] = "0b6c3c4e-2f7d-4b8e-9d37-6f1a2b3c4d5e";
constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kBase = 1795892400 * kSecond;  // 2026-11-28T19:00:00Z

class BuildLogStoreTest : public ::testing::Test {
 protected:
  BuildLogStoreTest() : store_(BuildLogStoreOptions{dir_.path(), 30}) {}

  std::string LogPath() { return *store_.LogPath(kUid); }
  std::string IndexPath() { return *store_.IndexPath(kUid); }
  StatusOr<LogChunk> Read(LogReadOptions options) {
    return store_.Read(kUid, options);
  }

  LogsTempDir dir_;
  BuildLogStore store_;
};

TEST_F(BuildLogStoreTest, Paths) {
  EXPECT_THAT(store_.LogPath(kUid),
              IsOkAndHolds(dir_.path() + "/" + kUid + ".log"));
  EXPECT_THAT(store_.IndexPath(kUid),
              IsOkAndHolds(dir_.path() + "/" + kUid + ".idx"));
}

TEST_F(BuildLogStoreTest, RejectsUidsThatAreNotFileNames) {
  for (const std::string& bad :
       std::vector<std::string>{"", "../etc/passwd", "a/b", ".hidden", "..",
                                "a b", std::string(129, 'a')}) {
    EXPECT_THAT(store_.LogPath(bad), StatusIs(StatusCode::kInvalidArgument))
        << bad;
    EXPECT_THAT(store_.Read(bad, {}), StatusIs(StatusCode::kInvalidArgument));
    EXPECT_THAT(store_.Delete(bad), StatusIs(StatusCode::kInvalidArgument));
  }
}

TEST_F(BuildLogStoreTest, MissingLogIsNotFound) {
  EXPECT_THAT(Read({}), StatusIs(StatusCode::kNotFound, HasSubstr(kUid)));
}

TEST_F(BuildLogStoreTest, ReadsWholeLog) {
  WriteFile(LogPath(), "one\ntwo\nthree\n");
  ASSERT_OK_AND_ASSIGN(LogChunk chunk, Read({}));
  EXPECT_EQ(chunk.data, "one\ntwo\nthree\n");
  EXPECT_EQ(chunk.offset, 0);
  EXPECT_EQ(chunk.next_offset, 14);
  EXPECT_EQ(chunk.size, 14);
}

TEST_F(BuildLogStoreTest, ReadsFromOffset) {
  WriteFile(LogPath(), "one\ntwo\nthree\n");
  LogReadOptions options;
  options.offset = 4;
  ASSERT_OK_AND_ASSIGN(LogChunk chunk, Read(options));
  EXPECT_EQ(chunk.data, "two\nthree\n");
  EXPECT_EQ(chunk.offset, 4);
  EXPECT_EQ(chunk.next_offset, 14);

  options.offset = 14;  // at the end: nothing new
  ASSERT_OK_AND_ASSIGN(chunk, Read(options));
  EXPECT_EQ(chunk.data, "");
  EXPECT_EQ(chunk.next_offset, 14);

  options.offset = 15;
  EXPECT_THAT(Read(options),
              StatusIs(StatusCode::kOutOfRange, HasSubstr("past the end")));
}

TEST_F(BuildLogStoreTest, LimitBytesCutsAndNextOffsetContinues) {
  WriteFile(LogPath(), "one\ntwo\nthree\n");
  LogReadOptions options;
  options.limit_bytes = 6;
  ASSERT_OK_AND_ASSIGN(LogChunk first, Read(options));
  EXPECT_EQ(first.data, "one\ntw");
  EXPECT_EQ(first.next_offset, 6);
  options.offset = first.next_offset;
  options.limit_bytes = 100;
  ASSERT_OK_AND_ASSIGN(LogChunk rest, Read(options));
  EXPECT_EQ(rest.data, "o\nthree\n");
  EXPECT_EQ(rest.next_offset, 14);
}

TEST_F(BuildLogStoreTest, TailLines) {
  WriteFile(LogPath(), "one\ntwo\nthree\n");
  auto tail = [&](int64_t n) {
    LogReadOptions options;
    options.tail_lines = n;
    return Read(options)->data;
  };
  EXPECT_EQ(tail(0), "");
  EXPECT_EQ(tail(1), "three\n");
  EXPECT_EQ(tail(2), "two\nthree\n");
  EXPECT_EQ(tail(3), "one\ntwo\nthree\n");
  EXPECT_EQ(tail(10), "one\ntwo\nthree\n");

  AppendFile(LogPath(), "partial");
  EXPECT_EQ(tail(1), "partial");
  EXPECT_EQ(tail(2), "three\npartial");
}

TEST_F(BuildLogStoreTest, TailLinesWithLimitAndAcrossChunks) {
  std::string log;
  for (int i = 0; i < 20000; ++i) log += "line " + std::to_string(i) + "\n";
  WriteFile(LogPath(), log);
  LogReadOptions options;
  options.tail_lines = 3;
  ASSERT_OK_AND_ASSIGN(LogChunk chunk, Read(options));
  EXPECT_EQ(chunk.data, "line 19997\nline 19998\nline 19999\n");
  EXPECT_EQ(chunk.offset, static_cast<int64_t>(log.size() - chunk.data.size()));

  options.tail_lines = 15000;  // spans several 64 KiB scan chunks
  ASSERT_OK_AND_ASSIGN(chunk, Read(options));
  EXPECT_EQ(chunk.data.rfind("line 5000\n", 0), 0u);

  options.limit_bytes = 10;
  ASSERT_OK_AND_ASSIGN(chunk, Read(options));
  EXPECT_EQ(chunk.data, "line 5000\n");
}

TEST_F(BuildLogStoreTest, RejectsBadOptions) {
  WriteFile(LogPath(), "x\n");
  LogReadOptions both;
  both.offset = 0;
  both.tail_lines = 1;
  EXPECT_THAT(Read(both), StatusIs(StatusCode::kInvalidArgument));
  LogReadOptions negative;
  negative.offset = -1;
  EXPECT_THAT(Read(negative), StatusIs(StatusCode::kInvalidArgument));
  negative.offset.reset();
  negative.tail_lines = -1;
  EXPECT_THAT(Read(negative), StatusIs(StatusCode::kInvalidArgument));
  LogReadOptions zero_limit;
  zero_limit.limit_bytes = 0;
  EXPECT_THAT(Read(zero_limit), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(BuildLogStoreTest, TimestampsFromTheIndex) {
  WriteFile(LogPath(), "one\ntwo\nthree\n");
  {
    ASSERT_OK_AND_ASSIGN(auto writer, LogIndexWriter::Open(IndexPath()));
    ASSERT_OK(writer->Append({{0, kBase + 123456789},
                              {4, kBase + kSecond},
                              {8, kBase + 2 * kSecond}}));
  }
  LogReadOptions options;
  options.timestamps = true;
  ASSERT_OK_AND_ASSIGN(LogChunk chunk, Read(options));
  EXPECT_EQ(chunk.data,
            "2026-11-28T19:00:00.123456789Z one\n"
            "2026-11-28T19:00:01.000000000Z two\n"
            "2026-11-28T19:00:02.000000000Z three\n");
  EXPECT_EQ(chunk.next_offset, 14);

  options.tail_lines = 1;
  ASSERT_OK_AND_ASSIGN(chunk, Read(options));
  EXPECT_EQ(chunk.data, "2026-11-28T19:00:02.000000000Z three\n");

  options.tail_lines.reset();
  options.offset = 4;
  options.limit_bytes = 4;
  ASSERT_OK_AND_ASSIGN(chunk, Read(options));
  EXPECT_EQ(chunk.data, "2026-11-28T19:00:01.000000000Z two\n");
}

TEST_F(BuildLogStoreTest, LinesNotYetIndexedGetTheLogModificationTime) {
  WriteFile(LogPath(), "one\ntwo\n");
  {
    ASSERT_OK_AND_ASSIGN(auto writer, LogIndexWriter::Open(IndexPath()));
    ASSERT_OK(writer->Append({{0, kBase}}));
  }
  struct stat st;
  ASSERT_EQ(stat(LogPath().c_str(), &st), 0);
  const int64_t mtime =
      static_cast<int64_t>(st.st_mtim.tv_sec) * kSecond + st.st_mtim.tv_nsec;
  LogReadOptions options;
  options.timestamps = true;
  ASSERT_OK_AND_ASSIGN(LogChunk chunk, Read(options));
  EXPECT_EQ(chunk.data,
            "2026-11-28T19:00:00.000000000Z one\n" +
                FormatRfc3339(std::chrono::sys_time<std::chrono::nanoseconds>(
                                  std::chrono::nanoseconds(mtime)),
                              SubsecondDigits::kNanos) +
                " two\n");
}

TEST_F(BuildLogStoreTest, DeleteRemovesLogAndIndex) {
  WriteFile(LogPath(), "x\n");
  WriteFile(IndexPath(), "");
  ASSERT_OK(store_.Delete(kUid));
  EXPECT_FALSE(std::filesystem::exists(LogPath()));
  EXPECT_FALSE(std::filesystem::exists(IndexPath()));
  EXPECT_OK(store_.Delete(kUid));  // idempotent
}

TEST_F(BuildLogStoreTest, EnforceCapTruncatesLogAndIndex) {
  // Cap is 30 bytes (fixture).
  WriteFile(LogPath(), "line 1\nline 2\nline 3\nline 4\nline 5\n");  // 35
  {
    ASSERT_OK_AND_ASSIGN(auto writer, LogIndexWriter::Open(IndexPath()));
    ASSERT_OK(writer->Append({{0, 1}, {7, 2}, {14, 3}, {21, 4}, {28, 5}}));
  }
  EXPECT_THAT(store_.CapExceeded(kUid), IsOkAndHolds(true));
  EXPECT_THAT(store_.EnforceCap(kUid), IsOkAndHolds(true));
  EXPECT_EQ(ReadFile(LogPath()),
            "line 1\nline 2\nline 3\nline 4\n" + LogTruncatedMarker(30));
  EXPECT_THAT(ReadLogIndex(IndexPath(), 0, 1000),
              IsOkAndHolds(::testing::SizeIs(4)));
  EXPECT_THAT(store_.CapExceeded(kUid), IsOkAndHolds(false));
  EXPECT_THAT(store_.EnforceCap(kUid), IsOkAndHolds(false));
}

}  // namespace
}  // namespace kiln
