// ProcessDriver: the `process` VM driver. A "VM" is kiln-agent running as a
// detached process tree (detached_launch.h) in its own PID, mount, UTS, IPC
// and network namespaces, inside a cgroup with the VM's cpu, memory and pids
// limits (cgroup_host.h), with all its state in one work directory. Its
// network reaches only the registry (and the registry's token service, when
// set), through a relay (sandbox_network.h);
// it sees a minimal private /dev and gets a scrubbed environment (PATH,
// HOME and TMPDIR inside the work directory, KILN_VM_NAME). What this
// sandbox does not promise: docs/security.md "process driver sandbox".
//
//   STATE_DIR/<name>/vm.json        owner, limits, cgroup (vm_record.h)
//                    job.json       the AgentJob (agent_contract.h)
//                    pid.json       agent + shim identities (shim_records.h)
//                    exit.json      the agent's exit status, once reaped
//                    agent.stderr   the agent's and the relay's output
//                    hosts          the builder's /etc/hosts
//                    dev/           staging for its private /dev
//                    scratch.img    its scratch disk
//                    agent/         the agent's directory (agent_dir.h):
//                                   its job, HOME, TMPDIR, storage,
//                                   progress.json and result.json
//
// With `user_namespace`, the agent, buildah and every RUN step are root of
// a user namespace whose ids are unprivileged host ids; they own the agent
// directory, their build log and scratch disk, and nothing else. In every
// mode the builder's view of `hidden_dir` (kilnd's data dir) is empty but
// for its agent directory.
//
// Nothing lives in memory: a new ProcessDriver on the same state_dir (after
// kilnd was killed and restarted) finds, inspects and deletes the VMs an
// earlier one started. A process is recognised by pid + start time, so a
// reused pid is never taken for the agent.
//
// Thread-safe: operations on one name are serialized by a per-name lock;
// operations on different names run in parallel.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/base/clock.h"
#include "controller/vm/cgroup_host.h"
#include "controller/vm/detached_launch.h"
#include "controller/vm/keyed_mutex.h"
#include "controller/vm/loop_device.h"
#include "controller/vm/proc_identity.h"
#include "controller/vm/registry_relay.h"
#include "controller/vm/vm_driver.h"
#include "controller/vm/vm_record.h"

namespace kiln {

class ProcessDriver final : public VmDriver {
 public:
  struct Options {
    std::string state_dir;   // DATA_DIR/vms; created if missing
    std::string agent_path;  // the kiln-agent binary
    // VM cgroups are created as <cgroup_parent>/<name> (cgroup_host.h).
    std::string cgroup_parent = "kiln";
    // pids.max of each VM's cgroup (<= 0: no limit).
    int64_t pids_max = 1024;
    // false: builders share the host's network (no relay). Unsafe: a RUN
    // step then reaches everything the host reaches; for hosts that cannot
    // create network namespaces, chosen explicitly by the operator.
    bool network_sandbox = true;
    // Bounds of each VM's registry relay.
    RelayLimits relay_limits;
    // The port of the registry's token service on the registry's host; 0 =
    // none. When set, each builder also reaches that port, on the registry's
    // address, through the same relay (sandbox_network.h).
    int registry_token_port = 0;
    // Size of each VM's scratch disk, which holds the build's storage (image
    // layers, containers): a sparse file in the VM's directory with its own
    // ext4, loop-mounted in the builder's mount namespace only, so a build
    // can fill its scratch disk but not the file system of kiln.db.
    // 0: no scratch disk; build storage goes to the data dir, unbounded.
    int64_t scratch_mib = 10240;
    // The host ids builders run as (user_namespace.h); nullopt: as the
    // host's root (for hosts without user namespaces, chosen explicitly).
    std::optional<IdRange> user_namespace = IdRange{1000000000, 65536};
    // false: where builders cannot have `user_namespace` (the host refuses
    // it, or a directory above hidden_dir or the agent does not let other
    // users through), New logs a warning and they run as the host's root.
    bool user_namespace_required = true;
    // Covered in each builder's view except its agent directory (kilnd's
    // data dir); empty = state_dir. state_dir must lie below it.
    std::string hidden_dir;
    // Where to log; nullptr = spdlog's default logger.
    std::shared_ptr<spdlog::logger> logger;
  };

  // Named New, not Create, so it is not confused with VmDriver::Create.
  // InvalidArgument when agent_path is not an executable file or
  // registry_token_port is not 0..65535; Internal when state_dir cannot be
  // created; FailedPrecondition when network_sandbox is set and this host
  // refuses network namespaces, or scratch_mib > 0 and it has no loop
  // devices (/dev/loop-control), or user_namespace is set and required and
  // this host cannot create one with that mapping, or a builder could not
  // reach state_dir or the agent through the directories above them. Never
  // fails for lack of cgroups: then it logs one warning and VMs run without
  // enforced limits. Keeps a reference to `clock` (timestamps and deadlines),
  // which must outlive the driver.
  static StatusOr<std::unique_ptr<ProcessDriver>> New(Options options,
                                                      Clock& clock);

  std::string name() const override { return "process"; }
  // InvalidArgument when `name` is not a DNS label (it becomes a directory
  // name and the VM's hostname) or the job's registry is not an address the
  // network sandbox supports (sandbox_network.h) or its port is
  // registry_token_port; Unavailable when its host
  // name does not resolve. An existing VM of that name: OK, nothing
  // changes. Internal/ResourcesExhausted/Unavailable when it cannot start.
  Status Create(const std::string& name, const VmSpec& spec) override;
  // kRunning while the agent process lives; kExited with result and/or
  // exit_reason ("killed by signal 9 (SIGKILL)", "exited with code 1
  // without a result", "out of memory (cgroup OOM kill)"). oom_killed is
  // set whenever the VM's cgroup recorded an OOM kill (the agent's or a
  // build step's). NotFound when there is no such VM.
  StatusOr<VmInfo> Inspect(const std::string& name) override;
  // SIGTERM to the agent's process group, up to `grace` to exit, then
  // SIGKILL to everything in its cgroup; then removes the cgroup and the
  // work directory (except AgentJob::log_path, should it lie inside).
  // OK when absent. Unavailable when processes survive SIGKILL (the VM is
  // left in place so a retry can finish).
  Status Delete(const std::string& name,
                std::chrono::milliseconds grace) override;
  // Every VM in state_dir, sorted by name; entries that are not VMs (stray
  // files, unreadable records) are skipped.
  StatusOr<std::vector<VmInfo>> List() override;

  // The cgroup placement found at start-up.
  const CgroupHost& cgroups() const { return cgroups_; }
  // The host ids builders run as; nullopt: the host's root.
  const std::optional<IdRange>& user_namespace() const {
    return options_.user_namespace;
  }
  // STATE_DIR/<name>.
  std::string WorkDir(const std::string& name) const;
  // STATE_DIR/<name>/agent: what the agent reads and writes (agent_dir.h).
  std::string AgentDir(const std::string& name) const;

 private:
  ProcessDriver(Options options, Clock& clock, CgroupHost cgroups,
                std::shared_ptr<spdlog::logger> logger);

  // REQUIRES (all *Locked): the name's KeyedMutex lock is held.
  StatusOr<VmInfo> InspectLocked(const std::string& name);
  Status StartLocked(const std::string& name, const VmSpec& spec);
  // A fresh scratch disk image in `dir` (options_.scratch_mib), attached
  // to a loop device.
  StatusOr<std::unique_ptr<LoopDevice>> MakeScratchDisk(const std::string& dir);
  // The launch of VM `name` in `dir`: argv, environment, sandbox.
  StatusOr<DetachedLaunchSpec> LaunchSpec(const std::string& name,
                                          const std::string& dir,
                                          const VmSpec& spec,
                                          const VmCgroup& cgroup);
  Status DeleteLocked(const std::string& name, std::chrono::milliseconds grace);
  // SIGTERM, `grace`, SIGKILL to the cgroup; then waits for the shim.
  // Unavailable when processes survive SIGKILL.
  Status StopLocked(const std::string& name, const VmCgroup& cgroup,
                    const ProcessIdentity& agent, const ProcessIdentity& shim,
                    std::chrono::milliseconds grace);
  // Polls `done` until it holds or `timeout` passes; returns done().
  template <typename Pred>
  bool WaitFor(std::chrono::milliseconds timeout, Pred done);

  // Const after construction.
  const Options options_;
  Clock& clock_;
  const CgroupHost cgroups_;
  const std::shared_ptr<spdlog::logger> logger_;

  // Self-synchronized.
  KeyedMutex name_locks_;
};

}  // namespace kiln
