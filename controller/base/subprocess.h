// Child processes for kilnd (the image registry, the VM drivers): run a
// command to completion with its output captured, spawn a long-lived daemon,
// and stop one.
//
// Children are started by Spawn (spawn.h): posix_spawnp, never fork, each in
// its own process group (so a Ctrl-C aimed at kilnd does not reach them, and
// a timeout can kill the whole group), with an empty signal mask, default
// signal dispositions and stdin from /dev/null. All functions are
// thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "api_types/status.h"

namespace kiln {

struct CommandResult {
  // The exit status, or 128 + the signal number when killed by a signal.
  int exit_code = 0;
  // stdout and stderr interleaved; only the last kMaxCapturedOutput bytes.
  std::string output;
};

inline constexpr size_t kMaxCapturedOutput = 64 * 1024;

// Runs `argv` (argv[0] looked up in PATH) and waits for it. After `timeout`
// the process group is sent SIGKILL.
// Returns the result whatever the exit status; kInvalidArgument for an
// empty argv, kUnavailable on timeout, kInternal when it cannot be started.
StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                   std::chrono::milliseconds timeout);

// As RunCommand, but a non-zero exit is an error too (kInternal, naming the
// command, its exit code and the tail of its output). Returns the output.
StatusOr<std::string> RunCommandOk(const std::vector<std::string>& argv,
                                   std::chrono::milliseconds timeout);

// Starts `argv` in the background, in a new process group whose id is its
// pid, with stdout and stderr appended to `log_path` (created if missing).
// The caller owns the child: it must reap it (waitpid) or StopProcess it.
// Returns the pid; kInternal when the log cannot be opened or the spawn
// fails.
StatusOr<pid_t> SpawnDaemon(const std::vector<std::string>& argv,
                            const std::string& log_path);

// Whether `pid` is running. Reaps it (and stores its wait status in
// *wait_status when not null) if it is an exited child of this process;
// zombies of other parents count as exited.
bool ProcessRunning(pid_t pid, int* wait_status = nullptr);

// Sends SIGTERM to `pid` (to its whole group when it leads one), waits up to
// `grace` for it to exit, then sends SIGKILL and waits up to `grace` again.
// Reaps it when it is a child of this process. Returns true once it is gone.
bool StopProcess(pid_t pid, std::chrono::milliseconds grace);

// "exited with status 1" / "killed by signal 9" for a waitpid status.
std::string DescribeWaitStatus(int wait_status);

}  // namespace kiln
