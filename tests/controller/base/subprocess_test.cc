#include "controller/base/subprocess.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

TEST(SubprocessTest, CapturesStdoutAndStderr) {
  ASSERT_OK_AND_ASSIGN(
      CommandResult result,
      RunCommand({"sh", "-c", "echo out; echo err >&2; exit 3"}, seconds(10)));
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.output, HasSubstr("out"));
  EXPECT_THAT(result.output, HasSubstr("err"));
}

TEST(SubprocessTest, RunCommandOkReportsFailureWithOutput) {
  EXPECT_THAT(RunCommandOk({"sh", "-c", "echo boom >&2; exit 1"}, seconds(10)),
              StatusIs(StatusCode::kInternal, HasSubstr("boom")));
  EXPECT_THAT(RunCommandOk({"true"}, seconds(10)), IsOk());
}

TEST(SubprocessTest, TimesOut) {
  EXPECT_THAT(RunCommand({"sleep", "30"}, milliseconds(200)),
              StatusIs(StatusCode::kUnavailable, HasSubstr("timed out")));
}

TEST(SubprocessTest, MissingBinaryIsAnError) {
  EXPECT_THAT(RunCommand({"/nonexistent/kiln-binary"}, seconds(10)),
              StatusIs(StatusCode::kInternal));
}

TEST(SubprocessTest, StopProcessEndsADaemon) {
  ASSERT_OK_AND_ASSIGN(pid_t pid, SpawnDaemon({"sleep", "60"}, "/dev/null"));
  EXPECT_TRUE(ProcessRunning(pid));
  EXPECT_TRUE(StopProcess(pid, seconds(5)));
  EXPECT_FALSE(ProcessRunning(pid));
}

}  // namespace
}  // namespace kiln
