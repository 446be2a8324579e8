// QemuDriver: the `qemu` VM driver (docs/qemu.md). A VM is a QEMU
// `-M microvm` guest booted from a guest image (hack/build-guest-image.sh)
// that runs kiln-agent once on its job disk and powers off. QEMU runs
// detached (detached_launch.h: own session and namespaces, watched by a
// shim that records its exit), so VMs outlive kilnd. All state is on disk:
//
//   STATE_DIR/<name>/vm.json        owner, limits (vm_record.h, driver qemu)
//                    job.json       the AgentJob as the reconciler gave it
//                    job.img        ext4 "kiln-job": the guest's job.json
//                                   (guest paths, job_disk.h) + the source
//                                   archive; result.json etc. written back
//                    scratch.img    ext4 "kiln-scratch": overlay upper layer
//                                   and buildah storage (sparse)
//                    pid.json       QEMU + shim identities (shim_records.h)
//                    exit.json      QEMU's exit status, once reaped
//                    ctl.log        the guest's kiln.ctl lines (ctl_lines.h)
//                    console.log    the guest's serial console
//                    qemu.log       QEMU's own stdout/stderr
//                    qmp.sock       QMP; cmd.sock: the kiln.cmd port
//
// The build log is AgentJob::log_path on the host: QEMU appends the guest's
// kiln.log port to it, so log following works as with the process driver.
//
// Thread-safe: operations on one name are serialized by a per-name lock;
// operations on different names run in parallel.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/base/clock.h"
#include "controller/vm/keyed_mutex.h"
#include "controller/vm/proc_identity.h"
#include "controller/vm/vm_driver.h"

namespace kiln {

class QemuDriver final : public VmDriver {
 public:
  struct Options {
    std::string state_dir;    // DATA_DIR/vms; created if missing
    std::string guest_image;  // dir with vmlinuz, initramfs.cpio.gz, root.img
    std::string qemu_binary = "qemu-system-x86_64";  // path or PATH name
    std::string accel = "tcg";                       // "tcg" | "kvm"
    int64_t tb_size_mib = 128;                       // TCG translation cache
    int64_t scratch_size_bytes = int64_t{8} << 30;   // sparse
    int64_t job_disk_size_bytes = int64_t{4} << 30;  // sparse
    // Where QEMU's guestfwd reaches the registry ("HOST:PORT"); "" = the
    // AgentJob's registry (right for a registry on this host).
    std::string registry_host;
    // The port of the registry's token service on the registry's host
    // (registry_host's HOST); 0 = none. When set, the guest also reaches
    // that port, on the registry's address, through a second guestfwd
    // (qemu_command.h, kGuestRegistryTokenVia).
    int registry_token_port = 0;
    // The static busybox QEMU runs as `busybox nc` per guest connection.
    std::string busybox = "/bin/busybox";
    // How long Create waits for QMP to answer.
    std::chrono::milliseconds start_timeout{30000};
    // Where to log; nullptr = spdlog's default logger.
    std::shared_ptr<spdlog::logger> logger;
  };

  // FailedPrecondition naming hack/build-guest-image.sh when guest_image
  // lacks one of its files; InvalidArgument when qemu_binary or busybox is
  // not executable, accel is unknown or registry_token_port is not
  // 0..65535; Internal when state_dir cannot be
  // created. Keeps a reference to `clock`, which must outlive the driver.
  static StatusOr<std::unique_ptr<QemuDriver>> New(Options options,
                                                   Clock& clock);

  std::string name() const override { return "qemu"; }
  // Makes the disks, starts QEMU and returns once QMP answers
  // query-status. InvalidArgument when `name` is not a DNS label or the
  // socket paths get too long; an existing VM: OK, nothing changes;
  // Internal/Unavailable when QEMU cannot be started (the VM's state is
  // removed again).
  Status Create(const std::string& name, const VmSpec& spec) override;
  // kRunning while QEMU lives (progress from ctl.log); kExited with the
  // result (ctl.log, else the job disk via debugfs) or an exit_reason
  // ("guest did not boot ...", "guest kernel panic", "out of memory ...").
  // NotFound when there is no such VM.
  StatusOr<VmInfo> Inspect(const std::string& name) override;
  // "cancel" on kiln.cmd, up to `grace` for the guest to power off, then
  // QMP quit (5 s), then SIGTERM (3 s), then SIGKILL; then removes the state
  // dir. OK when absent.
  // Unavailable when QEMU survives SIGKILL (the VM is left for a retry).
  Status Delete(const std::string& name,
                std::chrono::milliseconds grace) override;
  // Every VM in state_dir, sorted by name.
  StatusOr<std::vector<VmInfo>> List() override;

  // STATE_DIR/<name>.
  std::string VmDir(const std::string& name) const;
  const Options& options() const { return options_; }

 private:
  QemuDriver(Options options, Clock& clock, int64_t tsc_khz,
             std::shared_ptr<spdlog::logger> logger);

  // REQUIRES (all *Locked): the name's KeyedMutex lock is held.
  Status StartLocked(const std::string& name, const VmSpec& spec);
  Status MakeDisksLocked(const std::string& dir, const AgentJob& job);
  Status WaitForQmpLocked(const std::string& dir, const ProcessIdentity& qemu);
  StatusOr<VmInfo> InspectLocked(const std::string& name);
  Status DeleteLocked(const std::string& name, std::chrono::milliseconds grace);
  Status StopLocked(const std::string& name, const ProcessIdentity& qemu,
                    const ProcessIdentity& shim,
                    std::chrono::milliseconds grace);
  // Polls `done` until it holds or `timeout` passes; returns done().
  template <typename Pred>
  bool WaitFor(std::chrono::milliseconds timeout, Pred done);

  // Const after construction.
  const Options options_;
  Clock& clock_;
  const int64_t tsc_khz_;  // host TSC rate for TCG guests; 0 = unknown
  const std::shared_ptr<spdlog::logger> logger_;

  // Self-synchronized.
  KeyedMutex name_locks_;
};

}  // namespace kiln
