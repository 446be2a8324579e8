#include "api_types/time.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

namespace kiln {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::year;

Timestamp Make(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
  return sys_days(year(y) / std::chrono::month(m) / std::chrono::day(d)) +
         hours(hh) + minutes(mm) + seconds(ss);
}

TEST(TimeTest, FormatsUtcWithSecondPrecision) {
  EXPECT_EQ(FormatRfc3339(Make(2026, 11, 28, 14, 55, 3)),
            "2026-11-28T14:55:03Z");
  EXPECT_EQ(FormatRfc3339(Timestamp{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(Make(2024, 2, 29, 23, 59, 59)),
            "2024-02-29T23:59:59Z");
}

TEST(TimeTest, FormatsSubsecondDigits) {
  using std::chrono::nanoseconds;
  using Nanos = std::chrono::sys_time<nanoseconds>;
  const Nanos t = Nanos(Make(2026, 11, 28, 19, 0, 0)) + nanoseconds(123456789);
  EXPECT_EQ(FormatRfc3339(t, SubsecondDigits::kNanos),
            "2026-11-28T19:00:00.123456789Z");
  EXPECT_EQ(FormatRfc3339(t, SubsecondDigits::kMicros),
            "2026-11-28T19:00:00.123456Z");  // truncated, not rounded
  EXPECT_EQ(FormatRfc3339(Nanos{}, SubsecondDigits::kNanos),
            "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatRfc3339(Nanos(Make(2026, 11, 28, 19, 0, 0)) + nanoseconds(5),
                          SubsecondDigits::kNanos),
            "2026-11-28T19:00:00.000000005Z");
  // Before the epoch the fraction still counts up from the whole second.
  EXPECT_EQ(FormatRfc3339(Nanos{} - nanoseconds(1), SubsecondDigits::kMicros),
            "1969-12-31T23:59:59.999999Z");
}

TEST(TimeTest, ParsesZulu) {
  EXPECT_EQ(ParseRfc3339("2026-11-28T14:55:03Z"),
            Make(2026, 11, 28, 14, 55, 3));
}

TEST(TimeTest, ParsesOffsetsToUtc) {
  EXPECT_EQ(ParseRfc3339("2026-11-28T16:55:03+02:00"),
            Make(2026, 11, 28, 14, 55, 3));
  EXPECT_EQ(ParseRfc3339("2026-11-28T09:25:03-05:30"),
            Make(2026, 11, 28, 14, 55, 3));
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:30:00+01:00"),
            Make(2025, 12, 31, 23, 30, 0));
}

TEST(TimeTest, TruncatesFractions) {
  EXPECT_EQ(ParseRfc3339("2026-11-28T14:55:03.999999999Z"),
            Make(2026, 11, 28, 14, 55, 3));
  EXPECT_EQ(ParseRfc3339("2026-11-28T14:55:03.5+00:00"),
            Make(2026, 11, 28, 14, 55, 3));
}

TEST(TimeTest, RejectsMalformedInput) {
  for (const char* bad : {"",
                          "2026",
                          "2026-11-28",
                          "2026-11-28T14:55:03",
                          "2026-11-28 14:55:03Z",
                          "2026-11-28t14:55:03Z",
                          "2026-11-28T14:55:03z",
                          "2026-11-28T14:55:03Zjunk",
                          "2026-11-28T14:55:03.Z",
                          "2026-11-28T14:55Z",
                          "2026-13-01T00:00:00Z",
                          "2026-00-01T00:00:00Z",
                          "2026-02-29T00:00:00Z",
                          "2026-04-31T00:00:00Z",
                          "2026-11-28T24:00:00Z",
                          "2026-11-28T14:60:00Z",
                          "2026-11-28T14:55:60Z",
                          "2026-11-28T14:55:03+2:00",
                          "2026-11-28T14:55:03+24:00",
                          "2026-11-28T14:55:03+02",
                          "+2026-11-28T14:55:03Z",
                          "2026-1-28T14:55:03Z",
                          "２０２６-11-28T14:55:03Z"}) {
    EXPECT_EQ(ParseRfc3339(bad), std::nullopt) << bad;
  }
}

TEST(TimeTest, RoundTripsAcrossYears) {
  for (Timestamp t = Make(1970, 1, 1, 0, 0, 0); t < Make(2100, 1, 1, 0, 0, 0);
       t += days(367) + hours(5) + minutes(7) + seconds(11)) {
    const std::string text = FormatRfc3339(t);
    EXPECT_EQ(ParseRfc3339(text), t) << text;
  }
}

}  // namespace
}  // namespace kiln
