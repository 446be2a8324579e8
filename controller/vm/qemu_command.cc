#include "controller/vm/qemu_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "controller/base/files.h"

namespace kiln {
namespace {

// HOST and PORT of "HOST:PORT" (the last ':'); InvalidArgument otherwise.
Status SplitHostPort(const std::string& address, std::string* host,
                     std::string* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size() ||
      address.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
    return InvalidArgumentError("registry address \"" + address +
                                "\": expected HOST:PORT");
  }
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  return OkStatus();
}

std::string KernelCommandLine(const QemuCommandSpec& spec) {
  std::string line = "console=ttyS0 reboot=t panic=-1";
  if (spec.accel == "tcg" && spec.tsc_khz > 0) {
    // Skips the PIT calibration that hangs boots when the vCPU thread is
    // descheduled (docs/qemu.md, pitfall 1).
    line += " tsc_early_khz=" + std::to_string(spec.tsc_khz) + " tsc=reliable";
  }
  line += " kiln.registry=" + spec.registry;
  line += std::string(" kiln.registry_via=") + kGuestRegistryVia;
  if (spec.registry_token_port > 0) {
    line +=
        " kiln.registry_token_port=" + std::to_string(spec.registry_token_port);
    line += std::string(" kiln.registry_token_via=") + kGuestRegistryTokenVia;
  }
  return line;
}

// The user network: nothing but guestfwds to the registry and, when set,
// its token service, each run as `busybox nc HOST PORT` per connection.
// The token service is part of kilnd, which a VM outlives across a
// restart: a refused connection to it is tried again every 250 ms for
// 15 s (the guest's request waits in the socket meanwhile), as the process
// driver's relay does.
std::string UserNetwork(const QemuCommandSpec& spec, const std::string& host,
                        const std::string& port) {
  const std::string nc = spec.busybox + " nc " + host + " ";
  std::string netdev = std::string("user,id=net0,restrict=on,guestfwd=tcp:") +
                       kGuestRegistryVia + "-cmd:" + nc + port;
  if (spec.registry_token_port > 0) {
    netdev += std::string(",guestfwd=tcp:") + kGuestRegistryTokenVia +
              "-cmd:" + spec.busybox + " sh -c 'i=0; while [ $i -lt 60 ]; do " +
              nc + std::to_string(spec.registry_token_port) + " && exit 0; " +
              "i=$((i+1)); " + spec.busybox + " usleep 250000; done; exit 1'";
  }
  return netdev;
}

// A token service port is 0 (none) or a port other than the registry's
// (both listen on the registry's address in the guest).
Status CheckTokenPort(const QemuCommandSpec& spec) {
  if (spec.registry_token_port == 0) return OkStatus();
  std::string registry_host, registry_port;
  RETURN_IF_ERROR(SplitHostPort(spec.registry, &registry_host, &registry_port));
  if (spec.registry_token_port < 0 || spec.registry_token_port > 65535 ||
      std::to_string(spec.registry_token_port) == registry_port) {
    return InvalidArgumentError(
        "registry token service port " +
        std::to_string(spec.registry_token_port) +
        ": expected 1..65535 and not the registry's own port (0 = none)");
  }
  return OkStatus();
}

std::string Drive(const std::string& id, const std::string& file,
                  const std::string& extra) {
  return "id=" + id + ",file=" + QemuEscape(file) + ",format=raw,if=none" +
         extra;
}

}  // namespace

std::string QemuEscape(std::string_view value) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

StatusOr<std::vector<std::string>> QemuCommand(const QemuCommandSpec& spec) {
  if (spec.accel != "tcg" && spec.accel != "kvm") {
    return InvalidArgumentError("accel \"" + spec.accel +
                                "\": expected tcg or kvm");
  }
  if (spec.cpus <= 0 || spec.memory_mib <= 0) {
    return InvalidArgumentError("cpus and memoryMiB must be positive");
  }
  if (spec.guest_image.empty() || spec.vm_dir.empty() ||
      spec.log_path.empty() || spec.registry.empty()) {
    return InvalidArgumentError(
        "qemu command: guest_image, vm_dir, log_path and registry are "
        "required");
  }
  std::string host, port;
  RETURN_IF_ERROR(SplitHostPort(spec.registry_host, &host, &port));
  RETURN_IF_ERROR(CheckTokenPort(spec));
  std::string accel = spec.accel;
  if (spec.accel == "tcg" && spec.tb_size_mib > 0) {
    accel += ",tb-size=" + std::to_string(spec.tb_size_mib);
  }
  const std::string& dir = spec.vm_dir;
  const std::string& image = spec.guest_image;
  return std::vector<std::string>{
      spec.qemu_binary,
      "-M",
      "microvm",
      "-accel",
      accel,
      "-cpu",
      "max",
      "-m",
      std::to_string(spec.memory_mib),
      "-smp",
      std::to_string(spec.cpus),
      "-nographic",
      "-no-reboot",
      "-nodefaults",
      "-serial",
      "file:" + dir + "/console.log",
      "-kernel",
      image + "/" + kGuestKernelFile,
      "-initrd",
      image + "/" + kGuestInitrdFile,
      "-append",
      KernelCommandLine(spec),
      "-drive",
      Drive("root", image + "/" + kGuestRootFile, ",readonly=on"),
      "-device",
      "virtio-blk-device,drive=root",
      "-drive",
      Drive("scratch", dir + "/scratch.img", ",discard=unmap"),
      "-device",
      "virtio-blk-device,drive=scratch",
      "-drive",
      Drive("job", dir + "/job.img", ""),
      "-device",
      "virtio-blk-device,drive=job",
      "-netdev",
      UserNetwork(spec, host, port),
      "-device",
      "virtio-net-device,netdev=net0",
      "-device",
      "virtio-serial-device",
      "-chardev",
      "file,id=log,path=" + QemuEscape(spec.log_path) + ",append=on",
      "-device",
      "virtserialport,chardev=log,name=kiln.log",
      "-chardev",
      "file,id=ctl,path=" + QemuEscape(dir + "/ctl.log"),
      "-device",
      "virtserialport,chardev=ctl,name=kiln.ctl",
      "-chardev",
      "socket,id=cmd,path=" + QemuEscape(dir + "/cmd.sock") +
          ",server=on,wait=off",
      "-device",
      "virtserialport,chardev=cmd,name=kiln.cmd",
      "-qmp",
      "unix:" + QemuEscape(dir + "/qmp.sock") + ",server=on,wait=off"};
}

std::optional<int64_t> TscKhzFromCpuinfo(std::string_view cpuinfo) {
  std::istringstream in{std::string(cpuinfo)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("cpu MHz", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) return std::nullopt;
    try {
      const double mhz = std::stod(line.substr(colon + 1));
      if (mhz <= 0) return std::nullopt;
      return static_cast<int64_t>(mhz * 1000);
    } catch (const std::exception&) {  // invalid_argument, out_of_range
      return std::nullopt;
    }
  }
  return std::nullopt;
}

bool CpuinfoHasVirtualization(std::string_view cpuinfo) {
  std::istringstream in{std::string(cpuinfo)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream flags(line.substr(line.find(':') + 1));
    std::string flag;
    while (flags >> flag) {
      if (flag == "vmx" || flag == "svm") return true;
    }
  }
  return false;
}

bool HardwareKvmUsable(std::string* why) {
  const int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *why = std::string("/dev/kvm: ") + strerror(errno);
    return false;
  }
  close(fd);
  std::error_code ec;
  if (!std::filesystem::exists("/sys/module/kvm_intel", ec) &&
      !std::filesystem::exists("/sys/module/kvm_amd", ec)) {
    *why =
        "/dev/kvm is not backed by kvm_intel or kvm_amd (e.g. kvm_pvm, "
        "under which stock guest kernels hang)";
    return false;
  }
  if (!CpuinfoHasVirtualization(ReadFileOrEmpty("/proc/cpuinfo"))) {
    *why = "/dev/kvm opens but the CPU has no vmx/svm flag (not hardware KVM)";
    return false;
  }
  return true;
}

}  // namespace kiln
