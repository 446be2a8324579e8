#include "controller/vm/ctl_lines.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kiln {
namespace {

using ::testing::HasSubstr;

TEST(CtlLinesTest, EmptyTextIsNothingYet) {
  const CtlState state = ParseCtlLines("");
  EXPECT_FALSE(state.agent_started);
  EXPECT_FALSE(state.progress.has_value());
  EXPECT_FALSE(state.result.has_value());
  EXPECT_FALSE(state.agent_exit_code.has_value());
}

TEST(CtlLinesTest, ParsesAWholeRun) {
  const CtlState state = ParseCtlLines(
      "agent-start uptime=5.03\n"
      "progress {\"phase\":\"Building\",\"step\":\"STEP 1/2: FROM x\"}\n"
      "progress {\"phase\":\"Pushing\",\"step\":\"STEP 2/2: RUN echo hi\"}\n"
      "result {\"succeeded\":true,\"imageRef\":\"r/a:1\","
      "\"imageDigest\":\"sha256:ab\"}\n"
      "agent-exit rc=0 uptime=21.50\n");
  EXPECT_TRUE(state.agent_started);
  ASSERT_TRUE(state.agent_start_uptime.has_value());
  EXPECT_DOUBLE_EQ(*state.agent_start_uptime, 5.03);
  ASSERT_TRUE(state.progress.has_value());
  EXPECT_EQ(state.progress->phase, "Pushing");
  ASSERT_TRUE(state.result.has_value());
  EXPECT_TRUE(state.result->succeeded);
  EXPECT_EQ(state.result->image_digest, "sha256:ab");
  EXPECT_EQ(state.agent_exit_code, 0);
  EXPECT_FALSE(state.cancel_received);
}

TEST(CtlLinesTest, IgnoresAnUnfinishedLastLine) {
  const CtlState state = ParseCtlLines(
      "agent-start uptime=1\nresult {\"succeeded\":true,\"imageR");
  EXPECT_TRUE(state.agent_started);
  EXPECT_FALSE(state.result.has_value());
}

TEST(CtlLinesTest, MalformedProgressKeepsThePreviousOne) {
  const CtlState state = ParseCtlLines(
      "progress {\"phase\":\"Building\",\"step\":\"\"}\n"
      "progress {not json\n"
      "gibberish line\n");
  ASSERT_TRUE(state.progress.has_value());
  EXPECT_EQ(state.progress->phase, "Building");
}

TEST(CtlLinesTest, CancelAndExitCode) {
  const CtlState state = ParseCtlLines(
      "agent-start uptime=4.2\r\ncancel\nresult {\"succeeded\":false,"
      "\"reason\":\"Cancelled\"}\nagent-exit rc=143 uptime=12\n");
  EXPECT_TRUE(state.cancel_received);
  EXPECT_EQ(state.agent_exit_code, 143);
  ASSERT_TRUE(state.result.has_value());
  EXPECT_EQ(state.result->reason, "Cancelled");
}

TEST(CtlLinesTest, BadUptimeAndRcAreDropped) {
  const CtlState state =
      ParseCtlLines("agent-start uptime=abc\nagent-exit rc=1x\n");
  EXPECT_TRUE(state.agent_started);
  EXPECT_FALSE(state.agent_start_uptime.has_value());
  EXPECT_FALSE(state.agent_exit_code.has_value());
}

TEST(GuestExitTest, NoAgentStartMeansTheGuestDidNotBoot) {
  const GuestExit exit = DescribeGuestExit(
      CtlState{}, "tsc: Marking TSC unstable\n", "exited with code 0");
  EXPECT_THAT(exit.reason, HasSubstr("no agent-start: guest did not boot"));
  EXPECT_THAT(exit.reason, HasSubstr("exited with code 0"));
  EXPECT_FALSE(exit.oom_killed);
}

TEST(GuestExitTest, OomKillOfTheAgent) {
  CtlState ctl;
  ctl.agent_started = true;
  const GuestExit exit = DescribeGuestExit(
      ctl,
      "[ 12.3] Out of memory: Killed process 211 (kiln-agent) total-vm:1kB\n",
      "exited with code 0");
  EXPECT_TRUE(exit.oom_killed);
  EXPECT_THAT(exit.reason, HasSubstr("out of memory in the guest"));
}

TEST(GuestExitTest, KernelPanicLine) {
  const GuestExit exit = DescribeGuestExit(
      CtlState{},
      "boot\nKernel panic - not syncing: Attempted to kill init!\r\nmore\n",
      "exited with code 0");
  EXPECT_EQ(exit.reason,
            "guest kernel panic: Kernel panic - not syncing: Attempted to "
            "kill init!");
}

TEST(GuestExitTest, AgentExitWithoutResult) {
  CtlState ctl;
  ctl.agent_started = true;
  ctl.agent_exit_code = 2;
  const GuestExit exit = DescribeGuestExit(ctl, "", "exited with code 0");
  EXPECT_EQ(exit.reason, "kiln-agent exited with code 2 without a result");
}

TEST(GuestExitTest, QemuKilledMidBuild) {
  CtlState ctl;
  ctl.agent_started = true;
  const GuestExit exit =
      DescribeGuestExit(ctl, "", "killed by signal 9 (SIGKILL)");
  EXPECT_THAT(exit.reason, HasSubstr("killed by signal 9"));
}

}  // namespace
}  // namespace kiln
