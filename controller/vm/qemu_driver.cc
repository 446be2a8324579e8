#include "controller/vm/qemu_driver.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "api_types/time.h"
#include "controller/base/files.h"
#include "controller/base/subprocess.h"
#include "controller/vm/agent_contract.h"
#include "controller/vm/ctl_lines.h"
#include "controller/vm/detached_launch.h"
#include "controller/vm/job_disk.h"
#include "controller/vm/poll.h"
#include "controller/vm/qemu_command.h"
#include "controller/vm/qmp.h"
#include "controller/vm/shim_records.h"
#include "controller/vm/vm_record.h"
#include "controller/vm/vm_state_dir.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

// The longest pause between two checks of a process or file.
constexpr std::chrono::milliseconds kQemuMaxPollPause{100};

constexpr char kCtlFile[] = "ctl.log";
constexpr char kConsoleFile[] = "console.log";
constexpr char kQemuOutputFile[] = "qemu.log";
constexpr char kQmpSocket[] = "qmp.sock";
constexpr char kCmdSocket[] = "cmd.sock";
constexpr char kJobImage[] = "job.img";
constexpr char kJobContentsDir[] = "job";
// Files of an earlier, interrupted Create that a new one must not inherit.
constexpr const char* kQemuStaleFiles[] = {kShimPidFile, kShimExitFile,
                                           kCtlFile,     kConsoleFile,
                                           kQmpSocket,   kCmdSocket};
constexpr std::chrono::milliseconds kQmpCallTimeout{2000};
constexpr std::chrono::milliseconds kQuitTimeout{5000};
// After SIGTERM (QMP did not end QEMU), how long before SIGKILL.
constexpr std::chrono::milliseconds kTermTimeout{3000};
constexpr std::chrono::milliseconds kQemuKillTimeout{10000};
// How often Delete repeats "cancel" on kiln.cmd during the grace period.
constexpr std::chrono::milliseconds kCancelRepeat{1000};

// Resolves a program name through PATH; "" when not executable.
std::string FindExecutable(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return access(program.c_str(), X_OK) == 0 && !fs::is_directory(program)
               ? program
               : "";
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// result.json from the job disk of a stopped VM, read without mounting.
std::optional<AgentResult> ResultFromJobDisk(const std::string& image) {
  StatusOr<CommandResult> out = RunCommand(
      {"debugfs", "-R", "cat /result.json", image}, std::chrono::seconds(20));
  if (!out.ok() || out->exit_code != 0) return std::nullopt;
  // stdout and stderr are interleaved: the JSON is between the braces.
  const size_t open = out->output.find('{');
  const size_t close = out->output.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    return std::nullopt;
  }
  nlohmann::json j = nlohmann::json::parse(
      out->output.substr(open, close - open + 1), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  StatusOr<AgentResult> result = AgentResultFromJson(j);
  if (!result.ok()) return std::nullopt;
  return std::move(*result);
}

std::string Tail(const std::string& text, size_t n) {
  return text.size() <= n ? text : text.substr(text.size() - n);
}

}  // namespace

StatusOr<std::unique_ptr<QemuDriver>> QemuDriver::New(Options options,
                                                      Clock& clock) {
  for (const char* file :
       {kGuestKernelFile, kGuestInitrdFile, kGuestRootFile}) {
    if (options.guest_image.empty() ||
        !fs::is_regular_file(options.guest_image + "/" + file)) {
      return FailedPreconditionError(
          "guest image \"" + options.guest_image + "\" has no " + file +
          ": build one with `sudo hack/build-guest-image.sh DATA_DIR/images` "
          "and pass the directory it prints last");
    }
  }
  const std::string qemu = FindExecutable(options.qemu_binary);
  if (qemu.empty()) {
    return InvalidArgumentError(
        "qemu binary " + options.qemu_binary +
        ": not found or not executable (apt-get install qemu-system-x86)");
  }
  options.qemu_binary = qemu;
  if (FindExecutable(options.busybox).empty()) {
    return InvalidArgumentError(
        "busybox " + options.busybox +
        ": not executable (apt-get install busybox-static); QEMU relays "
        "registry connections through it");
  }
  if (options.accel != "tcg" && options.accel != "kvm") {
    return InvalidArgumentError("accel \"" + options.accel +
                                "\": expected tcg or kvm");
  }
  if (options.registry_token_port < 0 || options.registry_token_port > 65535) {
    return InvalidArgumentError("registry token service port " +
                                std::to_string(options.registry_token_port) +
                                ": expected 1..65535 (0 = none)");
  }
  options.guest_image = fs::absolute(options.guest_image).string();
  std::error_code ec;
  fs::create_directories(options.state_dir, ec);
  if (ec) {
    return InternalError("cannot create " + options.state_dir + ": " +
                         ec.message());
  }
  options.state_dir = fs::absolute(options.state_dir).string();
  std::shared_ptr<spdlog::logger> logger =
      options.logger ? options.logger : spdlog::default_logger();
  const int64_t tsc_khz =
      TscKhzFromCpuinfo(ReadFileOrEmpty("/proc/cpuinfo")).value_or(0);
  logger->info(
      "qemu driver: {} accel {}{}, guest image {}, TSC {} kHz", qemu,
      options.accel,
      options.accel == "tcg"
          ? " (tb-size " + std::to_string(options.tb_size_mib) + " MiB)"
          : "",
      options.guest_image, tsc_khz);
  return std::unique_ptr<QemuDriver>(
      new QemuDriver(std::move(options), clock, tsc_khz, std::move(logger)));
}

QemuDriver::QemuDriver(Options options, Clock& clock, int64_t tsc_khz,
                       std::shared_ptr<spdlog::logger> logger)
    : options_(std::move(options)),
      clock_(clock),
      tsc_khz_(tsc_khz),
      logger_(std::move(logger)) {}

std::string QemuDriver::VmDir(const std::string& name) const {
  return options_.state_dir + "/" + name;
}

template <typename Pred>
bool QemuDriver::WaitFor(std::chrono::milliseconds timeout, Pred done) {
  return PollUntil(clock_, timeout, kQemuMaxPollPause, done);
}

Status QemuDriver::Create(const std::string& name, const VmSpec& spec) {
  RETURN_IF_ERROR(ValidateVmName(name));
  KeyedMutex::Lock lock(name_locks_, name);
  if (fs::exists(VmDir(name) + "/" + kVmRecordFile)) return OkStatus();
  const auto start = clock_.SteadyNow();
  Status status = StartLocked(name, spec);
  if (!status.ok()) {
    logger_->error("[vm {}] cannot start: {}", name, status.ToString());
    if (Status s = DeleteLocked(name, std::chrono::milliseconds(0)); !s.ok()) {
      logger_->warn("[vm {}] cleanup after failed start: {}", name,
                    s.ToString());
    }
    return status;
  }
  logger_->info("[vm {}] QEMU up for {} in {} ms", name, spec.owner_key,
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    clock_.SteadyNow() - start)
                    .count());
  return OkStatus();
}

Status QemuDriver::MakeDisksLocked(const std::string& dir,
                                   const AgentJob& job) {
  ASSIGN_OR_RETURN(JobDiskLayout layout, GuestJobLayout(job));
  const std::string contents = dir + "/" + kJobContentsDir;
  std::error_code ec;
  fs::remove_all(contents, ec);
  fs::create_directories(contents, ec);
  if (ec)
    return InternalError("cannot create " + contents + ": " + ec.message());
  RETURN_IF_ERROR(WriteJsonFileAtomically(contents + "/" + kAgentJobFile,
                                          AgentJobToJson(layout.guest_job)));
  for (const auto& [from, file] : layout.copies) {
    fs::copy_file(from, contents + "/" + file, ec);
    if (ec) {
      return InternalError("copy source archive " + from + ": " + ec.message());
    }
  }
  RETURN_IF_ERROR(MakeExt4Disk(dir + "/" + kJobImage,
                               options_.job_disk_size_bytes, kJobDiskLabel,
                               contents, kMkfsTimeout));
  fs::remove_all(contents, ec);  // the disk holds it now
  return MakeExt4Disk(dir + "/" + kScratchImage, options_.scratch_size_bytes,
                      kScratchDiskLabel, "", kMkfsTimeout);
}

Status QemuDriver::StartLocked(const std::string& name, const VmSpec& spec) {
  const std::string dir = VmDir(name);
  if (dir.size() + 1 + sizeof(kQmpSocket) > 107) {
    return InvalidArgumentError("VM dir " + dir +
                                " is too long for unix socket paths; use a "
                                "shorter --data-dir");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return InternalError("cannot create " + dir + ": " + ec.message());
  for (const char* file : kQemuStaleFiles) fs::remove(dir + "/" + file, ec);
  RETURN_IF_ERROR(WriteJsonFileAtomically(dir + "/" + kAgentJobFile,
                                          AgentJobToJson(spec.job)));
  RETURN_IF_ERROR(MakeDisksLocked(dir, spec.job));

  QemuCommandSpec command;
  command.qemu_binary = options_.qemu_binary;
  command.accel = options_.accel;
  command.tb_size_mib = options_.tb_size_mib;
  command.guest_image = options_.guest_image;
  command.vm_dir = dir;
  command.log_path = fs::absolute(spec.job.log_path).string();
  command.cpus = spec.cpus;
  command.memory_mib = spec.memory_mib;
  command.tsc_khz = tsc_khz_;
  command.registry = spec.job.registry;
  command.registry_host = options_.registry_host.empty()
                              ? spec.job.registry
                              : options_.registry_host;
  command.registry_token_port = options_.registry_token_port;
  command.busybox = options_.busybox;
  ASSIGN_OR_RETURN(std::vector<std::string> argv, QemuCommand(command));

  VmRecord record;
  record.driver = "qemu";
  record.owner_key = spec.owner_key;
  record.owner_uid = spec.owner_uid;
  record.cpus = spec.cpus;
  record.memory_mib = spec.memory_mib;
  record.created = FormatRfc3339(
      std::chrono::floor<std::chrono::seconds>(clock_.SystemNow()));
  record.limits_enforced = true;  // -smp and -m bound the guest
  RETURN_IF_ERROR(WriteJsonFileAtomically(dir + "/" + kVmRecordFile,
                                          VmRecordToJson(record)));
  DetachedLaunchSpec launch;
  launch.argv = std::move(argv);
  launch.env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
      "/bin",
      "KILN_VM_NAME=" + name};
  launch.work_dir = dir;
  launch.hostname = name;
  launch.output_path = dir + "/" + kQemuOutputFile;
  ASSIGN_OR_RETURN(ShimPidRecord pids, LaunchDetached(launch));
  logger_->info("[vm {}] QEMU pid {} (shim {}), -smp {} -m {}", name,
                pids.agent.pid, pids.shim.pid, spec.cpus, spec.memory_mib);
  return WaitForQmpLocked(dir, pids.agent);
}

Status QemuDriver::WaitForQmpLocked(const std::string& dir,
                                    const ProcessIdentity& qemu) {
  Status last = UnavailableError("not tried");
  const bool up = WaitFor(options_.start_timeout, [&] {
    if (!IsProcessAlive(qemu)) return true;
    StatusOr<nlohmann::json> status =
        QmpExecute(dir + "/" + kQmpSocket, "query-status", kQmpCallTimeout);
    last = status.status();
    return status.ok();
  });
  if (!IsProcessAlive(qemu)) {
    return InternalError(
        "QEMU exited at start: " +
        Tail(ReadFileOrEmpty(dir + "/" + kQemuOutputFile), 2000));
  }
  if (!up) {
    return UnavailableError("QEMU did not answer QMP query-status within " +
                            std::to_string(options_.start_timeout.count()) +
                            " ms: " + last.ToString());
  }
  return OkStatus();
}

StatusOr<VmInfo> QemuDriver::Inspect(const std::string& name) {
  RETURN_IF_ERROR(ValidateVmName(name));
  KeyedMutex::Lock lock(name_locks_, name);
  return InspectLocked(name);
}

StatusOr<VmInfo> QemuDriver::InspectLocked(const std::string& name) {
  const std::string dir = VmDir(name);
  ASSIGN_OR_RETURN(VmInfo info, ReadVmRecordInfo(dir, name));
  const CtlState ctl = ParseCtlLines(ReadFileOrEmpty(dir + "/" + kCtlFile));
  info.progress = ctl.progress;
  info.result = ctl.result;
  const std::optional<ShimPidRecord> pids = ReadRecord<ShimPidRecord>(
      dir + "/" + kShimPidFile, ShimPidRecordFromJson);
  if (!pids) {
    info.state = VmState::kExited;
    if (!info.result) {
      info.exit_reason = "QEMU was never started (creation interrupted)";
    }
    return info;
  }
  const std::optional<ShimExitRecord> exit = ReadRecord<ShimExitRecord>(
      dir + "/" + kShimExitFile, ShimExitRecordFromJson);
  if (IsProcessAlive(pids->agent) || (!exit && IsProcessAlive(pids->shim))) {
    info.state = VmState::kRunning;
    return info;
  }
  info.state = VmState::kExited;
  if (!info.result) info.result = ResultFromJobDisk(dir + "/" + kJobImage);
  const GuestExit guest =
      DescribeGuestExit(ctl, ReadFileOrEmpty(dir + "/" + kConsoleFile),
                        exit ? DescribeExit(*exit) : "exit status unknown");
  info.oom_killed = guest.oom_killed;
  if (!info.result) info.exit_reason = guest.reason;
  return info;
}

Status QemuDriver::Delete(const std::string& name,
                          std::chrono::milliseconds grace) {
  RETURN_IF_ERROR(ValidateVmName(name));
  KeyedMutex::Lock lock(name_locks_, name);
  return DeleteLocked(name, grace);
}

Status QemuDriver::DeleteLocked(const std::string& name,
                                std::chrono::milliseconds grace) {
  const std::string dir = VmDir(name);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return OkStatus();
  const std::optional<ShimPidRecord> pids = ReadRecord<ShimPidRecord>(
      dir + "/" + kShimPidFile, ShimPidRecordFromJson);
  if (pids) RETURN_IF_ERROR(StopLocked(name, pids->agent, pids->shim, grace));
  const std::optional<AgentJob> job =
      ReadRecord<AgentJob>(dir + "/" + kAgentJobFile, AgentJobFromJson);
  RemoveTreeExcept(dir, job ? fs::path(job->log_path) : fs::path());
  logger_->info("[vm {}] deleted", name);
  return OkStatus();
}

Status QemuDriver::StopLocked(const std::string& name,
                              const ProcessIdentity& qemu,
                              const ProcessIdentity& shim,
                              std::chrono::milliseconds grace) {
  const std::string dir = VmDir(name);
  if (IsProcessAlive(qemu) && grace.count() > 0) {
    // The guest SIGTERMs kiln-agent, which stops buildah, writes a
    // Cancelled result and exits; the guest then powers off. The guest
    // drops bytes sent before it opened the port (docs/qemu.md, pitfall
    // 4), so "cancel" is repeated; before agent-start there is nothing to
    // clean up and QMP quit below ends the VM at once.
    auto next_cancel = clock_.SteadyNow();
    WaitFor(grace, [&] {
      if (!IsProcessAlive(qemu)) return true;
      if (!ParseCtlLines(ReadFileOrEmpty(dir + "/" + kCtlFile)).agent_started) {
        return true;
      }
      if (clock_.SteadyNow() >= next_cancel) {
        Status sent =
            SendSocketLine(dir + "/" + kCmdSocket, "cancel", kQmpCallTimeout);
        if (!sent.ok()) {
          logger_->debug("[vm {}] cancel on kiln.cmd: {}", name,
                         sent.ToString());
        }
        next_cancel = clock_.SteadyNow() + kCancelRepeat;
      }
      return false;
    });
  }
  if (IsProcessAlive(qemu)) {
    (void)QmpExecute(dir + "/" + kQmpSocket, "quit", kQmpCallTimeout);
    WaitFor(kQuitTimeout, [&] { return !IsProcessAlive(qemu); });
  }
  if (IsProcessAlive(qemu) && IsSameProcess(qemu)) {
    logger_->warn("[vm {}] QEMU did not quit over QMP; SIGTERM", name);
    kill(qemu.pid, SIGTERM);
    WaitFor(kTermTimeout, [&] { return !IsProcessAlive(qemu); });
  }
  const bool gone = WaitFor(kQemuKillTimeout, [&] {
    if (IsSameProcess(qemu) && IsProcessAlive(qemu)) kill(qemu.pid, SIGKILL);
    return !IsProcessAlive(qemu);
  });
  if (!gone) {
    return UnavailableError("VM " + name + ": QEMU (pid " +
                            std::to_string(qemu.pid) + ") survives SIGKILL");
  }
  ReapShim(clock_, shim, kQemuKillTimeout, kQemuMaxPollPause);
  return OkStatus();
}

StatusOr<std::vector<VmInfo>> QemuDriver::List() {
  return ListVmStates(
      options_.state_dir, name_locks_,
      [this](const std::string& name) { return InspectLocked(name); },
      *logger_);
}

}  // namespace kiln
