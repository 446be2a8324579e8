// LaunchDetached: starts a program the way the process driver runs
// kiln-agent: detached from the caller (double fork + setsid, so it
// outlives kilnd and is never kilnd's child), watched by a small "shim"
// process (as containerd-shim) that records the program's identity and,
// later, its exit status in the work directory (shim_records.h).
//
//   caller ── fork ── A: setsid, fork, _exit            (reaped at once)
//                       └─ shim: unshare(PID), fork, write pid.json,
//                           │    wait, write exit.json, _exit
//                           └─ agent (pid 1 of a new PID namespace):
//                                joins the cgroups, unshares mount/UTS/IPC,
//                                sets the hostname, makes / private
//                                recursively, mounts a fresh /proc, stdin
//                                /dev/null, stdout+stderr appended to
//                                output_path, every other fd closed,
//                                its own process group, chdir work_dir,
//                                execve.
//
// Between fork and exec the children only make async-signal-safe calls on
// data prepared beforehand, so this is safe to call from a multi-threaded
// process. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/vm/shim_records.h"

namespace kiln {

struct DetachedLaunchSpec {
  std::vector<std::string> argv;  // argv[0] is the program's path
  std::vector<std::string> env;   // "KEY=value", the whole environment
  std::string work_dir;           // cwd; pid.json and exit.json go here
  std::string hostname;           // of the new UTS namespace
  std::string output_path;        // stdout + stderr, appended
  // cgroup.procs files the agent writes itself into before exec.
  std::vector<std::string> cgroup_procs_files;
};

// Starts `spec` and returns once the agent has exec'd (or failed to) and
// pid.json is written. Returns the identities recorded in pid.json.
// Internal naming the failing step ("join cgroup /sys/...: Permission
// denied", "exec /x: No such file or directory") when the agent could not be
// started; the shim then records an exit with code 127.
// Unavailable when the launch did not finish within 30 s.
StatusOr<ShimPidRecord> LaunchDetached(const DetachedLaunchSpec& spec);

}  // namespace kiln
