#include "controller/apiserver/field_selector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const json kBuild = json::parse(R"({
  "metadata": {"name": "web", "namespace": "team-a"},
  "status": {"phase": "Building"}})");

TEST(FieldSelectorTest, EmptySelectorHasNoRequirements) {
  ASSERT_OK_AND_ASSIGN(std::vector<FieldRequirement> reqs,
                       ParseFieldSelector("", /*for_watch=*/false));
  EXPECT_TRUE(reqs.empty());
  EXPECT_TRUE(FieldsMatch(reqs, kBuild));
}

TEST(FieldSelectorTest, ParsesAllThreeOperatorsAndSkipsEmptyTerms) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<FieldRequirement> reqs,
      ParseFieldSelector(
          "metadata.name=web,,metadata.namespace==team-a,status.phase!=Ready",
          /*for_watch=*/false));
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].field, "metadata.name");
  EXPECT_EQ(reqs[0].value, "web");
  EXPECT_FALSE(reqs[0].negate);
  EXPECT_EQ(reqs[1].field, "metadata.namespace");
  EXPECT_EQ(reqs[1].value, "team-a");
  EXPECT_FALSE(reqs[1].negate);
  EXPECT_EQ(reqs[2].field, "status.phase");
  EXPECT_EQ(reqs[2].value, "Ready");
  EXPECT_TRUE(reqs[2].negate);
  EXPECT_TRUE(FieldsMatch(reqs, kBuild));
}

TEST(FieldSelectorTest, RejectsATermWithoutOperator) {
  EXPECT_THAT(
      ParseFieldSelector("metadata.name", false),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("want field=value")));
}

TEST(FieldSelectorTest, RejectsUnsupportedFields) {
  EXPECT_THAT(ParseFieldSelector("spec.dockerfile=x", false),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("supported: metadata.name, "
                                 "metadata.namespace, status.phase")));
}

TEST(FieldSelectorTest, WatchesDoNotSupportStatusPhase) {
  EXPECT_THAT(ParseFieldSelector("status.phase=Ready", /*for_watch=*/true),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("is not supported for watches")));
  EXPECT_OK(ParseFieldSelector("metadata.name=web", /*for_watch=*/true));
}

TEST(FieldSelectorTest, MatchesEqualityAndInequality) {
  ASSERT_OK_AND_ASSIGN(auto is_web,
                       ParseFieldSelector("metadata.name=web", false));
  ASSERT_OK_AND_ASSIGN(auto not_web,
                       ParseFieldSelector("metadata.name!=web", false));
  EXPECT_TRUE(FieldsMatch(is_web, kBuild));
  EXPECT_FALSE(FieldsMatch(not_web, kBuild));
  ASSERT_OK_AND_ASSIGN(auto ready,
                       ParseFieldSelector("status.phase=Ready", false));
  EXPECT_FALSE(FieldsMatch(ready, kBuild));
}

TEST(FieldSelectorTest, AMissingFieldReadsAsEmpty) {
  const json pending = json::parse(R"({"metadata": {"name": "a"}})");
  ASSERT_OK_AND_ASSIGN(auto unset, ParseFieldSelector("status.phase=", false));
  EXPECT_TRUE(FieldsMatch(unset, pending));
  ASSERT_OK_AND_ASSIGN(auto set, ParseFieldSelector("status.phase!=", false));
  EXPECT_FALSE(FieldsMatch(set, pending));
  EXPECT_TRUE(FieldsMatch(set, kBuild));
}

}  // namespace
}  // namespace kiln
