#include "controller/apiserver/admission.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

Node NodeWith(NodeResources capacity, NodeResources allocated) {
  Node node;
  node.metadata.name = "node-a";
  node.status.capacity = capacity;
  node.status.allocated = allocated;
  return node;
}

TEST(AdmissionTest, BuildRequestCountsOneBuild) {
  Build build;
  build.spec.resources.cpus = 2;
  build.spec.resources.memory_mib = 512;
  EXPECT_EQ(BuildRequest(build), (NodeResources{2, 512, 1}));
}

TEST(AdmissionTest, HoldsAllocationUntilTerminal) {
  Build build;
  for (BuildPhase phase : {BuildPhase::kUnset, BuildPhase::kPending,
                           BuildPhase::kBuilding, BuildPhase::kPushing}) {
    build.status.phase = phase;
    EXPECT_TRUE(HoldsAllocation(build));
  }
  for (BuildPhase phase :
       {BuildPhase::kReady, BuildPhase::kFailed, BuildPhase::kCancelled}) {
    build.status.phase = phase;
    EXPECT_FALSE(HoldsAllocation(build));
  }
}

TEST(AdmissionTest, ArithmeticClampsReleases) {
  EXPECT_EQ(AddResources({1, 2, 3}, {4, 5, 6}), (NodeResources{5, 7, 9}));
  EXPECT_EQ(SubtractResources({1, 10, 1}, {2, 4, 1}), (NodeResources{0, 6, 0}));
  EXPECT_TRUE(FitsWithin({4, 8, 2}, {4, 8, 2}));
  EXPECT_FALSE(FitsWithin({4, 9, 2}, {4, 8, 2}));
}

TEST(AdmissionTest, CanNeverFitNamesEveryField) {
  const Node node = NodeWith({8, 4096, 0}, {});
  Status s = CheckCanEverFit({9, 8192, 1}, node);
  ASSERT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(s.details()->causes,
              ElementsAre(Field(&ErrorCause::field, "spec.resources.cpus"),
                          Field(&ErrorCause::field, "spec.resources.memoryMiB"),
                          Field(&ErrorCause::field, "")));
  EXPECT_OK(CheckCanEverFit({8, 4096, 0}, node));
}

TEST(AdmissionTest, DoesNotFitErrorCarriesFiguresAndRetryAfter) {
  const Node node = NodeWith({4, 4096, 4}, {3, 3584, 4});
  Status s = DoesNotFitError("b", {2, 1024, 1}, node, 17);
  EXPECT_THAT(s, StatusIs(StatusCode::kResourcesExhausted,
                          "builds.kiln.dev \"b\": insufficient capacity on "
                          "node \"node-a\": requested cpus=2 memoryMiB=1024; "
                          "free cpus=1 memoryMiB=512 builds=0 of 4"));
  ASSERT_NE(s.details(), nullptr);
  EXPECT_EQ(s.details()->retry_after_seconds, 17);
  EXPECT_THAT(s.details()->causes,
              ElementsAre(Field(&ErrorCause::reason, "ResourcesExhausted")));
}

TEST(AdmissionTest, ChargedNodeDefaults) {
  Build build;
  EXPECT_EQ(ChargedNode(build, "node-a"), "node-a");
  build.status.node_name = "node-b";
  EXPECT_EQ(ChargedNode(build, "node-a"), "node-b");
}

}  // namespace
}  // namespace kiln
