#include "controller/logs/sse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

// What an SSE client reconstructs from one frame's data: fields (per the
// spec's parsing of a stream where CR, LF and CRLF all end a line).
std::string ClientData(const std::string& frame) {
  std::string data;
  size_t pos = 0;
  while (pos < frame.size()) {
    size_t end = frame.find('\n', pos);
    if (end == std::string::npos) end = frame.size();
    const std::string line = frame.substr(pos, end - pos);
    if (line.rfind("data: ", 0) == 0) data += line.substr(6) + "\n";
    pos = end + 1;
  }
  if (!data.empty()) data.pop_back();
  return data;
}

TEST(SseTest, LogFrameSplitsLinesIntoDataFields) {
  EXPECT_EQ(SseLogFrame("one\ntwo\n", 42),
            "event: log\nid: 42\ndata: one\ndata: two\ndata: \n\n");
}

TEST(SseTest, LogFrameRoundTripsWholeLines) {
  for (const std::string chunk :
       {"a\n", "a\nb\n", "no newline", "a\n\nb\n", "\n", ""}) {
    EXPECT_EQ(ClientData(SseLogFrame(chunk, 1)), chunk) << chunk;
  }
}

TEST(SseTest, LogFrameNeverEmitsCarriageReturn) {
  const std::string frame = SseLogFrame("dos\r\nline\rprogress 50%\r", 9);
  EXPECT_EQ(frame.find('\r'), std::string::npos);
  EXPECT_EQ(frame,
            "event: log\nid: 9\ndata: dos\ndata: line\ndata: progress 50%\n"
            "data: \n\n");
  EXPECT_EQ(ClientData(frame), "dos\nline\nprogress 50%\n");
}

TEST(SseTest, EmptyLogFrameHasOneEmptyDataField) {
  EXPECT_EQ(SseLogFrame("", 0), "event: log\nid: 0\ndata: \n\n");
}

TEST(SseTest, StatusFrame) {
  EXPECT_EQ(SseStatusFrame(R"({"phase":"Succeeded"})"),
            "event: status\ndata: {\"phase\":\"Succeeded\"}\n\n");
  EXPECT_EQ(SseStatusFrame("{\n \"a\": 1\n}"),
            "event: status\ndata: {\ndata:  \"a\": 1\ndata: }\n\n");
}

TEST(SseTest, Heartbeat) { EXPECT_EQ(kSseHeartbeat, ": heartbeat\n\n"); }

TEST(SseTest, ParsesLastEventId) {
  EXPECT_THAT(ParseLastEventId("0"), IsOkAndHolds(0));
  EXPECT_THAT(ParseLastEventId("1234"), IsOkAndHolds(1234));
  EXPECT_THAT(ParseLastEventId(" 77\t"), IsOkAndHolds(77));
  EXPECT_THAT(ParseLastEventId("9223372036854775807"),
              IsOkAndHolds(std::numeric_limits<int64_t>::max()));
}

TEST(SseTest, RejectsGarbageLastEventId) {
  for (const std::string bad :
       {"", "  ", "-1", "+1", "12abc", "1.5", "0x10", "1 2",
        "9223372036854775808", "99999999999999999999999"}) {
    EXPECT_THAT(ParseLastEventId(bad), StatusIs(StatusCode::kInvalidArgument,
                                                HasSubstr("Last-Event-ID")))
        << bad;
  }
}

TEST(SseTest, LastEventIdErrorShortensAndSanitizesTheValue) {
  const std::string long_value = std::string(100, 'x') + "\n";
  StatusOr<int64_t> parsed = ParseLastEventId(long_value);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("..."));
  EXPECT_EQ(parsed.status().message().find('\n'), std::string::npos);
  EXPECT_LT(parsed.status().message().size(), 100u);
}

}  // namespace
}  // namespace kiln
