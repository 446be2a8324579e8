// PUT of the main resource and of /status: generation, the spec/status
// split, optimistic concurrency, no-op writes, and the release of the
// allocation by the transaction that writes a terminal phase.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/controller/apiserver/storage_test_util.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

constexpr char kConflictMessage[] =
    "Operation cannot be fulfilled on builds.kiln.dev \"a\": the object has "
    "been modified; please apply your changes to the latest version and try "
    "again";

class BuildStorageUpdateTest : public RegistryTest {
 protected:
  StatusOr<BuildWriteResult> Put(const Build& build, bool status = false) {
    return builds().Update("default", build.metadata.name, ToJson(build),
                           status, {});
  }
};

TEST_F(BuildStorageUpdateTest, SpecChangeBumpsGeneration) {
  Build b = MustCreate("a");
  b.spec.cancel = true;
  ASSERT_OK_AND_ASSIGN(BuildWriteResult result, Put(b));
  EXPECT_FALSE(result.created);
  EXPECT_TRUE(result.build.spec.cancel);
  EXPECT_EQ(result.build.metadata.generation, 2);
  EXPECT_NE(result.build.metadata.resource_version,
            b.metadata.resource_version);
  EXPECT_EQ(result.build.metadata.uid, b.metadata.uid);
}

TEST_F(BuildStorageUpdateTest, MetadataChangeKeepsGeneration) {
  Build b = MustCreate("a");
  b.metadata.labels["tier"] = "gold";
  b.metadata.annotations["note"] = "x";
  ASSERT_OK_AND_ASSIGN(BuildWriteResult result, Put(b));
  EXPECT_EQ(result.build.metadata.generation, 1);
  EXPECT_EQ(result.build.metadata.labels.at("tier"), "gold");
}

TEST_F(BuildStorageUpdateTest, StatusWriteKeepsGeneration) {
  Build b = MustCreate("a");
  b.status.phase = BuildPhase::kBuilding;
  b.status.observed_generation = 1;
  ASSERT_OK_AND_ASSIGN(BuildWriteResult result, Put(b, /*status=*/true));
  EXPECT_EQ(result.build.metadata.generation, 1);
  EXPECT_EQ(result.build.status.phase, BuildPhase::kBuilding);
  EXPECT_EQ(result.build.status.observed_generation, 1);
}

TEST_F(BuildStorageUpdateTest, SpecWriteCannotChangeStatus) {
  Build b = MustCreate("a");
  b.status.phase = BuildPhase::kReady;
  b.status.message = "forged";
  b.metadata.labels["x"] = "y";
  ASSERT_OK_AND_ASSIGN(BuildWriteResult result, Put(b));
  EXPECT_EQ(result.build.status.phase, BuildPhase::kPending);
  EXPECT_EQ(result.build.status.message, "");
  EXPECT_EQ(Allocated().builds, 1);
}

TEST_F(BuildStorageUpdateTest, StatusWriteCannotChangeSpecOrMetadata) {
  Build b = MustCreate("a");
  b.spec.cancel = true;
  b.metadata.labels["x"] = "y";
  b.status.phase = BuildPhase::kBuilding;
  ASSERT_OK_AND_ASSIGN(BuildWriteResult result, Put(b, /*status=*/true));
  EXPECT_FALSE(result.build.spec.cancel);
  EXPECT_FALSE(result.build.metadata.labels.contains("x"));
  EXPECT_EQ(result.build.status.phase, BuildPhase::kBuilding);
}

TEST_F(BuildStorageUpdateTest, ImmutableSpecFieldsAreRejected) {
  Build b = MustCreate("a");
  b.spec.resources.cpus = 2;
  EXPECT_THAT(Put(b),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("spec.resources: field is immutable")));
}

TEST_F(BuildStorageUpdateTest, OmittedImageKeepsTheAdmittedDefault) {
  Build b = MustCreate("a");
  const std::string image = b.spec.output->image;
  b.spec.output.reset();
  b.spec.cancel = true;
  ASSERT_OK_AND_ASSIGN(BuildWriteResult result, Put(b));
  EXPECT_EQ(result.build.spec.output->image, image);
}

TEST_F(BuildStorageUpdateTest, StaleResourceVersionIsConflict) {
  Build b = MustCreate("a");
  Build first = b;
  first.metadata.labels["n"] = "1";
  ASSERT_OK(Put(first));
  b.metadata.labels["n"] = "2";  // still carries the old resourceVersion
  EXPECT_THAT(Put(b), StatusIs(StatusCode::kAborted, kConflictMessage));
}

TEST_F(BuildStorageUpdateTest, NoResourceVersionIsUnconditional) {
  Build b = MustCreate("a");
  Build first = b;
  first.metadata.labels["n"] = "1";
  ASSERT_OK(Put(first));
  b.metadata.resource_version.clear();
  b.metadata.labels["n"] = "2";
  ASSERT_OK_AND_ASSIGN(BuildWriteResult result, Put(b));
  EXPECT_EQ(result.build.metadata.labels.at("n"), "2");
}

TEST_F(BuildStorageUpdateTest, NoOpUpdateKeepsResourceVersion) {
  Build b = MustCreate("a");
  const int64_t before = store().CurrentRevision();
  ASSERT_OK_AND_ASSIGN(BuildWriteResult spec, Put(b));
  EXPECT_EQ(spec.build.metadata.resource_version, b.metadata.resource_version);
  ASSERT_OK_AND_ASSIGN(BuildWriteResult status, Put(b, /*status=*/true));
  EXPECT_EQ(status.build.metadata.resource_version,
            b.metadata.resource_version);
  EXPECT_EQ(store().CurrentRevision(), before);
}

TEST_F(BuildStorageUpdateTest, NameMustMatchUrl) {
  Build b = MustCreate("a");
  EXPECT_THAT(builds().Update("default", "other", ToJson(b), false, {}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("does not match the name on the URL")));
}

TEST_F(BuildStorageUpdateTest, MissingObjectIsNotFound) {
  Build b = MustCreate("a");
  b.metadata.name = "gone";
  EXPECT_THAT(Put(b), StatusIs(StatusCode::kNotFound,
                               "builds.kiln.dev \"gone\" not found"));
}

TEST_F(BuildStorageUpdateTest, TerminalStatusReleasesAllocation) {
  MustCreate("a", 2, 2048);
  MustCreate("b", 1, 1024);
  EXPECT_EQ(Allocated(), (NodeResources{3, 3072, 2}));
  ASSERT_OK(WritePhase("a", BuildPhase::kBuilding));
  EXPECT_EQ(Allocated(), (NodeResources{3, 3072, 2}));
  const int64_t before = store().CurrentRevision();
  ASSERT_OK(WritePhase("a", BuildPhase::kFailed));
  EXPECT_EQ(Allocated(), (NodeResources{1, 1024, 1}));
  // One transaction: the Build and the Node, two revisions, nothing else.
  EXPECT_EQ(store().CurrentRevision(), before + 2);
  // Rewriting the same terminal phase (e.g. logBytes) releases nothing more.
  ASSERT_OK_AND_ASSIGN(Build a, builds().Get("default", "a"));
  a.status.log_bytes = 99;
  ASSERT_OK(Put(a, /*status=*/true));
  EXPECT_EQ(Allocated(), (NodeResources{1, 1024, 1}));
}

TEST_F(BuildStorageUpdateTest, LeavingTerminalPhaseIsRejected) {
  MustCreate("a");
  Finish("a", BuildPhase::kReady);
  const int64_t before = store().CurrentRevision();
  EXPECT_THAT(WritePhase("a", BuildPhase::kBuilding),
              StatusIs(StatusCode::kInvalidArgument,
                       "status.phase: cannot change from Ready to Building: "
                       "Ready is terminal"));
  EXPECT_EQ(store().CurrentRevision(), before);
  EXPECT_EQ(Allocated(), (NodeResources{}));
}

TEST_F(BuildStorageUpdateTest, CancelOfFinishedBuildIsConflict) {
  MustCreate("a");
  Finish("a", BuildPhase::kReady);
  ASSERT_OK_AND_ASSIGN(Build b, builds().Get("default", "a"));
  b.spec.cancel = true;
  EXPECT_THAT(Put(b), StatusIs(StatusCode::kAborted,
                               HasSubstr("the build has already finished "
                                         "(phase Ready)")));
}

TEST_F(BuildStorageUpdateTest, StaleStatusWriteDoesNotRelease) {
  Build b = MustCreate("a");
  ASSERT_OK(WritePhase("a", BuildPhase::kBuilding));
  b.status.phase = BuildPhase::kCancelled;  // carries the creation's RV
  EXPECT_THAT(Put(b, /*status=*/true), StatusIs(StatusCode::kAborted));
  EXPECT_EQ(Allocated().builds, 1);
}

}  // namespace
}  // namespace kiln
