#include "controller/vm/process_driver.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "api_types/time.h"
#include "controller/base/files.h"
#include "controller/vm/agent_contract.h"
#include "controller/vm/agent_dir.h"
#include "controller/vm/detached_launch.h"
#include "controller/vm/job_disk.h"
#include "controller/vm/loop_device.h"
#include "controller/vm/poll.h"
#include "controller/vm/proc_identity.h"
#include "controller/vm/sandbox_mounts.h"
#include "controller/vm/sandbox_network.h"
#include "controller/vm/shim_records.h"
#include "controller/vm/user_namespace.h"
#include "controller/vm/vm_state_dir.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

// The longest pause between two checks of a process or file.
constexpr std::chrono::milliseconds kMaxPollPause{50};

constexpr char kAgentOutputFile[] = "agent.stderr";
// How often Delete repeats SIGTERM during the grace period.
constexpr std::chrono::milliseconds kTermRepeat{250};
// After SIGKILL, how long processes get to disappear.
constexpr std::chrono::milliseconds kKillTimeout{10000};
// Files of an earlier, interrupted Create that a new one must not inherit
// (the agent directory is made afresh).
constexpr const char* kStaleFiles[] = {kShimPidFile, kShimExitFile};

// The agent's whole environment: nothing of kilnd's own is passed on. `dir`
// is its agent directory.
std::vector<std::string> AgentEnvironment(const std::string& name,
                                          const std::string& dir) {
  return {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "HOME=" + dir + "/home", "TMPDIR=" + dir + "/tmp",
          "KILN_VM_NAME=" + name};
}

// The registry the builder pushes to: the job's, else the image's first
// component (as kiln-agent reads it).
std::string RegistryOf(const AgentJob& job) {
  return job.registry.empty() ? job.image.substr(0, job.image.find('/'))
                              : job.registry;
}

// `path` absolute, normalized, without a trailing '/'.
std::string CleanAbsolute(const std::string& path) {
  fs::path p = fs::absolute(path).lexically_normal();
  if (!p.has_filename() && p != p.root_path()) p = p.parent_path();
  return p.string();
}

// FailedPrecondition unless every directory above `path` lets other users
// through (mode o+x): a builder in a user namespace is "other" to them.
Status CheckReachableByBuilders(const fs::path& path, const std::string& what) {
  for (fs::path p = path.parent_path(); !p.empty(); p = p.parent_path()) {
    std::error_code ec;
    const fs::perms perms = fs::status(p, ec).permissions();
    if (!ec && (perms & fs::perms::others_exec) == fs::perms::none) {
      return FailedPreconditionError(
          "process driver: " + what + " " + path.string() +
          " is unreachable for builders in a user namespace: " + p.string() +
          " does not let other users through (chmod o+x it, or run builders "
          "as the host's root with --builder-user-namespace=off)");
    }
    if (p == p.root_path()) break;
  }
  return OkStatus();
}

// Why an agent without a result exited.
std::string ExitReason(const std::optional<ShimExitRecord>& exit, bool oom) {
  if (oom && (!exit || (exit->signaled && exit->signal == SIGKILL))) {
    return "out of memory (cgroup OOM kill)";
  }
  if (!exit) return "the agent is gone and no exit status was recorded";
  if (exit->signaled) return DescribeExit(*exit);
  return DescribeExit(*exit) + " without a result";
}

// OK when builders can run in options.user_namespace: this host creates
// one with that mapping, and its ids get through the directories above
// hidden_dir and the agent. FailedPrecondition saying what to do otherwise.
Status CheckUserNamespace(const ProcessDriver::Options& options) {
  Status userns = ProbeUserNamespace(*options.user_namespace);
  if (!userns.ok()) {
    return FailedPreconditionError(
        "process driver: " + userns.message() +
        ". Run kilnd as root on a host that allows user namespaces "
        "(sysctl user.max_user_namespaces > 0), choose other ids with "
        "--builder-id-base, or run builders as the host's root with "
        "--builder-user-namespace=off");
  }
  // hidden_dir itself is covered by a tmpfs builders may enter.
  RETURN_IF_ERROR(CheckReachableByBuilders(options.hidden_dir, "the data dir"));
  return CheckReachableByBuilders(fs::absolute(options.agent_path),
                                  "the agent");
}

}  // namespace

StatusOr<std::unique_ptr<ProcessDriver>> ProcessDriver::New(Options options,
                                                            Clock& clock) {
  if (access(options.agent_path.c_str(), X_OK) != 0 ||
      fs::is_directory(options.agent_path)) {
    return InvalidArgumentError("agent_path " + options.agent_path +
                                ": not an executable file");
  }
  if (options.registry_token_port < 0 || options.registry_token_port > 65535) {
    return InvalidArgumentError("registry token service port " +
                                std::to_string(options.registry_token_port) +
                                ": expected 1..65535 (0 = none)");
  }
  std::error_code ec;
  fs::create_directories(options.state_dir, ec);
  if (ec) {
    return InternalError("cannot create " + options.state_dir + ": " +
                         ec.message());
  }
  std::shared_ptr<spdlog::logger> logger =
      options.logger ? options.logger : spdlog::default_logger();
  if (options.network_sandbox) {
    Status netns = ProbeNetworkNamespace();
    if (!netns.ok()) {
      return FailedPreconditionError(
          "process driver: " + netns.message() +
          "; builders would share the host's network. Run kilnd with "
          "CAP_SYS_ADMIN (as root), use --driver qemu, or accept the risk "
          "with --unsafe-builder-host-network");
    }
  } else {
    logger->warn(
        "process driver: builders share the host's network "
        "(--unsafe-builder-host-network): a RUN step reaches kilnd, the "
        "registry and everything the host reaches");
  }
  if (options.scratch_mib > 0 &&
      access("/dev/loop-control", R_OK | W_OK) != 0) {
    return FailedPreconditionError(
        "process driver: this host offers no loop devices "
        "(/dev/loop-control: " +
        std::string(std::strerror(errno)) +
        ") for the builders' scratch disks. Run kilnd as root on a host "
        "with the loop module, or keep build storage in the data dir, "
        "unbounded, with --builder-scratch-mib=0");
  }
  options.state_dir = CleanAbsolute(options.state_dir);
  options.hidden_dir = options.hidden_dir.empty()
                           ? options.state_dir
                           : CleanAbsolute(options.hidden_dir);
  RETURN_IF_ERROR(
      PlanHiddenDir(options.hidden_dir, options.state_dir + "/vm").status());
  if (!options.user_namespace) {
    logger->warn(
        "process driver: builders run as the host's root "
        "(--builder-user-namespace=off): a RUN step that escapes buildah's "
        "chroot can read and write the host's files");
  } else if (Status usable = CheckUserNamespace(options); !usable.ok()) {
    if (options.user_namespace_required) return usable;
    logger->warn(
        "process driver: builders run as the host's root: {} "
        "(--builder-user-namespace=auto; =on refuses to start instead)",
        usable.message());
    options.user_namespace.reset();
  }
  CgroupHost cgroups = CgroupHost::Detect(options.cgroup_parent);
  std::string where;
  for (const auto& [controller, dir] : cgroups.parents()) {
    where += " " + (controller.empty() ? "" : controller + "=") + dir;
  }
  if (cgroups.version() == CgroupVersion::kNone) {
    logger->warn(
        "process driver: cpu/memory limits NOT enforced (no writable "
        "cgroup): {}",
        cgroups.reason());
  } else {
    logger->info("process driver: VM cgroups (cgroup {}):{}",
                 CgroupVersionName(cgroups.version()), where);
    if (!cgroups.reason().empty()) {
      logger->warn("process driver: some limits not enforced: {}",
                   cgroups.reason());
    }
  }
  return std::unique_ptr<ProcessDriver>(new ProcessDriver(
      std::move(options), clock, std::move(cgroups), std::move(logger)));
}

ProcessDriver::ProcessDriver(Options options, Clock& clock, CgroupHost cgroups,
                             std::shared_ptr<spdlog::logger> logger)
    : options_(std::move(options)),
      clock_(clock),
      cgroups_(std::move(cgroups)),
      logger_(std::move(logger)) {}

std::string ProcessDriver::WorkDir(const std::string& name) const {
  return options_.state_dir + "/" + name;
}

std::string ProcessDriver::AgentDir(const std::string& name) const {
  return WorkDir(name) + "/" + kAgentDirName;
}

template <typename Pred>
bool ProcessDriver::WaitFor(std::chrono::milliseconds timeout, Pred done) {
  return PollUntil(clock_, timeout, kMaxPollPause, done);
}

Status ProcessDriver::Create(const std::string& name, const VmSpec& spec) {
  RETURN_IF_ERROR(ValidateVmName(name));
  KeyedMutex::Lock lock(name_locks_, name);
  if (fs::exists(WorkDir(name) + "/" + kVmRecordFile)) return OkStatus();
  Status status = StartLocked(name, spec);
  if (!status.ok()) {
    logger_->error("[vm {}] cannot start: {}", name, status.ToString());
    if (Status s = DeleteLocked(name, std::chrono::milliseconds(0)); !s.ok()) {
      logger_->warn("[vm {}] cleanup after failed start: {}", name,
                    s.ToString());
    }
  }
  return status;
}

Status ProcessDriver::StartLocked(const std::string& name, const VmSpec& spec) {
  const std::string dir = WorkDir(name);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return InternalError("cannot create " + dir + ": " + ec.message());
  for (const char* file : kStaleFiles) fs::remove(dir + "/" + file, ec);
  RETURN_IF_ERROR(WriteJsonFileAtomically(dir + "/" + kAgentJobFile,
                                          AgentJobToJson(spec.job)));
  // The staging directory of the builder's private /dev.
  RETURN_IF_ERROR(EnsurePrivateDirectory(dir + "/dev"));
  ASSIGN_OR_RETURN(
      VmCgroup cgroup,
      cgroups_.Create(name, {spec.cpus, spec.memory_mib, options_.pids_max}));
  VmRecord record;
  record.owner_key = spec.owner_key;
  record.owner_uid = spec.owner_uid;
  record.cpus = spec.cpus;
  record.memory_mib = spec.memory_mib;
  record.created = FormatRfc3339(
      std::chrono::floor<std::chrono::seconds>(clock_.SystemNow()));
  record.cgroup = cgroup;
  record.limits_enforced = cgroup.version != CgroupVersion::kNone;
  Status written = WriteJsonFileAtomically(dir + "/" + kVmRecordFile,
                                           VmRecordToJson(record));
  if (!written.ok()) {
    (void)RemoveCgroup(cgroup);
    return written;
  }
  if (!record.limits_enforced) {
    logger_->warn("[vm {}] limits not enforced (cpus={} memoryMiB={}): {}",
                  name, spec.cpus, spec.memory_mib, cgroups_.reason());
  }
  // On failure Create's DeleteLocked removes the cgroup (vm.json has it).
  ASSIGN_OR_RETURN(DetachedLaunchSpec launch,
                   LaunchSpec(name, dir, spec, cgroup));
  // Held until the agent has mounted it (LaunchDetached returns after the
  // exec); from then on the mount keeps the device, and the kernel
  // releases it when the builder's mount namespace goes.
  std::unique_ptr<LoopDevice> scratch;
  if (options_.scratch_mib > 0) {
    ASSIGN_OR_RETURN(scratch, MakeScratchDisk(dir));
    launch.scratch_device = scratch->path();
    launch.scratch_mount = spec.job.storage_root.empty()
                               ? launch.agent_dir + "/storage"
                               : spec.job.storage_root;
    std::error_code ec;
    fs::create_directories(launch.scratch_mount, ec);
    if (ec) {
      return InternalError("cannot create " + launch.scratch_mount + ": " +
                           ec.message());
    }
  }
  ASSIGN_OR_RETURN(ShimPidRecord pids, LaunchDetached(launch));
  logger_->info("[vm {}] started for {}: agent pid {}, shim pid {}, cgroup {}",
                name, spec.owner_key, pids.agent.pid, pids.shim.pid,
                cgroup.dirs.empty() ? "none" : cgroup.dirs.front());
  return OkStatus();
}

StatusOr<std::unique_ptr<LoopDevice>> ProcessDriver::MakeScratchDisk(
    const std::string& dir) {
  const std::string image = dir + "/" + kScratchImage;
  // A new inode, never one an earlier builder's loop device may still hold.
  std::error_code ec;
  fs::remove(image, ec);
  RETURN_IF_ERROR(MakeExt4Disk(image, options_.scratch_mib << 20,
                               kScratchDiskLabel, "", kMkfsTimeout));
  return LoopDevice::Attach(image);
}

StatusOr<DetachedLaunchSpec> ProcessDriver::LaunchSpec(const std::string& name,
                                                       const std::string& dir,
                                                       const VmSpec& spec,
                                                       const VmCgroup& cgroup) {
  DetachedLaunchSpec launch;
  launch.work_dir = dir;
  launch.agent_dir = AgentDir(name);
  ASSIGN_OR_RETURN(launch.binds, PrepareAgentDir(launch.agent_dir, spec.job,
                                                 options_.user_namespace));
  launch.hidden_dir = options_.hidden_dir;
  launch.user_namespace = options_.user_namespace;
  launch.argv = {options_.agent_path, "--work-dir", launch.agent_dir};
  launch.env = AgentEnvironment(name, launch.agent_dir);
  launch.hostname = name;
  launch.output_path = dir + "/" + kAgentOutputFile;
  launch.cgroup_procs_files = CgroupProcsFiles(cgroup);
  launch.private_dev = PlanPrivateDev(dir + "/dev");
  if (!options_.network_sandbox) return launch;
  ASSIGN_OR_RETURN(
      launch.network,
      PlanSandboxNetwork(RegistryOf(spec.job), options_.relay_limits,
                         options_.registry_token_port));
  launch.hosts_file = dir + "/hosts";
  RETURN_IF_ERROR(WriteFileAtomically(launch.hosts_file,
                                      HostsFile(*launch.network, name), 0644));
  return launch;
}

StatusOr<VmInfo> ProcessDriver::Inspect(const std::string& name) {
  RETURN_IF_ERROR(ValidateVmName(name));
  KeyedMutex::Lock lock(name_locks_, name);
  return InspectLocked(name);
}

StatusOr<VmInfo> ProcessDriver::InspectLocked(const std::string& name) {
  const std::string dir = WorkDir(name);
  VmRecord record;
  ASSIGN_OR_RETURN(VmInfo info, ReadVmRecordInfo(dir, name, &record));
  // Written by the builder: bounded, regular files only.
  const std::string agent_dir = AgentDir(name);
  info.progress =
      ReadRecord<AgentProgress>(agent_dir + "/" + kAgentProgressFile,
                                AgentProgressFromJson, kAgentRecordMaxBytes);
  info.result =
      ReadRecord<AgentResult>(agent_dir + "/" + kAgentResultFile,
                              AgentResultFromJson, kAgentRecordMaxBytes);
  const std::optional<ShimPidRecord> pids = ReadRecord<ShimPidRecord>(
      dir + "/" + kShimPidFile, ShimPidRecordFromJson);
  if (!pids) {
    info.state = VmState::kExited;
    if (!info.result) {
      info.exit_reason = "the agent was never started (creation interrupted)";
    }
    return info;
  }
  std::optional<ShimExitRecord> exit = ReadRecord<ShimExitRecord>(
      dir + "/" + kShimExitFile, ShimExitRecordFromJson);
  // The agent's death and the shim's record of it are not atomic: while
  // the shim lives and has not written, the VM counts as running.
  if (IsProcessAlive(pids->agent) || (!exit && IsProcessAlive(pids->shim))) {
    info.state = VmState::kRunning;
    return info;
  }
  info.state = VmState::kExited;
  info.oom_killed = CgroupOomKills(record.cgroup).value_or(0) > 0;
  if (!info.result) info.exit_reason = ExitReason(exit, info.oom_killed);
  return info;
}

Status ProcessDriver::Delete(const std::string& name,
                             std::chrono::milliseconds grace) {
  RETURN_IF_ERROR(ValidateVmName(name));
  KeyedMutex::Lock lock(name_locks_, name);
  return DeleteLocked(name, grace);
}

Status ProcessDriver::DeleteLocked(const std::string& name,
                                   std::chrono::milliseconds grace) {
  const std::string dir = WorkDir(name);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return OkStatus();
  const VmCgroup cgroup =
      ReadRecord<VmRecord>(dir + "/" + kVmRecordFile, VmRecordFromJson)
          .value_or(VmRecord{})
          .cgroup;
  const std::optional<ShimPidRecord> pids = ReadRecord<ShimPidRecord>(
      dir + "/" + kShimPidFile, ShimPidRecordFromJson);
  const ProcessIdentity agent = pids ? pids->agent : ProcessIdentity{};
  const ProcessIdentity shim = pids ? pids->shim : ProcessIdentity{};
  RETURN_IF_ERROR(StopLocked(name, cgroup, agent, shim, grace));
  Status removed;
  WaitFor(kKillTimeout, [&] {
    removed = RemoveCgroup(cgroup);
    return removed.code() != StatusCode::kUnavailable;
  });
  RETURN_IF_ERROR(removed);
  const std::optional<AgentJob> job =
      ReadRecord<AgentJob>(dir + "/" + kAgentJobFile, AgentJobFromJson);
  RemoveTreeExcept(dir, job ? fs::path(job->log_path) : fs::path());
  logger_->info("[vm {}] deleted", name);
  return OkStatus();
}

Status ProcessDriver::StopLocked(const std::string& name,
                                 const VmCgroup& cgroup,
                                 const ProcessIdentity& agent,
                                 const ProcessIdentity& shim,
                                 std::chrono::milliseconds grace) {
  if (IsProcessAlive(agent)) {
    // The agent is pid 1 of its namespace: a signal it has no handler for
    // yet (it may still be starting) is dropped, so SIGTERM is repeated
    // until it exits or `grace` ends; the SIGKILL below ends it after that.
    auto next_term = clock_.SteadyNow();
    WaitFor(grace, [&] {
      if (!IsProcessAlive(agent)) return true;
      if (clock_.SteadyNow() >= next_term) {
        kill(-agent.pid, SIGTERM);
        kill(agent.pid, SIGTERM);
        next_term = clock_.SteadyNow() + kTermRepeat;
      }
      return false;
    });
  }
  const bool gone = WaitFor(kKillTimeout, [&] {
    KillCgroup(cgroup);
    if (IsSameProcess(agent)) kill(agent.pid, SIGKILL);
    return !IsProcessAlive(agent) && CgroupPids(cgroup).empty();
  });
  if (!gone) {
    return UnavailableError("VM " + name + ": processes survive SIGKILL");
  }
  ReapShim(clock_, shim, kKillTimeout, kMaxPollPause);
  return OkStatus();
}

StatusOr<std::vector<VmInfo>> ProcessDriver::List() {
  return ListVmStates(
      options_.state_dir, name_locks_,
      [this](const std::string& name) { return InspectLocked(name); },
      *logger_);
}

}  // namespace kiln
