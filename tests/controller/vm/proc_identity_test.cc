#include "controller/vm/proc_identity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

TEST(ProcIdentityTest, ParsesStatWithAwkwardCommandName) {
  const char text[] =
      "4242 (a) b (c)) S 1 4240 4240 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 "
      "0 987654 1000 10 18446744073709551615\n";
  ProcStat stat;
  ASSERT_TRUE(ParseProcStat(text, strlen(text), &stat));
  EXPECT_EQ(stat.state, 'S');
  EXPECT_EQ(stat.pgid, 4240);
  EXPECT_EQ(stat.start_time, 987654u);
}

TEST(ProcIdentityTest, RejectsTruncatedStat) {
  const char text[] = "4242 (x) S 1 4240 4240 0";
  ProcStat stat;
  EXPECT_FALSE(ParseProcStat(text, strlen(text), &stat));
  EXPECT_FALSE(ParseProcStat("", 0, &stat));
}

TEST(ProcIdentityTest, RecognisesSelfAndRejectsOtherStartTime) {
  ASSERT_OK_AND_ASSIGN(ProcStat self, ReadProcStat(getpid()));
  EXPECT_TRUE(IsProcessAlive({getpid(), self.start_time}));
  EXPECT_FALSE(IsProcessAlive({getpid(), self.start_time + 1}));
  EXPECT_FALSE(IsProcessAlive({0, 0}));
}

TEST(ProcIdentityTest, ZombieIsSameProcessButNotAlive) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  ASSERT_OK_AND_ASSIGN(ProcStat stat, ReadProcStat(child));
  const ProcessIdentity id{child, stat.start_time};
  // Unreaped: a zombie once it has exited.
  for (int i = 0; i < 2000 && IsProcessAlive(id); ++i) usleep(5000);
  EXPECT_FALSE(IsProcessAlive(id));
  EXPECT_TRUE(IsSameProcess(id));
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(IsSameProcess(id));
  EXPECT_THAT(ReadProcStat(child), StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace kiln
