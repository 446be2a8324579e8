#include "cmd/kiln-agent/build_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "api_types/log_marker.h"
#include "controller/logs/log_cap.h"
#include "tests/cmd/kiln-agent/agent_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/tiny_filesystem.h"

namespace kiln {
namespace {

class BuildLogTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return dir_.Sub(name); }

  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Writes `lines` through a LogFile capped at `cap` into `name`.
  std::string WriteCapped(const std::string& name, int64_t cap,
                          const std::vector<std::string>& lines) {
    auto log = LogFile::Open(Path(name), cap);
    EXPECT_THAT(log, IsOk());
    if (!log.ok()) return "";
    for (const std::string& line : lines) {
      EXPECT_THAT((*log)->Append(line), IsOk());
    }
    return Slurp(Path(name));
  }

  testing::TempDir dir_;
};

TEST_F(BuildLogTest, WithoutCapKeepsEveryLine) {
  EXPECT_EQ(WriteCapped("a.log", 0, {"one", "two"}), "one\ntwo\n");
}

// A full disk (issue 12 item 11, the log directory): the append that does
// not fit fails, the log keeps whole lines only, and appends resume once
// space returns. tmpfs mounted by the test (root only).
TEST_F(BuildLogTest, FullDiskLeavesWholeLinesAndAppendsResume) {
  testing::TinyFilesystem tiny(64 << 10);
  if (!tiny.why_not().empty()) GTEST_SKIP() << tiny.why_not();
  std::ofstream(tiny.Path("filler")) << std::string(40 << 10, 'f');
  auto log = LogFile::Open(tiny.Path("build.log"));
  ASSERT_THAT(log, IsOk());
  const std::string line(1000, 'x');
  int appended = 0;
  Status failed = OkStatus();
  while (failed.ok() && appended < 1000) {
    failed = (*log)->Append(line);
    if (failed.ok()) ++appended;
  }
  EXPECT_THAT(failed, StatusIs(StatusCode::kInternal,
                               ::testing::HasSubstr("build.log")));
  std::string want;
  for (int i = 0; i < appended; ++i) want += line + "\n";
  EXPECT_EQ(Slurp(tiny.Path("build.log")), want);

  ASSERT_EQ(std::remove(tiny.Path("filler").c_str()), 0);
  EXPECT_THAT((*log)->Append("after"), IsOk());
  EXPECT_EQ(Slurp(tiny.Path("build.log")), want + "after\n");
}

TEST_F(BuildLogTest, StopsAtTheCapWithTheMarker) {
  auto log = LogFile::Open(Path("a.log"), 10);
  ASSERT_THAT(log, IsOk());
  EXPECT_THAT((*log)->Append("1234"), IsOk());  // 5 bytes
  EXPECT_THAT((*log)->Append("abcd"), IsOk());  // 10: exactly the cap
  EXPECT_FALSE((*log)->truncated());
  EXPECT_THAT((*log)->Append("x"), IsOk());  // over: marker instead
  EXPECT_TRUE((*log)->truncated());
  EXPECT_THAT((*log)->Append("dropped"), IsOk());
  EXPECT_THAT((*log)->Note("dropped too"), IsOk());
  EXPECT_EQ(Slurp(Path("a.log")), "1234\nabcd\n" + LogTruncatedMarker(10));
}

TEST_F(BuildLogTest, CutsAFirstLineLongerThanTheCap) {
  EXPECT_EQ(WriteCapped("a.log", 4, {"abcdefgh", "next"}),
            "abcd\n" + LogTruncatedMarker(4));
}

TEST_F(BuildLogTest, LeavesWhatKilndsCapWouldLeave) {
  // The agent's capped log and kilnd's ApplyCap of the uncapped log are the
  // same bytes, so the backstop changes nothing on an agent-written log.
  const std::vector<std::vector<std::string>> cases = {
      {"a", "bb", "ccc", "dddd", "eeeee", "ffffff"},
      {"a-line-longer-than-the-cap-for-sure"},
      {"", "", "x", "yy"},
      {"short", "a-line-longer-than-the-cap-for-sure", "z"}};
  for (int64_t cap : {1, 3, 7, 12, 20, 100}) {
    for (size_t i = 0; i < cases.size(); ++i) {
      const std::string name = std::to_string(cap) + "-" + std::to_string(i);
      const std::string agent = WriteCapped(name + ".capped", cap, cases[i]);
      WriteCapped(name + ".full", 0, cases[i]);
      ASSERT_THAT(ApplyCap(Path(name + ".full"), cap), IsOk());
      EXPECT_EQ(agent, Slurp(Path(name + ".full")))
          << "cap " << cap << " case " << i;
      // And kilnd sees the agent's log as already capped.
      EXPECT_THAT(CapExceeded(Path(name + ".capped"), cap), IsOkAndHolds(false))
          << "cap " << cap << " case " << i;
    }
  }
}

TEST_F(BuildLogTest, AppendsNothingToALogAlreadyAtTheCap) {
  // A restarted agent reopens the log of its previous attempt.
  WriteCapped("a.log", 0, {"123456789"});  // 10 bytes
  EXPECT_EQ(WriteCapped("a.log", 10, {"more"}), "123456789\n");
  EXPECT_EQ(WriteCapped("b.log", 0, {"12"}), "12\n");
  EXPECT_EQ(WriteCapped("b.log", 10, {"3456", "789"}),
            "12\n3456\n" + LogTruncatedMarker(10));
}

TEST_F(BuildLogTest, RejectsANegativeCap) {
  EXPECT_THAT(LogFile::Open(Path("a.log"), -1),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace kiln
