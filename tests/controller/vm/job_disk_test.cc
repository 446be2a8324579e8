#include "controller/vm/job_disk.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

AgentJob HostJob() {
  AgentJob job;
  job.build_key = "default/hello";
  job.build_uid = "u1";
  job.inline_files = {{"Dockerfile", "FROM kiln/busybox:1\n"}};
  job.image = "127.0.0.1:5000/default/hello:1";
  job.registry = "127.0.0.1:5000";
  job.log_path = "/data/logs/u1.log";
  job.log_max_bytes = 1000;
  job.storage_root = "/data/cache/storage";
  job.run_root = "/run/kiln/x";
  job.cpus = 2;
  job.memory_mib = 1024;
  return job;
}

TEST(JobDiskTest, GuestPathsOnlyAreRewritten) {
  ASSERT_OK_AND_ASSIGN(JobDiskLayout layout, GuestJobLayout(HostJob()));
  AgentJob want = HostJob();
  want.log_path = "/run/kiln/build.log";
  want.storage_root = "/scratch/storage";
  want.run_root = "/run/containers";
  EXPECT_EQ(layout.guest_job, want);
  EXPECT_THAT(layout.copies, IsEmpty());
}

TEST(JobDiskTest, ArchiveIsCopiedToTheDiskRoot) {
  AgentJob job = HostJob();
  job.inline_files.clear();
  job.archive_path = "/data/sources/sha256:abc";
  ASSERT_OK_AND_ASSIGN(JobDiskLayout layout, GuestJobLayout(job));
  EXPECT_EQ(layout.guest_job.archive_path, "/job/sha256:abc");
  EXPECT_THAT(layout.copies,
              ElementsAre(Pair("/data/sources/sha256:abc", "sha256:abc")));
}

TEST(JobDiskTest, RejectsUnusableArchiveNames) {
  AgentJob job = HostJob();
  job.archive_path = "/data/sources/";
  EXPECT_THAT(GuestJobLayout(job).status(),
              StatusIs(StatusCode::kInvalidArgument));
  job.archive_path = "/data/job.json";
  EXPECT_THAT(GuestJobLayout(job).status(),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(JobDiskTest, MkfsWithoutJournal) {
  EXPECT_THAT(MkfsCommand("/v/job.img", "kiln-job", "/v/job"),
              ElementsAre("mkfs.ext4", "-q", "-F", "-L", "kiln-job", "-O",
                          "^has_journal", "-E", "lazy_itable_init=1", "-d",
                          "/v/job", "/v/job.img"));
  EXPECT_THAT(
      MkfsCommand("/v/s.img", "kiln-scratch", ""),
      ElementsAre("mkfs.ext4", "-q", "-F", "-L", "kiln-scratch", "-O",
                  "^has_journal", "-E", "lazy_itable_init=1", "/v/s.img"));
}

}  // namespace
}  // namespace kiln
