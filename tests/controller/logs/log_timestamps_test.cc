#include "controller/logs/log_timestamps.h"

#include <gtest/gtest.h>

#include <string>

namespace kiln {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
// 2026-11-28T19:00:00Z
constexpr int64_t kStampBase = 1795892400 * kNanosPerSecond;

TEST(LogTimestampsTest, StampsWithNineFractionDigits) {
  EXPECT_EQ(AddTimestamps("a\n", 0, {{0, 0}}, 0),
            "1970-01-01T00:00:00.000000000Z a\n");
  EXPECT_EQ(AddTimestamps("a\n", 0, {{0, kStampBase + 123456789}}, 0),
            "2026-11-28T19:00:00.123456789Z a\n");
  EXPECT_EQ(AddTimestamps("a\n", 0, {{0, kStampBase + 5}}, 0),
            "2026-11-28T19:00:00.000000005Z a\n");
}

TEST(LogTimestampsTest, PrefixesEachLineWithItsRecord) {
  const std::string out = AddTimestamps(
      "a\nbb\n", 10, {{10, kStampBase}, {12, kStampBase + kNanosPerSecond}}, 0);
  EXPECT_EQ(out,
            "2026-11-28T19:00:00.000000000Z a\n"
            "2026-11-28T19:00:01.000000000Z bb\n");
}

TEST(LogTimestampsTest, UnindexedLinesTakeTheNextRecordElseFallback) {
  // Line at 2 has no record: it gets the time of the record at 4. The line
  // at 6 has none and nothing follows: the fallback (mtime).
  const std::string out = AddTimestamps(
      "a\nb\nc\nd", 0, {{0, kStampBase}, {4, kStampBase + 2 * kNanosPerSecond}},
      kStampBase + 9 * kNanosPerSecond);
  EXPECT_EQ(out,
            "2026-11-28T19:00:00.000000000Z a\n"
            "2026-11-28T19:00:02.000000000Z b\n"
            "2026-11-28T19:00:02.000000000Z c\n"
            "2026-11-28T19:00:09.000000000Z d");
}

TEST(LogTimestampsTest, EmptyDataStaysEmpty) {
  EXPECT_EQ(AddTimestamps("", 0, {}, kStampBase), "");
}

}  // namespace
}  // namespace kiln
