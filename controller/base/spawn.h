// Spawn: the one place Kiln starts a child process with posix_spawnp.
//
// posix_spawnp, never fork: kilnd and kiln-agent have threads, and a forked
// child of a threaded process may only call async-signal-safe functions.
// Every child starts the same way:
//   - in a new process group whose id is its pid, so a Ctrl-C aimed at the
//     parent does not reach it and kill(-pid, ...) stops it with everything
//     it forked;
//   - with an empty signal mask and every signal at its default disposition
//     (the parent's SIG_IGN for SIGPIPE, say, is not inherited);
//   - with stdin from /dev/null;
//   - with stdout and stderr on `output_fd` when one is given (inherited
//     otherwise), and no other descriptor of the parent's (all from 3 on
//     are closed, close-on-exec or not);
//   - with the parent's environment plus `env`.
// RunCommand/SpawnDaemon (subprocess.h) and kiln-agent's streaming
// Subprocess build on it.
//
// Thread-safe.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "api_types/status.h"

namespace kiln {

struct SpawnOptions {
  // The command; argv[0] is looked up in PATH. Required.
  std::vector<std::string> argv;
  // Variables set in the child on top of this process's environment
  // (replacing those with the same name).
  std::map<std::string, std::string> env;
  // The child's stdout and stderr, or -1 to inherit this process's. The
  // caller keeps ownership; it may close it once Spawn returns.
  int output_fd = -1;
};

// Starts `options.argv` as described above and returns its pid. The caller
// owns the child: it must reap it (waitpid).
// InvalidArgument for an empty argv; Internal naming the command when it
// cannot be started (not found, not executable, out of resources).
StatusOr<pid_t> Spawn(const SpawnOptions& options);

// The exit code of a waitpid status: the exit status, or 128 + the signal
// number when a signal ended it (the shell convention); -1 otherwise.
int ExitCodeOf(int wait_status);

}  // namespace kiln
