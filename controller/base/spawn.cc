#include "controller/base/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

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

// NULL-terminated pointers into `strings` (which must outlive them).
std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// posix_spawn attributes and file actions, released on scope exit.
class SpawnSetup {
 public:
  SpawnSetup() {
    attr_ok_ = posix_spawnattr_init(&attr_) == 0;
    actions_ok_ = posix_spawn_file_actions_init(&actions_) == 0;
  }
  ~SpawnSetup() {
    if (actions_ok_) posix_spawn_file_actions_destroy(&actions_);
    if (attr_ok_) posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // Sets up what the header promises. Returns the first error number.
  int Configure(int output_fd) {
    if (!attr_ok_ || !actions_ok_) return ENOMEM;
    sigset_t empty;
    sigemptyset(&empty);
    sigset_t defaults;
    sigfillset(&defaults);
    sigdelset(&defaults, SIGKILL);
    sigdelset(&defaults, SIGSTOP);
    int err = posix_spawnattr_setsigmask(&attr_, &empty);
    if (err == 0) err = posix_spawnattr_setsigdefault(&attr_, &defaults);
    if (err == 0) err = posix_spawnattr_setpgroup(&attr_, 0);
    if (err == 0) {
      err = posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGMASK |
                                                 POSIX_SPAWN_SETSIGDEF |
                                                 POSIX_SPAWN_SETPGROUP);
    }
    if (err == 0) {
      err = posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO,
                                             "/dev/null", O_RDONLY, 0);
    }
    if (err == 0 && output_fd >= 0) {
      err =
          posix_spawn_file_actions_adddup2(&actions_, output_fd, STDOUT_FILENO);
      if (err == 0) {
        err = posix_spawn_file_actions_adddup2(&actions_, output_fd,
                                               STDERR_FILENO);
      }
    }
    // Nothing else: a listening socket of the parent's left open in a
    // long-lived child (the supervised registry outlives a crashed kilnd)
    // would keep its port bound after the parent is gone.
    if (err == 0) err = posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
    return err;
  }

  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
  bool attr_ok_ = false;
  bool actions_ok_ = false;
};

}  // namespace

StatusOr<pid_t> Spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return InvalidArgumentError("empty command");
  const std::string& name = options.argv[0];
  SpawnSetup setup;
  if (const int err = setup.Configure(options.output_fd); err != 0) {
    return InternalError("cannot set up the start of " + name + ": " +
                         std::strerror(err));
  }
  std::vector<std::string> args = options.argv;
  std::vector<std::string> environment = MergedEnvironment(options.env);
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(environment);
  pid_t pid = -1;
  const int err = posix_spawnp(&pid, c_args[0], setup.actions(), setup.attr(),
                               c_args.data(), c_env.data());
  if (err != 0) {
    return InternalError("cannot start " + name + ": " + std::strerror(err));
  }
  return pid;
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

}  // namespace kiln
