// QemuCommand: the command line of a qemu builder VM (docs/qemu.md, "Boot
// and run"), built from the driver's options and the VM's spec, plus the
// host facts it depends on (TSC rate, hardware virtualization). Pure
// functions: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api_types/status.h"

namespace kiln {

// The files of a guest image directory (hack/build-guest-image.sh).
inline constexpr char kGuestKernelFile[] = "vmlinuz";
inline constexpr char kGuestInitrdFile[] = "initramfs.cpio.gz";
inline constexpr char kGuestRootFile[] = "root.img";
// Where the guest reaches the registry: a QEMU guestfwd address in the user
// network, relayed by the guest to the registry's own address.
inline constexpr char kGuestRegistryVia[] = "10.0.2.100:5000";
// Where the guest reaches the registry's token service, when there is one:
// a second guestfwd address, relayed by the guest from the registry's
// address at the token service's port. Fixed, whatever that port is.
inline constexpr char kGuestRegistryTokenVia[] = "10.0.2.100:5001";

struct QemuCommandSpec {
  std::string qemu_binary = "qemu-system-x86_64";
  std::string accel = "tcg";  // "tcg" | "kvm"
  int64_t tb_size_mib = 128;  // TCG translation cache; 0 = QEMU's default
  std::string guest_image;    // directory with vmlinuz, initramfs, root.img
  std::string vm_dir;         // the VM's state dir (disks, sockets, logs)
  std::string log_path;       // the build log on the host (kiln.log port)
  int64_t cpus = 1;
  int64_t memory_mib = 512;
  // The host TSC rate in kHz (TCG only; 0 = let the kernel calibrate).
  int64_t tsc_khz = 0;
  // The registry as builds name it ("HOST:PORT", kernel command line) and
  // where the host reaches it (the guestfwd's target).
  std::string registry;
  std::string registry_host;
  // The port of the registry's token service on the registry's host; 0 =
  // none. When set, a second guestfwd (kGuestRegistryTokenVia) reaches
  // registry_host's HOST at this port, and the kernel command line tells
  // the guest to relay this port on the registry's address to it.
  int registry_token_port = 0;
  std::string busybox = "/bin/busybox";  // runs `nc` per guest connection
};

// The argv (argv[0] = qemu_binary). InvalidArgument when a field the
// command needs is missing or malformed (registry_host not HOST:PORT,
// accel unknown, cpus/memory not positive, registry_token_port not
// 0..65535 or the registry's own port).
StatusOr<std::vector<std::string>> QemuCommand(const QemuCommandSpec& spec);

// `value` with every ',' doubled: QEMU's escaping inside -drive/-chardev
// option strings.
std::string QemuEscape(std::string_view value);

// The host TSC rate in kHz from the text of /proc/cpuinfo (the first
// "cpu MHz" line × 1000); nullopt when absent.
std::optional<int64_t> TscKhzFromCpuinfo(std::string_view cpuinfo);

// True when /proc/cpuinfo text lists the vmx or svm flag.
bool CpuinfoHasVirtualization(std::string_view cpuinfo);

// Whether hardware KVM is usable here: /dev/kvm opens read-write, the
// kvm_intel or kvm_amd module is loaded and the CPU has vmx/svm (a /dev/kvm
// backed by something else, such as kvm_pvm, does not count). `why`
// receives the reason when not.
bool HardwareKvmUsable(std::string* why);

}  // namespace kiln
