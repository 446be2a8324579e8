#include "controller/logs/log_cap.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/controller/logs/logs_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

TEST(LogCapTest, MarkerText) {
  EXPECT_EQ(LogTruncatedMarker(10485760),
            "kiln: log truncated at 10485760 bytes (limit --log-max-bytes)\n");
  EXPECT_EQ(LogTruncatedMarker(5).rfind(kLogTruncatedPrefix, 0), 0u);
}

TEST(LogCapTest, WithinCapIsUntouched) {
  LogsTempDir dir;
  const std::string path = dir.File("a.log");
  WriteFile(path, "one\ntwo\n");
  ASSERT_OK_AND_ASSIGN(CapResult result, ApplyCap(path, 8));
  EXPECT_FALSE(result.changed);
  EXPECT_EQ(result.kept_bytes, 8);
  EXPECT_EQ(ReadFile(path), "one\ntwo\n");
  EXPECT_THAT(CapExceeded(path, 8), IsOkAndHolds(false));
}

TEST(LogCapTest, TruncatesAtLineBoundaryAndAppendsMarker) {
  LogsTempDir dir;
  const std::string path = dir.File("a.log");
  WriteFile(path, "line1\nline2\nline3\n");  // 18 bytes
  EXPECT_THAT(CapExceeded(path, 14), IsOkAndHolds(true));
  ASSERT_OK_AND_ASSIGN(CapResult result, ApplyCap(path, 14));
  EXPECT_TRUE(result.changed);
  EXPECT_EQ(result.kept_bytes, 12);
  EXPECT_EQ(ReadFile(path), "line1\nline2\n" + LogTruncatedMarker(14));
  EXPECT_THAT(CapExceeded(path, 14), IsOkAndHolds(false));
}

TEST(LogCapTest, CutExactlyAtLineEnd) {
  LogsTempDir dir;
  const std::string path = dir.File("a.log");
  WriteFile(path, "line1\nline2\nline3\n");
  ASSERT_OK_AND_ASSIGN(CapResult result, ApplyCap(path, 12));
  EXPECT_EQ(result.kept_bytes, 12);
  EXPECT_EQ(ReadFile(path), "line1\nline2\n" + LogTruncatedMarker(12));
}

TEST(LogCapTest, Idempotent) {
  LogsTempDir dir;
  const std::string path = dir.File("a.log");
  WriteFile(path, "line1\nline2\nline3\n");
  ASSERT_OK(ApplyCap(path, 14));
  const std::string once = ReadFile(path);
  ASSERT_OK_AND_ASSIGN(CapResult again, ApplyCap(path, 14));
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(again.kept_bytes, 12);
  EXPECT_EQ(ReadFile(path), once);
}

TEST(LogCapTest, IdempotentOnManyLines) {
  LogsTempDir dir;
  const std::string path = dir.File("a.log");
  const std::string marker = LogTruncatedMarker(1000);
  std::string log;
  for (int i = 0; i < 200; ++i) log += "line " + std::to_string(i) + "\n";
  WriteFile(path, log);
  ASSERT_OK(ApplyCap(path, 1000));
  const std::string once = ReadFile(path);
  EXPECT_LE(once.size(), 1000 + marker.size());
  ASSERT_OK_AND_ASSIGN(CapResult again, ApplyCap(path, 1000));
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(ReadFile(path), once);
}

TEST(LogCapTest, DropsLinesAppendedAfterTheMarker) {
  LogsTempDir dir;
  const std::string path = dir.File("a.log");
  WriteFile(path, "line1\nline2\nline3\n");
  ASSERT_OK(ApplyCap(path, 14));
  const std::string once = ReadFile(path);
  AppendFile(path, "late line\n");
  EXPECT_THAT(CapExceeded(path, 14), IsOkAndHolds(true));
  ASSERT_OK_AND_ASSIGN(CapResult result, ApplyCap(path, 14));
  EXPECT_TRUE(result.changed);
  EXPECT_EQ(result.kept_bytes, 12);
  EXPECT_EQ(ReadFile(path), once);
}

TEST(LogCapTest, OverlongFirstLineIsCutAndEnded) {
  LogsTempDir dir;
  const std::string path = dir.File("a.log");
  WriteFile(path, std::string(50, 'x'));
  ASSERT_OK_AND_ASSIGN(CapResult result, ApplyCap(path, 10));
  EXPECT_EQ(result.kept_bytes, 11);
  EXPECT_EQ(ReadFile(path),
            std::string(10, 'x') + "\n" + LogTruncatedMarker(10));
  ASSERT_OK_AND_ASSIGN(CapResult again, ApplyCap(path, 10));
  EXPECT_FALSE(again.changed);
  EXPECT_THAT(CapExceeded(path, 10), IsOkAndHolds(false));
}

TEST(LogCapTest, LargeLogAcrossScanChunks) {
  LogsTempDir dir;
  const std::string path = dir.File("a.log");
  std::string log;
  while (log.size() < 3 * 1024 * 1024) log += std::string(99, 'y') + "\n";
  WriteFile(path, log);
  const int64_t cap = 2 * 1024 * 1024 + 50;
  ASSERT_OK_AND_ASSIGN(CapResult result, ApplyCap(path, cap));
  EXPECT_EQ(result.kept_bytes, (cap / 100) * 100);
  const std::string capped = ReadFile(path);
  EXPECT_EQ(capped.substr(0, result.kept_bytes),
            log.substr(0, result.kept_bytes));
  EXPECT_EQ(capped.substr(result.kept_bytes), LogTruncatedMarker(cap));
  ASSERT_OK_AND_ASSIGN(CapResult again, ApplyCap(path, cap));
  EXPECT_FALSE(again.changed);
}

TEST(LogCapTest, MissingLog) {
  LogsTempDir dir;
  EXPECT_THAT(ApplyCap(dir.File("none.log"), 10),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(CapExceeded(dir.File("none.log"), 10),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(ApplyCap(dir.File("none.log"), -1),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace kiln
