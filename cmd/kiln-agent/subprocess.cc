#include "cmd/kiln-agent/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "controller/base/spawn.h"

namespace kiln {

StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& env) {
  if (argv.empty()) return InvalidArgumentError("subprocess: empty argv");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return InternalError(std::string("pipe: ") + std::strerror(errno));
  }
  StatusOr<pid_t> pid = Spawn({.argv = argv, .env = env, .output_fd = fds[1]});
  close(fds[1]);
  if (!pid.ok()) {
    close(fds[0]);
    return pid.status();
  }
  return std::unique_ptr<Subprocess>(new Subprocess(*pid, fds[0]));
}

Subprocess::~Subprocess() {
  if (!reaped_) {
    kill(-pid_, SIGKILL);
    Wait();
  }
  if (out_fd_ >= 0) close(out_fd_);
}

Subprocess::PumpEnd Subprocess::PumpLines(
    const std::function<void(const std::string&)>& on_line, int cancel_fd) {
  char buf[8192];
  while (out_fd_ >= 0) {
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {cancel_fd, POLLIN, 0}};
    const int n = poll(fds, cancel_fd >= 0 ? 2 : 1, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (cancel_fd >= 0 && (fds[1].revents & POLLIN) != 0) {
      return PumpEnd::kCancelled;
    }
    const ssize_t got = read(out_fd_, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    partial_.append(buf, static_cast<size_t>(got));
    size_t start = 0;
    for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos;
         start = nl + 1) {
      std::string line = partial_.substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      on_line(line);
    }
    partial_.erase(0, start);
    // A line longer than the bound (a hostile archive's name, a runaway
    // RUN step) is delivered in pieces rather than held whole.
    if (partial_.size() >= kMaxLineBytes) {
      on_line(partial_);
      partial_.clear();
    }
  }
  if (!partial_.empty()) on_line(partial_);
  partial_.clear();
  if (out_fd_ >= 0) close(out_fd_);
  out_fd_ = -1;
  return PumpEnd::kEof;
}

bool Subprocess::TryReap() {
  if (reaped_) return true;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    reaped_ = true;
    exit_code_ = r == pid_ ? ExitCodeOf(status) : -1;
  }
  return reaped_;
}

int Subprocess::Wait() {
  while (!reaped_) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, 0);
    if (r < 0 && errno == EINTR) continue;
    reaped_ = true;
    exit_code_ = r == pid_ ? ExitCodeOf(status) : -1;
  }
  return exit_code_;
}

int Subprocess::Terminate(std::chrono::milliseconds grace) {
  kill(-pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (!TryReap() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Also after a clean exit of the leader: children it left behind in the
  // group are stopped too (ESRCH when there are none).
  kill(-pid_, SIGKILL);
  return Wait();
}

StatusOr<CommandOutput> RunCommand(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& env) {
  ASSIGN_OR_RETURN(std::unique_ptr<Subprocess> child,
                   Subprocess::Start(argv, env));
  CommandOutput out;
  child->PumpLines([&out](const std::string& line) {
    out.output += line;
    out.output += '\n';
  });
  out.exit_code = child->Wait();
  return out;
}

}  // namespace kiln
