// CgroupHost: finds the cgroup hierarchy this host offers and where this
// process may create cgroups, then creates one cgroup with cpu/memory limits
// per VM (vm_cgroup.h).
//
// Detection (once, at driver start-up) reads /proc/self/mountinfo and
// /proc/self/cgroup. A unified (v2) hierarchy is used when it offers the
// memory controller (and cpu, and pids when offered); otherwise the v1
// "memory", "cpu" and "pids" hierarchies. For
// each, VM cgroups go under "<parent_name>/" below this process's own cgroup
// when that is writable (a delegated subtree), else below the hierarchy's
// root. When nothing is writable, version() is kNone and Create returns a
// VmCgroup that enforces nothing; reason() says why.
//
// Thread-safe: immutable after Detect.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/vm/vm_cgroup.h"

namespace kiln {

// One cgroup mount from /proc/self/mountinfo.
struct CgroupMount {
  std::string mount_point;
  std::string root;  // the hierarchy path mounted there, usually "/"
  bool unified = false;
  std::vector<std::string> controllers;  // v1 only, from the super options
};

// One line of /proc/<pid>/cgroup ("4:memory:/a/b"; v2 is "0::/a").
struct ProcCgroup {
  std::vector<std::string> controllers;  // empty for v2 (and name=...)
  std::string path;
};

std::vector<CgroupMount> ParseCgroupMounts(const std::string& mountinfo);
std::vector<ProcCgroup> ParseProcCgroup(const std::string& text);

struct CgroupLimits {
  int64_t cpus = 1;          // <= 0: no cpu limit
  int64_t memory_mib = 512;  // <= 0: no memory limit
  int64_t pids_max = 0;      // <= 0: no pids limit
};

class CgroupHost {
 public:
  // Detects the hierarchy and creates the `parent_name` directory under the
  // first writable place. Never fails; see version()/reason().
  static CgroupHost Detect(const std::string& parent_name);

  CgroupVersion version() const { return version_; }
  // Non-empty when some or all limits cannot be enforced; says why.
  const std::string& reason() const { return reason_; }
  // Where VM cgroups are created: controller ("cpu", "memory"; "" for v2)
  // -> absolute directory.
  const std::map<std::string, std::string>& parents() const { return parents_; }

  // Creates the cgroup of VM `name` with `limits` (pids_max only where the
  // pids controller was found; reason() says when not). With version() kNone,
  // returns a VmCgroup enforcing nothing. Internal when a directory or a
  // limit cannot be written (nothing is left behind).
  StatusOr<VmCgroup> Create(const std::string& name,
                            const CgroupLimits& limits) const;

 private:
  CgroupHost() = default;
  void DetectV1(const std::vector<CgroupMount>& mounts,
                const std::vector<ProcCgroup>& own,
                const std::string& parent_name);
  bool DetectV2(const std::vector<CgroupMount>& mounts,
                const std::vector<ProcCgroup>& own,
                const std::string& parent_name);

  CgroupVersion version_ = CgroupVersion::kNone;
  std::string reason_;
  std::map<std::string, std::string> parents_;
  bool v2_pids_ = false;  // v2: the pids controller is enabled below parents_
};

}  // namespace kiln
