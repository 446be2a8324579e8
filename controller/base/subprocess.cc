#include "controller/base/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "controller/base/files.h"
#include "controller/base/spawn.h"

namespace kiln {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::string JoinArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& arg : argv) {
    if (!out.empty()) out += ' ';
    out += arg;
  }
  return out;
}

// Waits for `pid` (a child) and returns its wait status.
int WaitBlocking(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Reads `fd` until EOF or `deadline`. Returns false on timeout.
bool ReadAll(int fd, steady_clock::time_point deadline, std::string* out) {
  char buf[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(
        deadline - steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{fd, POLLIN, 0};
    const int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return ready < 0;  // error: treat as EOF; 0: timeout
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return true;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > 2 * kMaxCapturedOutput) {
      out->erase(0, out->size() - kMaxCapturedOutput);
    }
  }
}

// Whether `pid` is a zombie (per /proc), i.e. exited but not yet reaped.
bool IsZombie(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;  // gone between checks
  const size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() ||
         line[paren + 2] == 'Z' || line[paren + 2] == 'X';
}

// Signals `pid`'s process group when it leads one, else `pid` alone.
void Signal(pid_t pid, int sig) {
  if (getpgid(pid) == pid) {
    kill(-pid, sig);
  } else {
    kill(pid, sig);
  }
}

bool WaitGone(pid_t pid, milliseconds grace) {
  const auto deadline = steady_clock::now() + grace;
  while (ProcessRunning(pid)) {
    if (steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

}  // namespace

StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                   milliseconds timeout) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return InternalError("pipe: " + ErrnoText(errno));
  }
  SpawnOptions options;
  options.argv = argv;
  options.output_fd = fds[1];
  StatusOr<pid_t> pid = Spawn(options);
  close(fds[1]);
  if (!pid.ok()) {
    close(fds[0]);
    return pid.status();
  }
  CommandResult result;
  const bool finished =
      ReadAll(fds[0], steady_clock::now() + timeout, &result.output);
  close(fds[0]);
  if (!finished) kill(-*pid, SIGKILL);
  const int wait_status = WaitBlocking(*pid);
  if (!finished) {
    return UnavailableError(JoinArgv(argv) + ": timed out after " +
                            std::to_string(timeout.count()) + "ms");
  }
  if (result.output.size() > kMaxCapturedOutput) {
    result.output.erase(0, result.output.size() - kMaxCapturedOutput);
  }
  result.exit_code = ExitCodeOf(wait_status);
  return result;
}

StatusOr<std::string> RunCommandOk(const std::vector<std::string>& argv,
                                   milliseconds timeout) {
  ASSIGN_OR_RETURN(CommandResult result, RunCommand(argv, timeout));
  if (result.exit_code != 0) {
    constexpr size_t kTail = 2000;
    std::string tail = result.output.size() > kTail
                           ? result.output.substr(result.output.size() - kTail)
                           : result.output;
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    return InternalError(JoinArgv(argv) + ": exit code " +
                         std::to_string(result.exit_code) + ": " + tail);
  }
  return std::move(result.output);
}

StatusOr<pid_t> SpawnDaemon(const std::vector<std::string>& argv,
                            const std::string& log_path) {
  const int log_fd =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return InternalError("cannot open " + log_path + ": " + ErrnoText(errno));
  }
  SpawnOptions options;
  options.argv = argv;
  options.output_fd = log_fd;
  StatusOr<pid_t> pid = Spawn(options);
  close(log_fd);
  return pid;
}

bool ProcessRunning(pid_t pid, int* wait_status) {
  if (pid <= 0) return false;
  int status = 0;
  const pid_t reaped = waitpid(pid, &status, WNOHANG);
  if (reaped == pid) {
    if (wait_status != nullptr) *wait_status = status;
    return false;
  }
  if (reaped == 0) return true;  // our child, still running
  // Not our child (ECHILD): ask the kernel and /proc.
  if (kill(pid, 0) != 0 && errno == ESRCH) return false;
  return !IsZombie(pid);
}

bool StopProcess(pid_t pid, milliseconds grace) {
  if (!ProcessRunning(pid)) return true;
  Signal(pid, SIGTERM);
  if (WaitGone(pid, grace)) return true;
  Signal(pid, SIGKILL);
  return WaitGone(pid, grace);
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) {
    return "killed by signal " + std::to_string(WTERMSIG(wait_status));
  }
  return "stopped (wait status " + std::to_string(wait_status) + ")";
}

}  // namespace kiln
