#include "controller/vm/sandbox_mounts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SandboxMountsTest, HiddenDirPlanMakesMountPointsDownToTheExposedDir) {
  ASSERT_OK_AND_ASSIGN(HiddenDirPlan plan,
                       PlanHiddenDir("/data/kiln/", "/data/kiln/vms/b1/agent"));
  EXPECT_EQ(plan.hidden, "/data/kiln/");
  EXPECT_EQ(plan.exposed, "/data/kiln/vms/b1/agent");
  EXPECT_THAT(plan.mount_points,
              ElementsAre("/data/kiln/vms", "/data/kiln/vms/b1",
                          "/data/kiln/vms/b1/agent"));
}

TEST(SandboxMountsTest, HiddenDirPlanRefusesADirThatIsNotBelow) {
  for (const char* exposed :
       {"/data/kiln", "/data/other/agent", "/data/kiln/../x", "/", "agent"}) {
    EXPECT_THAT(PlanHiddenDir("/data/kiln", exposed),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("not below")))
        << exposed;
  }
  EXPECT_THAT(PlanHiddenDir("data", "data/x"),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace kiln
