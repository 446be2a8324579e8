// PATCH: merge patch, JSON patch, and the simplified server-side apply.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/controller/apiserver/storage_test_util.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

class BuildStoragePatchTest : public RegistryTest {
 protected:
  StatusOr<BuildWriteResult> PatchA(PatchType type, const std::string& patch,
                                    bool status = false) {
    return builds().Patch("default", "a", type, patch, status, {});
  }
};

constexpr char kApplyYaml[] = R"(apiVersion: kiln.dev/v1
kind: Build
metadata:
  name: a
  labels: {team: web}
spec:
  source:
    inline:
      files:
        Dockerfile: "FROM kiln/busybox:1\n"
  resources: {cpus: 1, memoryMiB: 1024}
)";

TEST_F(BuildStoragePatchTest, MergePatchSetsCancel) {
  MustCreate("a");
  ASSERT_OK_AND_ASSIGN(
      BuildWriteResult result,
      PatchA(PatchType::kMerge, R"({"spec":{"cancel":true}})"));
  EXPECT_TRUE(result.build.spec.cancel);
  EXPECT_EQ(result.build.metadata.generation, 2);
  EXPECT_EQ(result.build.status.phase, BuildPhase::kPending);
}

TEST_F(BuildStoragePatchTest, MergePatchRemovesLabelWithNull) {
  MustCreate("a");
  ASSERT_OK_AND_ASSIGN(
      BuildWriteResult result,
      PatchA(PatchType::kMerge, R"({"metadata":{"labels":{"team":null}}})"));
  EXPECT_TRUE(result.build.metadata.labels.empty());
}

TEST_F(BuildStoragePatchTest, MergePatchWithStaleResourceVersionConflicts) {
  Build b = MustCreate("a");
  ASSERT_OK(WritePhase("a", BuildPhase::kBuilding));
  EXPECT_THAT(PatchA(PatchType::kMerge, R"({"metadata":{"resourceVersion":")" +
                                            b.metadata.resource_version +
                                            R"("},"spec":{"cancel":true}})"),
              StatusIs(StatusCode::kAborted,
                       HasSubstr("the object has been modified")));
}

TEST_F(BuildStoragePatchTest, JsonPatchAppliesOperations) {
  MustCreate("a");
  ASSERT_OK_AND_ASSIGN(
      BuildWriteResult result,
      PatchA(PatchType::kJson,
             // "add": false is omitted from the object, as in Kubernetes.
             R"([{"op":"add","path":"/spec/cancel","value":true},)"
             R"({"op":"add","path":"/metadata/labels/tier","value":"gold"}])"));
  EXPECT_TRUE(result.build.spec.cancel);
  EXPECT_EQ(result.build.metadata.labels.at("tier"), "gold");
}

TEST_F(BuildStoragePatchTest, BadPatchesAreInvalidArgument) {
  MustCreate("a");
  const int64_t before = store().CurrentRevision();
  EXPECT_THAT(PatchA(PatchType::kMerge, "{not json"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(PatchA(PatchType::kMerge, "[1]"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("must be a JSON object")));
  EXPECT_THAT(
      PatchA(PatchType::kJson, R"([{"op":"remove","path":"/spec/nope"}])"),
      StatusIs(StatusCode::kInvalidArgument,
               HasSubstr("json patch operation 0 (remove /spec/nope)")));
  EXPECT_THAT(
      PatchA(PatchType::kJson, R"([{"op":"add"}])"),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("missing \"path\"")));
  // Applies, but the result is not a valid Build.
  EXPECT_THAT(PatchA(PatchType::kMerge, R"({"spec":{"bogus":1}})"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("spec.bogus: unknown field")));
  EXPECT_THAT(PatchA(PatchType::kMerge, R"({"spec":{"cancel":false},)"
                                        R"("metadata":{"name":"b"}})"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("metadata.name: field is immutable")));
  EXPECT_EQ(store().CurrentRevision(), before);
}

TEST_F(BuildStoragePatchTest, PatchOfMissingIsNotFound) {
  EXPECT_THAT(
      PatchA(PatchType::kMerge, R"({"spec":{"cancel":true}})"),
      StatusIs(StatusCode::kNotFound, "builds.kiln.dev \"a\" not found"));
}

TEST_F(BuildStoragePatchTest, StatusPatchWritesOnlyStatus) {
  MustCreate("a");
  ASSERT_OK_AND_ASSIGN(
      BuildWriteResult result,
      PatchA(PatchType::kMerge,
             R"({"spec":{"cancel":true},"status":{"phase":"Building"}})",
             /*status=*/true));
  EXPECT_FALSE(result.build.spec.cancel);
  EXPECT_EQ(result.build.status.phase, BuildPhase::kBuilding);
}

TEST_F(BuildStoragePatchTest, StatusPatchToTerminalReleases) {
  MustCreate("a");
  ASSERT_OK(PatchA(PatchType::kMerge, R"({"status":{"phase":"Cancelled"}})",
                   /*status=*/true));
  EXPECT_EQ(Allocated(), (NodeResources{}));
}

TEST_F(BuildStoragePatchTest, ApplyCreatesThenUpdates) {
  ASSERT_OK_AND_ASSIGN(BuildWriteResult created,
                       PatchA(PatchType::kApply, kApplyYaml));
  EXPECT_TRUE(created.created);
  EXPECT_EQ(created.build.status.phase, BuildPhase::kPending);
  EXPECT_EQ(Allocated().builds, 1);

  // Same configuration again: nothing changes.
  ASSERT_OK_AND_ASSIGN(BuildWriteResult again,
                       PatchA(PatchType::kApply, kApplyYaml));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.build.metadata.resource_version,
            created.build.metadata.resource_version);

  const std::string changed = std::string(kApplyYaml) + "  cancel: true\n";
  ASSERT_OK_AND_ASSIGN(BuildWriteResult updated,
                       PatchA(PatchType::kApply, changed));
  EXPECT_FALSE(updated.created);
  EXPECT_TRUE(updated.build.spec.cancel);
  EXPECT_EQ(updated.build.metadata.generation, 2);
  EXPECT_EQ(updated.build.metadata.labels.at("team"), "web");
  EXPECT_EQ(updated.build.spec.output, created.build.spec.output);
  EXPECT_EQ(Allocated().builds, 1);
}

TEST_F(BuildStoragePatchTest, ApplyAcceptsJson) {
  ASSERT_OK_AND_ASSIGN(BuildWriteResult created,
                       PatchA(PatchType::kApply, BuildBody("a").dump()));
  EXPECT_TRUE(created.created);
}

TEST_F(BuildStoragePatchTest, ApplyRejectsBadConfigurations) {
  EXPECT_THAT(PatchA(PatchType::kApply, "a: [\n"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("yaml")));
  EXPECT_THAT(
      PatchA(PatchType::kApply, std::string(kApplyYaml) + "---\n" + kApplyYaml),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("exactly one object")));
  nlohmann::json other = BuildBody("b");
  EXPECT_THAT(PatchA(PatchType::kApply, other.dump()),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("does not match the name on the URL")));
  nlohmann::json unknown = BuildBody("a");
  unknown["spec"]["nope"] = 1;
  EXPECT_THAT(PatchA(PatchType::kApply, unknown.dump()),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("spec.nope: unknown field")));
  EXPECT_EQ(store().CurrentRevision(), 1);  // only the Node registration
}

TEST_F(BuildStoragePatchTest, ApplyCreateGoesThroughAdmission) {
  ASSERT_OK(nodes().EnsureNode(kTestNode, {1, 1024, 1}, "process"));
  MustCreate("x");
  EXPECT_THAT(PatchA(PatchType::kApply, kApplyYaml),
              StatusIs(StatusCode::kResourcesExhausted));
}

TEST_F(BuildStoragePatchTest, ApplyOfStatusToMissingIsNotFound) {
  EXPECT_THAT(PatchA(PatchType::kApply, kApplyYaml, /*status=*/true),
              StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace kiln
