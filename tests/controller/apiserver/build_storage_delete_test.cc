#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/controller/apiserver/storage_test_util.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

class BuildStorageDeleteTest : public RegistryTest {};

TEST_F(BuildStorageDeleteTest, NonTerminalDeleteReleasesAllocation) {
  MustCreate("a", 2, 2048);
  MustCreate("b");
  ASSERT_OK_AND_ASSIGN(
      Build deleted,
      builds().Delete("default", "a", std::nullopt, std::nullopt));
  EXPECT_EQ(deleted.metadata.name, "a");
  EXPECT_EQ(Allocated(), (NodeResources{1, 1024, 1}));
  EXPECT_THAT(builds().Get("default", "a"), StatusIs(StatusCode::kNotFound));
}

TEST_F(BuildStorageDeleteTest, TerminalDeleteDoesNotReleaseTwice) {
  MustCreate("a", 2, 2048);
  MustCreate("b");
  Finish("a", BuildPhase::kReady);
  EXPECT_EQ(Allocated(), (NodeResources{1, 1024, 1}));
  ASSERT_OK(builds().Delete("default", "a", std::nullopt, std::nullopt));
  EXPECT_EQ(Allocated(), (NodeResources{1, 1024, 1}));
}

TEST_F(BuildStorageDeleteTest, MissingIsNotFound) {
  EXPECT_THAT(
      builds().Delete("default", "nope", std::nullopt, std::nullopt),
      StatusIs(StatusCode::kNotFound, "builds.kiln.dev \"nope\" not found"));
}

TEST_F(BuildStorageDeleteTest, PreconditionsAreConflicts) {
  Build b = MustCreate("a");
  EXPECT_THAT(
      builds().Delete("default", "a", std::nullopt, std::string("wrong-uid")),
      StatusIs(StatusCode::kAborted,
               HasSubstr("Precondition failed: UID in precondition")));
  ASSERT_OK(WritePhase("a", BuildPhase::kBuilding));
  EXPECT_THAT(builds().Delete("default", "a", b.metadata.resource_version,
                              std::nullopt),
              StatusIs(StatusCode::kAborted,
                       HasSubstr("ResourceVersion in precondition")));
  EXPECT_OK(builds().Get("default", "a"));
  EXPECT_EQ(Allocated().builds, 1);

  ASSERT_OK_AND_ASSIGN(Build current, builds().Get("default", "a"));
  EXPECT_OK(builds().Delete("default", "a", current.metadata.resource_version,
                            current.metadata.uid));
  EXPECT_EQ(Allocated(), (NodeResources{}));
}

TEST_F(BuildStorageDeleteTest, RecreateAfterDeleteGetsNewUid) {
  Build first = MustCreate("a");
  ASSERT_OK(builds().Delete("default", "a", std::nullopt, std::nullopt));
  Build second = MustCreate("a");
  EXPECT_NE(first.metadata.uid, second.metadata.uid);
  EXPECT_EQ(Allocated().builds, 1);
}

}  // namespace
}  // namespace kiln
