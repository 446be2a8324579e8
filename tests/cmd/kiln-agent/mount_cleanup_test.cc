#include "cmd/kiln-agent/mount_cleanup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kiln {
namespace {

using ::testing::ElementsAre;

TEST(MountCleanupTest, FindsMountsStrictlyBelowRootsDeepestFirst) {
  const char* mountinfo =
      "22 1 0:21 / / rw - overlay overlay rw\n"
      "30 22 0:30 / /work/vm1 rw - ext4 /dev/vdb rw\n"
      "31 30 0:31 / /work/vm1/storage/overlay/abc/merged rw - overlay o rw\n"
      "32 31 0:32 / /work/vm1/storage/overlay/abc/merged/proc rw - proc p rw\n"
      "33 22 0:33 / /work/vm10/storage/x rw - overlay o rw\n"
      "34 22 0:34 / /work/vm1/run/with\\040space rw - tmpfs t rw\n";
  EXPECT_THAT(
      MountPointsBelow(mountinfo, {"/work/vm1/storage", "/work/vm1/run/"}),
      ElementsAre("/work/vm1/storage/overlay/abc/merged/proc",
                  "/work/vm1/storage/overlay/abc/merged",
                  "/work/vm1/run/with space"));
  EXPECT_THAT(MountPointsBelow(mountinfo, {"/"}), ElementsAre());
}

}  // namespace
}  // namespace kiln
