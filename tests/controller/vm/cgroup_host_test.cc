#include "controller/vm/cgroup_host.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/vm/shim_records.h"
#include "controller/vm/vm_record.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::ElementsAre;

TEST(CgroupHostTest, ParsesHybridMountinfo) {
  const std::string mountinfo =
      "24 1 0:22 / /proc rw,relatime - proc proc rw\n"
      "30 25 0:26 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup "
      "rw,cpu\n"
      "31 25 0:27 /sandbox /sys/fs/cgroup/memory rw - cgroup cgroup "
      "rw,memory\n"
      "32 25 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup "
      "rw,xattr,name=systemd\n"
      "33 25 0:29 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
  const std::vector<CgroupMount> mounts = ParseCgroupMounts(mountinfo);
  ASSERT_EQ(mounts.size(), 4u);
  EXPECT_EQ(mounts[0].mount_point, "/sys/fs/cgroup/cpu");
  EXPECT_THAT(mounts[0].controllers, ElementsAre("cpu"));
  EXPECT_EQ(mounts[1].root, "/sandbox");
  EXPECT_TRUE(mounts[2].controllers.empty());
  EXPECT_TRUE(mounts[3].unified);
}

TEST(CgroupHostTest, ParsesProcCgroup) {
  const std::vector<ProcCgroup> lines = ParseProcCgroup(
      "9:name=systemd:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/\n0::/\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0].controllers, ElementsAre("memory"));
  EXPECT_EQ(lines[0].path, "/process_api/abc");
  EXPECT_THAT(lines[1].controllers, ElementsAre("cpu", "cpuacct"));
  EXPECT_TRUE(lines[2].controllers.empty());
  EXPECT_EQ(lines[2].path, "/");
}

TEST(CgroupHostTest, VmRecordRoundTrips) {
  VmRecord record;
  record.owner_key = "default/x";
  record.owner_uid = "u1";
  record.cpus = 2;
  record.memory_mib = 64;
  record.created = "2026-11-28T14:55:03Z";
  record.cgroup = {
      CgroupVersion::kV1,
      {"/sys/fs/cgroup/cpu/kiln/a", "/sys/fs/cgroup/memory/kiln/a"},
      "/sys/fs/cgroup/memory/kiln/a"};
  record.limits_enforced = true;
  EXPECT_THAT(VmRecordFromJson(VmRecordToJson(record)), IsOkAndHolds(record));
}

TEST(CgroupHostTest, DescribesExits) {
  ShimExitRecord killed;
  killed.signaled = true;
  killed.signal = 9;
  EXPECT_EQ(DescribeExit(killed), "killed by signal 9 (SIGKILL)");
  ShimExitRecord failed;
  failed.code = 1;
  EXPECT_EQ(DescribeExit(failed), "exited with code 1");
  EXPECT_THAT(ShimExitRecordFromJson({{"status", "exploded"}}),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace kiln
