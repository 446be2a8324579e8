#include "controller/apiserver/patch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const json kLive = json::parse(R"({
  "apiVersion": "kiln.dev/v1", "kind": "Build",
  "metadata": {"name": "a", "resourceVersion": "5",
               "labels": {"team": "web", "tier": "1"}},
  "spec": {"cancel": false, "buildArgs": {"A": "1", "B": "2"}},
  "status": {"phase": "Building"}})");

TEST(PatchTest, MergePatchFollowsRfc7386) {
  ASSERT_OK_AND_ASSIGN(
      json patch,
      ParseMergePatch(R"({"spec":{"cancel":true,"buildArgs":{"A":null}}})"));
  const json result = ApplyMergePatch(kLive, patch);
  EXPECT_EQ(result["spec"]["cancel"], true);
  EXPECT_EQ(result["spec"]["buildArgs"], json({{"B", "2"}}));
  EXPECT_EQ(result["metadata"], kLive["metadata"]);
}

TEST(PatchTest, MergePatchMustBeAnObject) {
  EXPECT_THAT(ParseMergePatch("[]"),
              StatusIs(StatusCode::kInvalidArgument,
                       "merge patch must be a JSON object, got array"));
  EXPECT_THAT(ParseMergePatch(R"({"a":1,"a":2})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("duplicate")));
}

TEST(PatchTest, JsonPatchAppliesInOrder) {
  ASSERT_OK_AND_ASSIGN(json ops, ParseJsonPatch(R"([
    {"op": "test", "path": "/spec/cancel", "value": false},
    {"op": "replace", "path": "/spec/cancel", "value": true},
    {"op": "remove", "path": "/metadata/labels/tier"}])"));
  ASSERT_OK_AND_ASSIGN(json result, ApplyJsonPatch(kLive, ops));
  EXPECT_EQ(result["spec"]["cancel"], true);
  EXPECT_EQ(result["metadata"]["labels"], json({{"team", "web"}}));
}

TEST(PatchTest, JsonPatchErrorsNameTheOperation) {
  ASSERT_OK_AND_ASSIGN(json ops, ParseJsonPatch(R"([
    {"op": "replace", "path": "/spec/cancel", "value": true},
    {"op": "test", "path": "/spec/cancel", "value": false}])"));
  EXPECT_THAT(
      ApplyJsonPatch(kLive, ops),
      StatusIs(StatusCode::kInvalidArgument,
               HasSubstr("json patch operation 1 (test /spec/cancel)")));
  ASSERT_OK_AND_ASSIGN(
      json bad_op,
      ParseJsonPatch(R"([{"op": "frobnicate", "path": "/spec"}])"));
  EXPECT_THAT(ApplyJsonPatch(kLive, bad_op),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("json patch operation 0 (frobnicate /spec)")));
  ASSERT_OK_AND_ASSIGN(
      json bad_pointer,
      ParseJsonPatch(R"([{"op": "add", "path": "spec", "value": 1}])"));
  EXPECT_THAT(ApplyJsonPatch(kLive, bad_pointer),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("json patch operation 0")));
}

TEST(PatchTest, JsonPatchCannotDoubleTheDocumentUntilItBursts) {
  // Each copy doubles spec.buildArgs' subtree; 30 of them would be 2^30
  // nodes. The operation that would cross the limit is refused, by index.
  json ops = json::array();
  ops.push_back({{"op", "add"}, {"path", "/spec/x"}, {"value", json::array()}});
  ops.push_back({{"op", "add"},
                 {"path", "/spec/x/-"},
                 {"value", std::string(1000, 'a')}});
  for (int i = 0; i < 30; ++i) {
    ops.push_back({{"op", "copy"}, {"from", "/spec/x"}, {"path", "/spec/x/-"}});
  }
  const StatusOr<json> result = ApplyJsonPatch(kLive, ops);
  EXPECT_THAT(result,
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("would be larger than 3145728 bytes")));
  EXPECT_THAT(result.status().message(),
              HasSubstr("json patch operation 13 (copy /spec/x/-)"));
}

TEST(PatchTest, JsonPatchCannotNestPastTheDepthLimit) {
  // Copying a subtree into itself adds its depth each time.
  json ops = json::array();
  ops.push_back({{"op", "add"}, {"path", "/spec/x"}, {"value", {{"y", 1}}}});
  for (int i = 0; i < 120; ++i) {
    ops.push_back({{"op", "copy"}, {"from", "/spec/x"}, {"path", "/spec/x/y"}});
  }
  EXPECT_THAT(ApplyJsonPatch(kLive, ops),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("would nest deeper than 100 levels")));
}

TEST(PatchTest, JsonPatchWithinTheBoundsStillApplies) {
  json ops = json::array();
  ops.push_back(
      {{"op", "copy"}, {"from", "/spec/buildArgs"}, {"path", "/spec/c"}});
  ops.push_back({{"op", "move"}, {"from", "/spec/c"}, {"path", "/spec/d"}});
  ASSERT_OK_AND_ASSIGN(json result, ApplyJsonPatch(kLive, ops));
  EXPECT_EQ(result["spec"]["d"], kLive["spec"]["buildArgs"]);
  EXPECT_FALSE(result["spec"].contains("c"));
}

TEST(PatchTest, JsonPatchShapeIsChecked) {
  EXPECT_THAT(ParseJsonPatch("{}"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("must be a JSON array")));
  EXPECT_THAT(ParseJsonPatch("[1]"),
              StatusIs(StatusCode::kInvalidArgument,
                       "json patch operation 0: must be an object"));
  EXPECT_THAT(ParseJsonPatch(R"([{"op": "add", "path": 3}])"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("\"path\" must be a string")));
}

TEST(PatchTest, DetectsResourceVersionPreconditions) {
  EXPECT_FALSE(MergePatchSetsResourceVersion(
      json::parse(R"({"metadata":{"labels":{"a":"b"}}})")));
  EXPECT_TRUE(MergePatchSetsResourceVersion(
      json::parse(R"({"metadata":{"resourceVersion":"7"}})")));
  EXPECT_FALSE(JsonPatchSetsResourceVersion(json::parse(
      R"([{"op":"add","path":"/metadata/labels/a","value":"b"}])")));
  EXPECT_TRUE(JsonPatchSetsResourceVersion(json::parse(
      R"([{"op":"replace","path":"/metadata/resourceVersion","value":"7"}])")));
}

TEST(PatchTest, ApplyConfigurationIsOneYamlOrJsonObject) {
  ASSERT_OK_AND_ASSIGN(json yaml,
                       ParseApplyConfiguration("kind: Build\nspec: {}\n"));
  EXPECT_EQ(yaml["kind"], "Build");
  ASSERT_OK_AND_ASSIGN(json from_json,
                       ParseApplyConfiguration(R"({"kind": "Build"})"));
  EXPECT_EQ(from_json["kind"], "Build");
  EXPECT_THAT(
      ParseApplyConfiguration(""),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("got 0 documents")));
  EXPECT_THAT(
      ParseApplyConfiguration("- 1\n"),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("must be an object")));
}

TEST(PatchTest, MergeAppliedConfigurationTakesOnlyOwnedFields) {
  const json applied = json::parse(R"({
    "apiVersion": "kiln.dev/v1", "kind": "Build",
    "metadata": {"name": "a", "uid": "forged", "labels": {"tier": "2"}},
    "spec": {"cancel": true},
    "status": {"phase": "Ready"}})");
  const json merged = MergeAppliedConfiguration(kLive, applied, false);
  EXPECT_EQ(merged["metadata"]["labels"],
            json({{"team", "web"}, {"tier", "2"}}));
  EXPECT_FALSE(merged["metadata"].contains("uid"));
  EXPECT_EQ(merged["metadata"]["resourceVersion"], "5");
  EXPECT_EQ(merged["spec"]["cancel"], true);
  EXPECT_EQ(merged["spec"]["buildArgs"], kLive["spec"]["buildArgs"]);
  EXPECT_EQ(merged["status"], kLive["status"]);

  const json status = MergeAppliedConfiguration(kLive, applied, true);
  EXPECT_EQ(status["status"]["phase"], "Ready");
  EXPECT_EQ(status["spec"], kLive["spec"]);
  EXPECT_EQ(status["metadata"], kLive["metadata"]);
}

}  // namespace
}  // namespace kiln
