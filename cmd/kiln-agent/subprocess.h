// Child processes for kiln-agent, started by Spawn (controller/base/
// spawn.h): each runs in its own process group with stdin from /dev/null,
// default signal dispositions and stdout+stderr merged into one pipe, so the
// agent can stream the output line by line and stop the whole tree (buildah
// and everything it forked) with one kill(-pgid).
//
// Thread-compatible: one thread drives a Subprocess.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api_types/status.h"

namespace kiln {

class Subprocess {
 public:
  // Starts argv[0] (PATH lookup) with the agent's environment plus `env`
  // (which overrides). InvalidArgument for an empty argv; Internal when it
  // cannot be started (e.g. not found).
  static StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::vector<std::string>& argv,
      const std::map<std::string, std::string>& env = {});

  // Kills the process group (SIGKILL) and reaps the child if Wait() or
  // Terminate() was not called.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Longest line PumpLines holds: longer ones reach on_line in pieces of
  // (at least) this size.
  static constexpr size_t kMaxLineBytes = 1 << 20;

  enum class PumpEnd { kEof, kCancelled };
  // Calls `on_line` with each output line (without its '\n', '\r' trimmed)
  // as soon as it is complete, until the output ends (kEof; a last line
  // without '\n' is delivered too) or `cancel_fd` (ignored when < 0)
  // becomes readable (kCancelled; the child keeps running). Keeps no
  // reference to `on_line`.
  PumpEnd PumpLines(const std::function<void(const std::string&)>& on_line,
                    int cancel_fd = -1);

  // Waits for the child to exit. Returns its exit code, or 128 + signal
  // number when a signal ended it (the shell convention).
  int Wait();

  // Sends SIGTERM to the process group, waits up to `grace` for the child,
  // then SIGKILLs the group (stragglers included) and reaps the child.
  // Returns what Wait() would.
  int Terminate(std::chrono::milliseconds grace);

  pid_t pid() const { return pid_; }

 private:
  Subprocess(pid_t pid, int out_fd) : pid_(pid), out_fd_(out_fd) {}
  // Reaps without blocking; true once the child is reaped.
  bool TryReap();

  const pid_t pid_;
  int out_fd_;
  bool reaped_ = false;
  int exit_code_ = -1;
  std::string partial_;  // bytes after the last '\n' seen
};

struct CommandOutput {
  int exit_code = -1;  // as Subprocess::Wait()
  std::string output;  // stdout and stderr, merged
};

// Runs argv to completion and returns its merged output. Internal when it
// cannot be started. Meant for short commands (tar --list, buildah inspect).
StatusOr<CommandOutput> RunCommand(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& env = {});

}  // namespace kiln
