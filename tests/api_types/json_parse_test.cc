#include "api_types/json_parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace kiln
