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
//   binds       single files or directories of the host bound into the
//               builder's view (the build log, the source archive).
//   hidden dir  kilnd's data dir covered with an empty tmpfs, so the store,
//               keys, other builds' logs and sources are not there; only
//               the VM's agent directory is shown again, at its own path.
//
// Plan* run before fork and allocate; Mount* run after fork and are
// async-signal-safe (system calls on the planned strings only).
// Thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api_types/status.h"

namespace kiln {

struct PrivateDevPlan {
  std::string staging;  // an empty directory
  // (host node, file in staging) pairs to bind.
  std::vector<std::pair<std::string, std::string>> nodes;
  // (link target, link path in staging) pairs.
  std::vector<std::pair<std::string, std::string>> links;
  std::string pts, shm;  // directories in staging
};

struct BindPlan {
  std::string source;  // an existing file or directory
  std::string target;  // an existing file or directory of the same kind
  bool read_only = false;
  friend bool operator==(const BindPlan&, const BindPlan&) = default;
};

struct HiddenDirPlan {
  std::string hidden;   // covered with an empty tmpfs (mode 0755)
  std::string exposed;  // a directory below `hidden`, shown again
  // The directories to create in the tmpfs, from the outermost down to
  // `exposed` itself (mode 0755), so `exposed` has a mount point.
  std::vector<std::string> mount_points;
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

// Binds each of `binds` onto its target; read-only ones are then remounted
// read-only. Same contract.
int MountBinds(const std::vector<BindPlan>& binds, const char** step);

// InvalidArgument unless `exposed` lies strictly below `hidden` (both
// absolute, normalized).
StatusOr<HiddenDirPlan> PlanHiddenDir(const std::string& hidden,
                                      const std::string& exposed);

// Covers plan.hidden with an empty tmpfs and binds `exposed_fd` (an O_PATH
// descriptor of plan.exposed, opened before, with every mount below it)
// at plan.exposed again. Same contract as MountPrivateDev.
int MountHiddenDir(const HiddenDirPlan& plan, int exposed_fd,
                   const char** step);

}  // namespace kiln
