#include "cmd/kiln-agent/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace kiln {
namespace {

// environ with `overrides` replacing or adding entries.
std::vector<std::string> MergedEnvironment(
    const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('='));
    if (overrides.count(key) == 0) env.push_back(std::move(entry));
  }
  for (const auto& [key, value] : overrides) env.push_back(key + "=" + value);
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

// Spawn attributes: a new process group, default dispositions and an
// empty mask for the signals the agent handles or ignores.
Status InitAttributes(posix_spawnattr_t* attr) {
  if (posix_spawnattr_init(attr) != 0) {
    return InternalError("posix_spawnattr_init failed");
  }
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGPIPE);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(attr, &defaults);
  posix_spawnattr_setsigmask(attr, &empty);
  posix_spawnattr_setpgroup(attr, 0);
  posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                     POSIX_SPAWN_SETSIGMASK);
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& env) {
  if (argv.empty()) return InvalidArgumentError("subprocess: empty argv");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return InternalError(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  Status attr_status = InitAttributes(&attr);
  if (!attr_status.ok()) {
    posix_spawn_file_actions_destroy(&actions);
    close(fds[0]);
    close(fds[1]);
    return attr_status;
  }
  std::vector<std::string> args = argv;
  std::vector<std::string> environment = MergedEnvironment(env);
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(environment);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, c_args[0], &actions, &attr, c_args.data(),
                              c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return InternalError("cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  return std::unique_ptr<Subprocess>(new Subprocess(pid, fds[0]));
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
