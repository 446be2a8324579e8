// LaunchDetached: starts a program the way the process driver runs
// kiln-agent: detached from the caller (double fork + setsid, so it
// outlives kilnd and is never kilnd's child), watched by a small "shim"
// process (as containerd-shim) that records the program's identity and,
// later, its exit status in the work directory (shim_records.h).
//
//   caller ── fork ── A: setsid, fork, _exit            (reaped at once)
//                       └─ shim: [network], opens the work dir, stdio;
//                           │    new mount namespace: the builder's view
//                           │    (sandbox_mounts.h); clone agent, write
//                           │    its id maps, put it in the cgroups, let
//                           │    it go; write pid.json, wait, write
//                           │    exit.json, _exit
//                           ├─ relay (only with `network`; forked before
//                           │    the agent's PID namespace exists, so the
//                           │    agent cannot see it): back in the host's
//                           │    network namespace, joins the cgroups, dies
//                           │    with the shim (PR_SET_PDEATHSIG), runs
//                           │    RunRegistryRelay on the listeners
//                           └─ agent: cloned into new PID (pid 1), mount,
//                                UTS and IPC namespaces, all owned by a new
//                                user namespace when `user_namespace` is
//                                set; waits for the shim, becomes root of
//                                its user namespace, sets the hostname,
//                                stdin /dev/null, stdout+stderr appended to
//                                output_path, every other fd closed, its
//                                own process group, a fresh /proc, chdir
//                                agent_dir, execve.
//
// The builder's view (made by the shim as the host's root, so it can mount
// ext4 and bind host files; the agent's mount namespace is a copy): the
// scratch disk on `scratch_mount` (given to the namespace's root), `binds`,
// /etc/hosts, the private /dev, and `hidden_dir` covered by an empty tmpfs
// except `agent_dir`. The shim keeps descriptors of what it writes (the
// work dir, output_path), so that view may hide them.
//
// With `network`, the shim first moves into a new network namespace with
// only `lo` and listeners on the registry's address (the registry's port
// and, when set, its token service's; sandbox_network.h); the agent is
// cloned from there.
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
#include "controller/vm/user_namespace.h"

namespace kiln {

struct DetachedLaunchSpec {
  std::vector<std::string> argv;  // argv[0] is the program's path
  std::vector<std::string> env;   // "KEY=value", the whole environment
  std::string work_dir;           // pid.json and exit.json go here
  std::string agent_dir;          // the agent's cwd; empty = work_dir
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
  // Bound into the builder's view (e.g. the build log into agent_dir).
  std::vector<BindPlan> binds;
  // When set: covered with an empty tmpfs in the builder's view, except
  // agent_dir, which must lie below it.
  std::string hidden_dir;
  // When set: the agent runs as root of a new user namespace mapping these
  // host ids (user_namespace.h); it then owns nothing of the host's but
  // what the caller gave those ids (its agent_dir, its files).
  std::optional<IdRange> user_namespace;
};

// Starts `spec` and returns once the agent has exec'd (or failed to) and
// pid.json is written. Returns the identities recorded in pid.json.
// InvalidArgument when agent_dir is not below hidden_dir or the id range is
// unusable. Internal naming the failing step ("join cgroup /sys/...: Permission
// denied", "exec /x: No such file or directory") when the agent could not be
// started; the shim then records an exit with code 127.
// Unavailable when the launch did not finish within 30 s.
StatusOr<ShimPidRecord> LaunchDetached(const DetachedLaunchSpec& spec);

}  // namespace kiln
