// VmCgroup: the cgroup(s) one process-driver VM runs in, as recorded in the
// VM's vm.json so that a restarted kilnd (possibly itself in a different
// cgroup) finds them again. Created by CgroupHost (cgroup_host.h).
//
// cgroup v1 keeps one directory per controller ("cpu", "memory"); v2 has a
// single directory. kNone means limits are not enforced on this host.
//
// Value type plus free functions on it; the functions touch only the
// recorded directories and are thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"

namespace kiln {

enum class CgroupVersion { kNone, kV1, kV2 };

// "none" | "v1" | "v2".
std::string CgroupVersionName(CgroupVersion version);

struct VmCgroup {
  CgroupVersion version = CgroupVersion::kNone;
  // Absolute directories the agent joins (v1: one per controller; v2: one).
  std::vector<std::string> dirs;
  // The directory holding the memory controller's files ("" when none).
  std::string memory_dir;
  friend bool operator==(const VmCgroup&, const VmCgroup&) = default;
};

nlohmann::json VmCgroupToJson(const VmCgroup& cgroup);
StatusOr<VmCgroup> VmCgroupFromJson(const nlohmann::json& j);

// The cgroup.procs files a process writes itself into to join `cgroup`.
std::vector<std::string> CgroupProcsFiles(const VmCgroup& cgroup);

// Host pids of every process in `cgroup` (union over its directories).
// Missing directories read as empty.
std::vector<pid_t> CgroupPids(const VmCgroup& cgroup);

// How many times the kernel's OOM killer killed a process in `cgroup`
// (v1 memory.oom_control "oom_kill", v2 memory.events "oom_kill");
// nullopt when the host does not say.
std::optional<int64_t> CgroupOomKills(const VmCgroup& cgroup);

// SIGKILLs every process in `cgroup` (v2 cgroup.kill when available).
// Best effort: processes may appear or vanish while it runs.
void KillCgroup(const VmCgroup& cgroup);

// Removes the cgroup directories. OK when already gone; Unavailable
// (EBUSY) while processes remain in them.
Status RemoveCgroup(const VmCgroup& cgroup);

}  // namespace kiln
