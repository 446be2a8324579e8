// What a chaos run's builders left on the host: VM work dirs under
// DATA_DIR/vms, builder processes (agents, their shims, anything in a VM's
// cgroup) and the number of build attempts in a build log. Reads /proc and
// the data dir only. Plain functions: thread-compatible.
#pragma once

#include <sys/types.h>

#include <set>
#include <string>
#include <vector>

namespace kiln::chaos {

// The VM name kilnd derives from a Build uid: "kiln-" + the uid without
// dashes, lower case (controller/vm/vm_driver.h VmNameForBuild).
std::string VmNameFor(const std::string& uid);

// Names of the directories in `data_dir`/vms.
std::vector<std::string> VmDirs(const std::string& data_dir);

struct BuilderProcess {
  pid_t pid = 0;
  std::string vm;    // the VM it belongs to; "" when unknown
  std::string what;  // "agent", "shim", "cgroup member"
};

// Builder processes of this data dir: processes running with
// "--work-dir DATA_DIR/vms/NAME/agent", kiln-shim processes forked by this data
// dir's kilnd (mapped to their VM through its pid.json), and processes in the
// cgroup of one of `vm_names`.
std::vector<BuilderProcess> BuilderProcesses(
    const std::string& data_dir, const std::set<std::string>& vm_names);

// How many times a builder started on this log: lines starting with
// "STEP 1/" (buildah's, through kiln-agent; kiln-agent's own lines that
// name the step, e.g. on a cancel, start with "kiln-agent:") or with
// "started pid " (the stand-in agent), whichever is more.
int Attempts(const std::string& log);

}  // namespace kiln::chaos
