// LaunchDetached: starts a program the way the process driver runs
// kiln-agent: detached from the caller (double fork + setsid, so it
// outlives kilnd and is never kilnd's child), watched by a small "shim"
// process (as containerd-shim) that records the program's identity and,
// later, its exit status in the work directory (shim_records.h).
//
//   caller ── fork ── A: setsid, fork, _exit            (reaped at once)
//                       └─ shim: unshare(PID), fork, write pid.json,
//                           │    wait, write exit.json, _exit
//                           ├─ relay (only with `network`; forked before
//                           │    the PID namespace, so the agent cannot see
//                           │    it): back in the host's network namespace,
//                           │    joins the cgroups, dies with the shim
//                           │    (PR_SET_PDEATHSIG), runs RunRegistryRelay
//                           │    on the listeners (registry_relay.h)
//                           └─ agent (pid 1 of a new PID namespace):
//                                joins the cgroups, unshares mount/UTS/IPC,
//                                sets the hostname, makes / private
//                                recursively, mounts the scratch disk,
//                                the private /dev and /etc/hosts
//                                (sandbox_mounts.h), a fresh
//                                /proc, stdin /dev/null, stdout+stderr
//                                appended to output_path, every other fd
//                                closed, its own process group, chdir
//                                work_dir, execve.
//
// With `network`, the shim first moves into a new network namespace with
// only `lo` and listeners on the registry's address (the registry's port
// and, when set, its token service's; sandbox_network.h); the agent is
// forked from there.
//
// Between fork and exec the children only make async-signal-safe calls on
// data prepared beforehand, so this is safe to call from a multi-threaded
// process. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/vm/sandbox_mounts.h"
#include "controller/vm/sandbox_network.h"
#include "controller/vm/shim_records.h"

namespace kiln {

struct DetachedLaunchSpec {
  std::vector<std::string> argv;  // argv[0] is the program's path
  std::vector<std::string> env;   // "KEY=value", the whole environment
  std::string work_dir;           // cwd; pid.json and exit.json go here
  std::string hostname;           // of the new UTS namespace
  std::string output_path;        // stdout + stderr, appended
  // cgroup.procs files the agent (and the relay) write themselves into.
  std::vector<std::string> cgroup_procs_files;
  // The builder's network: nullopt = the host's (no sandbox).
  std::optional<SandboxNetwork> network;
  // Bound read-only over /etc/hosts when not empty.
  std::string hosts_file;
  // A private /dev (sandbox_mounts.h) when set.
  std::optional<PrivateDevPlan> private_dev;
  // When set: the ext4 on this block device (a LoopDevice the caller holds
  // until LaunchDetached returns) is mounted at `scratch_mount` (nosuid,
  // nodev) in the agent's mount namespace only.
  std::string scratch_device;
  std::string scratch_mount;
};

// Starts `spec` and returns once the agent has exec'd (or failed to) and
// pid.json is written. Returns the identities recorded in pid.json.
// Internal naming the failing step ("join cgroup /sys/...: Permission
// denied", "exec /x: No such file or directory") when the agent could not be
// started; the shim then records an exit with code 127.
// Unavailable when the launch did not finish within 30 s.
StatusOr<ShimPidRecord> LaunchDetached(const DetachedLaunchSpec& spec);

}  // namespace kiln
