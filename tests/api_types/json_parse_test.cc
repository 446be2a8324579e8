#include "api_types/json_parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/api_types/codec_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

TEST(ParseJsonTest, ParsesValidJson) {
  ASSERT_OK_AND_ASSIGN(const json j, ParseJson(R"({"a": [1, "x"]})"));
  EXPECT_EQ(j, json::parse(R"({"a": [1, "x"]})"));
}

TEST(ParseJsonTest, ReportsSyntaxErrorsWithPosition) {
  EXPECT_THAT(ParseJson("{\"a\": [1,\n 2,}"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("json: parse error at line 2, column 4: "
                                 "syntax error")));
}

TEST(ParseJsonTest, RejectsDuplicateKeys) {
  EXPECT_THAT(
      ParseJson(R"({"spec": {"cpus": 1, "cpus": 2}})"),
      StatusIs(StatusCode::kInvalidArgument, "json: duplicate key \"cpus\""));
  EXPECT_OK(ParseJson(R"([{"a": 1}, {"a": 2}, {"b": {"a": 3}, "a": 4}])"));
}

TEST(ParseJsonTest, AcceptsNestingUpToTheLimit) {
  const std::string arrays =
      std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_OK(ParseJson(arrays));
  std::string objects;
  for (int i = 0; i < kMaxJsonDepth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(kMaxJsonDepth, '}');
  EXPECT_OK(ParseJson(objects));
}

TEST(ParseJsonTest, RejectsNestingPastTheLimit) {
  const std::string one_more =
      std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  EXPECT_THAT(ParseJson(one_more),
              StatusIs(StatusCode::kInvalidArgument,
                       "json: nesting deeper than 100 levels"));
  // The hostile body that used to overflow the stack: 400 KB of '['.
  EXPECT_THAT(ParseJson(std::string(400 << 10, '[')),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("deeper")));
  std::string objects;
  for (int i = 0; i < 50000; ++i) objects += "{\"a\":";
  EXPECT_THAT(ParseJson(objects),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("deeper")));
}

}  // namespace
}  // namespace kiln
