#include "controller/base/spawn.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

// A pipe whose write end a child gets as its output.
class OutputPipe {
 public:
  OutputPipe() { EXPECT_EQ(pipe2(fds_, O_CLOEXEC), 0); }
  ~OutputPipe() {
    CloseWriteEnd();
    close(fds_[0]);
  }
  int write_fd() const { return fds_[1]; }
  void CloseWriteEnd() {
    if (fds_[1] >= 0) close(fds_[1]);
    fds_[1] = -1;
  }
  // Everything written until every write end is closed.
  std::string ReadAll() {
    CloseWriteEnd();
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = read(fds_[0], buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fds_[2] = {-1, -1};
};

SpawnOptions Command(std::vector<std::string> argv,
                     std::map<std::string, std::string> env = {}) {
  SpawnOptions options;
  options.argv = std::move(argv);
  options.env = std::move(env);
  return options;
}

int WaitFor(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Runs `options` with its output on a pipe; returns the output and sets
// *exit_code.
std::string RunToEnd(SpawnOptions options, int* exit_code) {
  OutputPipe out;
  options.output_fd = out.write_fd();
  StatusOr<pid_t> pid = Spawn(options);
  EXPECT_OK(pid);
  if (!pid.ok()) return "";
  const std::string text = out.ReadAll();
  *exit_code = ExitCodeOf(WaitFor(*pid));
  return text;
}

TEST(SpawnTest, MergesStdoutAndStderrIntoOutputFd) {
  int code = -1;
  EXPECT_EQ(
      RunToEnd(Command({"sh", "-c", "echo out; echo err >&2; exit 3"}), &code),
      "out\nerr\n");
  EXPECT_EQ(code, 3);
}

TEST(SpawnTest, StdinIsDevNull) {
  int code = -1;
  // cat ends at once on /dev/null instead of waiting on the test's stdin.
  EXPECT_EQ(
      RunToEnd(Command({"sh", "-c", "cat; readlink /proc/self/fd/0"}), &code),
      "/dev/null\n");
  EXPECT_EQ(code, 0);
}

// A descriptor the parent left inheritable (no close-on-exec, as a
// library's listening socket may be) does not reach the child: a
// long-lived child would otherwise keep the parent's port bound.
TEST(SpawnTest, NoDescriptorBeyondStdioIsInherited) {
  const int leaky = open("/dev/null", O_RDONLY);  // no O_CLOEXEC on purpose
  ASSERT_GE(leaky, 3);
  int code = -1;
  const std::string fd = std::to_string(leaky);
  EXPECT_EQ(RunToEnd(Command({"sh", "-c",
                              "if [ -e /proc/$$/fd/" + fd +
                                  " ]; then echo inherited; else echo "
                                  "closed; fi"}),
                     &code),
            "closed\n");
  EXPECT_EQ(code, 0);
  close(leaky);
}

TEST(SpawnTest, EnvAddsAndOverrides) {
  setenv("KILN_SPAWN_TEST_KEEP", "kept", 1);
  setenv("KILN_SPAWN_TEST_OVERRIDE", "old", 1);
  int code = -1;
  const std::string out =
      RunToEnd(Command({"sh", "-c",
                        "echo $KILN_SPAWN_TEST_KEEP $KILN_SPAWN_TEST_OVERRIDE "
                        "$KILN_SPAWN_TEST_NEW"},
                       {{"KILN_SPAWN_TEST_OVERRIDE", "new"},
                        {"KILN_SPAWN_TEST_NEW", "added"}}),
               &code);
  unsetenv("KILN_SPAWN_TEST_KEEP");
  unsetenv("KILN_SPAWN_TEST_OVERRIDE");
  EXPECT_EQ(out, "kept new added\n");
}

TEST(SpawnTest, RunsInItsOwnProcessGroup) {
  ASSERT_OK_AND_ASSIGN(pid_t pid, Spawn(Command({"sleep", "30"})));
  EXPECT_EQ(getpgid(pid), pid);
  EXPECT_NE(getpgid(pid), getpgrp());
  ASSERT_EQ(kill(-pid, SIGKILL), 0);  // the whole group
  EXPECT_EQ(ExitCodeOf(WaitFor(pid)), 128 + SIGKILL);
}

TEST(SpawnTest, ResetsSignalMaskAndDispositions) {
  // What a daemon typically does: ignore SIGPIPE, block SIGUSR1.
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_pipe;
  ASSERT_EQ(sigaction(SIGPIPE, &ignore, &old_pipe), 0);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old_mask), 0);

  int code = -1;
  const std::string out = RunToEnd(
      Command({"grep", "-E", "^Sig(Ign|Blk):", "/proc/self/status"}), &code);

  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);
  unsigned long long blocked = ~0ULL, ignored = ~0ULL;
  ASSERT_EQ(std::sscanf(out.c_str(), "SigBlk:\t%llx\nSigIgn:\t%llx", &blocked,
                        &ignored),
            2)
      << out;
  EXPECT_EQ(blocked, 0u) << out;
  // Only the standard signals (1..31, bits 0..30): glibc's posix_spawn
  // leaves its internal real-time signals (32, 33) ignored in the child,
  // whatever the attributes say.
  EXPECT_EQ(ignored & ((1ULL << 31) - 1), 0u) << out;
}

TEST(SpawnTest, EmptyArgvIsInvalid) {
  EXPECT_THAT(Spawn(SpawnOptions()), StatusIs(StatusCode::kInvalidArgument));
}

TEST(SpawnTest, MissingProgramIsInternalNamingIt) {
  EXPECT_THAT(
      Spawn(Command({"/nonexistent/kiln-binary"})),
      StatusIs(StatusCode::kInternal, HasSubstr("/nonexistent/kiln-binary")));
}

TEST(SpawnTest, ExitCodeOfFollowsTheShellConvention) {
  int code = -1;
  RunToEnd(Command({"sh", "-c", "exit 7"}), &code);
  EXPECT_EQ(code, 7);
  RunToEnd(Command({"sh", "-c", "kill -TERM $$"}), &code);
  EXPECT_EQ(code, 128 + SIGTERM);
}

}  // namespace
}  // namespace kiln
