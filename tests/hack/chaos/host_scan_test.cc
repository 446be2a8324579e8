#include "hack/chaos/host_scan.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hack/chaos/load_records.h"

namespace kiln::chaos {
namespace {

TEST(HostScanTest, VmNameIsKilnsDerivedName) {
  EXPECT_EQ(VmNameFor("1A2B3C4D-5e6f-47a8-b9c0-d1e2f3a4b5c6"),
            "kiln-1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6");
}

TEST(HostScanTest, CountsBuilderStartsOfEitherAgent) {
  EXPECT_EQ(Attempts(""), 0);
  EXPECT_EQ(Attempts("started pid 1\nline 0\ndone\n"), 1);
  EXPECT_EQ(Attempts("STEP 1/2: FROM x\nSTEP 2/2: RUN y\n"), 1);
  EXPECT_EQ(Attempts("STEP 1/2: FROM x\nSTEP 1/2: FROM x\n"), 2);
  EXPECT_EQ(Attempts("started pid 1\nstarted pid 1\n"), 2);
  // kiln-agent naming the step it was cancelled at is not a second start.
  EXPECT_EQ(Attempts("STEP 1/2: FROM x\nkiln-agent: Cancelled: cancelled by "
                     "SIGTERM during the build at STEP 1/2: FROM x\n"),
            1);
}

// An agent runs with --work-dir DATA_DIR/vms/NAME/agent (the process
// driver's agent directory): it belongs to VM NAME.
TEST(HostScanTest, AnAgentBelongsToTheVmOfItsWorkDir) {
  const std::string data = "/tmp/kiln-host-scan-" + std::to_string(getpid());
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    execl("/bin/sh", "sh", "-c", "sleep 30; :", "--work-dir",
          (data + "/vms/kiln-abc/agent").c_str(), nullptr);
    _exit(127);
  }
  std::vector<BuilderProcess> found;
  for (int i = 0; i < 500; ++i) {  // until sh has exec'd
    found = BuilderProcesses(data, {});
    if (!found.empty()) break;
    usleep(10000);
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].pid, child);
  EXPECT_EQ(found[0].vm, "kiln-abc");
  EXPECT_EQ(found[0].what, "agent");
}

TEST(LoadRecordsTest, ReadsCompleteLinesOnly) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("chaos-records-" + std::to_string(getpid())))
                              .string();
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/creates.log")
      << "s1 201 - u-1\ns2 503 7 -\ns3 20";  // the last one cut short
  std::ofstream(dir + "/deletes.log") << "s1\n";
  const std::vector<CreateRecord> creates = ReadCreates(dir);
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(creates[0].uid, "u-1");
  EXPECT_EQ(creates[1].code, 503);
  EXPECT_EQ(creates[1].retry_after, "7");
  EXPECT_EQ(ReadDeletes(dir), std::set<std::string>{"s1"});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kiln::chaos
