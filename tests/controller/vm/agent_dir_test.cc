#include "controller/vm/agent_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

constexpr IdRange kIds{1000000000, 65536};

uid_t OwnerOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st.st_uid;
}

class AgentDirTest : public ::testing::Test {
 protected:
  AgentJob Job() const {
    AgentJob job;
    job.build_key = "default/b";
    job.image = "127.0.0.1:5000/default/b:1";
    job.log_path = tmp_.Sub("logs/b.log");
    job.archive_path = tmp_.Sub("sources/sha256-abc");
    return job;
  }
  std::string Agent() const { return tmp_.Sub("vms/b/agent"); }

  kiln::testing::TempDir tmp_;
};

TEST_F(AgentDirTest, TheAgentSeesItsJobWithPathsInsideItsDirectory) {
  tmp_.Write("sources/sha256-abc", "tar");
  ASSERT_OK_AND_ASSIGN(std::vector<BindPlan> binds,
                       PrepareAgentDir(Agent(), Job(), std::nullopt));
  EXPECT_THAT(
      binds,
      ElementsAre(BindPlan{Job().log_path, Agent() + "/build.log", false},
                  BindPlan{Job().archive_path, Agent() + "/source.tar", true}));
  ASSERT_OK_AND_ASSIGN(nlohmann::json j, ReadJsonFile(Agent() + "/job.json"));
  AgentJob want = Job();
  want.log_path = Agent() + "/build.log";
  want.archive_path = Agent() + "/source.tar";
  EXPECT_THAT(AgentJobFromJson(j), IsOkAndHolds(want));
  for (const char* sub : {"home", "tmp", "storage"}) {
    EXPECT_TRUE(fs::is_directory(Agent() + "/" + sub)) << sub;
  }
  EXPECT_TRUE(fs::exists(Job().log_path)) << "the log is created";
  EXPECT_EQ(fs::status(Agent()).permissions(), fs::perms::owner_all);
}

TEST_F(AgentDirTest, WithAUserNamespaceItsRootOwnsTheDirectoryAndTheLog) {
  AgentJob job = Job();
  job.archive_path.clear();
  ASSERT_OK_AND_ASSIGN(std::vector<BindPlan> binds,
                       PrepareAgentDir(Agent(), job, kIds));
  EXPECT_EQ(binds.size(), 1u);
  for (const char* path :
       {"", "/job.json", "/home", "/storage", "/build.log"}) {
    EXPECT_EQ(OwnerOf(Agent() + path), kIds.base) << path;
  }
  EXPECT_EQ(OwnerOf(job.log_path), kIds.base);
  EXPECT_EQ(OwnerOf(tmp_.Sub("vms/b")), 0u) << "the VM's own directory stays";
}

TEST_F(AgentDirTest, AnEarlierStartsLeftoversAreGoneAndLinksNotFollowed) {
  tmp_.Write("vms/b/agent/result.json", "{\"succeeded\":true}");
  tmp_.Write("outside", "keep");
  ASSERT_OK(PrepareAgentDir(Agent(), Job(), kIds).status());
  EXPECT_FALSE(fs::exists(Agent() + "/result.json"));
  // A log path that is a symbolic link (planted where the log should be)
  // is refused, never followed to chown or append to its target.
  fs::remove(Job().log_path);
  fs::create_symlink(tmp_.Sub("outside"), Job().log_path);
  EXPECT_THAT(PrepareAgentDir(Agent(), Job(), kIds).status(),
              StatusIs(StatusCode::kInternal));
  EXPECT_EQ(OwnerOf(tmp_.Sub("outside")), 0u);
}

}  // namespace
}  // namespace kiln
