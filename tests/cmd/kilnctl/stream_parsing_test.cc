#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cmd/kilnctl/duration.h"
#include "cmd/kilnctl/log_stream.h"
#include "tests/testing/status_matchers.h"

namespace kiln::kilnctl {
namespace {

TEST(SseParserTest, JoinsDataLinesAndSurvivesSplitChunks) {
  const std::string stream =
      ": heartbeat\n\nevent: log\nid: 12\ndata: a\ndata: b\ndata: \n\n"
      "event: status\ndata: {\"phase\":\"Ready\"}\n\n";
  for (size_t split = 0; split <= stream.size(); ++split) {
    SseParser p;
    std::vector<SseParser::Event> got;
    auto on = [&](const SseParser::Event& e) { got.push_back(e); };
    p.Feed(std::string_view(stream).substr(0, split), on);
    p.Feed(std::string_view(stream).substr(split), on);
    ASSERT_EQ(got.size(), 2u) << split;
    EXPECT_EQ(got[0].type, "log");
    EXPECT_EQ(got[0].id, "12");
    EXPECT_EQ(got[0].data, "a\nb\n");
    EXPECT_EQ(got[1].type, "status");
    EXPECT_EQ(got[1].data, "{\"phase\":\"Ready\"}");
  }
}

TEST(DurationTest, GoStyle) {
  EXPECT_THAT(ParseDuration("30s", "--t"),
              IsOkAndHolds(std::chrono::milliseconds(30000)));
  EXPECT_THAT(ParseDuration("1h30m", "--t"),
              IsOkAndHolds(std::chrono::milliseconds(5400000)));
  EXPECT_THAT(ParseDuration("250ms", "--t"),
              IsOkAndHolds(std::chrono::milliseconds(250)));
  EXPECT_THAT(ParseDuration("45", "--t"),
              IsOkAndHolds(std::chrono::milliseconds(45000)));
  for (const char* bad : {"", "10x", "m", "-1s", "1.2.3s"}) {
    EXPECT_THAT(ParseDuration(bad, "--timeout"),
                StatusIs(StatusCode::kInvalidArgument,
                         ::testing::HasSubstr("--timeout")))
        << bad;
  }
}

}  // namespace
}  // namespace kiln::kilnctl
