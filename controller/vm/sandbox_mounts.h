// The mounts that give a process-driver builder its own view of the host
// (docs/security.md "process driver sandbox"), made by the agent process in
// its new mount namespace before it execs kiln-agent:
//
//   /dev        a fresh tmpfs holding only null, zero, full, random,
//               urandom and tty (bind mounts of the host's nodes), fd,
//               stdin, stdout, stderr and ptmx symlinks, a private devpts
//               instance at /dev/pts and a size-limited tmpfs at /dev/shm;
//               assembled in an empty staging directory, then moved over
//               /dev in one step. No disks, no /dev/mem, no consoles.
//   /etc/hosts  the VM's hosts file (sandbox_network.h HostsFile), read-only.
//
// Plan* run before fork and allocate; Mount* run after fork and are
// async-signal-safe (system calls on the planned strings only).
// Thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace kiln {

struct PrivateDevPlan {
  std::string staging;  // an empty directory
  // (host node, file in staging) pairs to bind.
  std::vector<std::pair<std::string, std::string>> nodes;
  // (link target, link path in staging) pairs.
  std::vector<std::pair<std::string, std::string>> links;
  std::string pts, shm;  // directories in staging
};

// The device nodes a builder gets, by name under /dev.
const std::vector<std::string>& PrivateDevNodes();

PrivateDevPlan PlanPrivateDev(const std::string& staging);

// Builds the plan's /dev in `plan.staging` and moves it over /dev.
// REQUIRES: a private mount namespace ("/" made private). 0, or -1 with
// errno set and *step naming what failed.
int MountPrivateDev(const PrivateDevPlan& plan, const char** step);

// Binds `hosts_file` over /etc/hosts, read-only. Same contract.
int MountHostsFile(const char* hosts_file, const char** step);

}  // namespace kiln
