#include "cmd/kilnd/driver_setup.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "controller/vm/process_driver.h"
#include "controller/vm/qemu_command.h"
#include "controller/vm/qemu_driver.h"
#include "controller/vm/user_namespace.h"

namespace kiln {
namespace {

// The kiln-agent binary: --agent-path, else next to kilnd (installed), else
// in the build tree (build/cmd/kilnd/kilnd -> build/cmd/kiln-agent/).
StatusOr<std::string> FindAgent(const std::string& flag) {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  if (!flag.empty()) {
    candidates.push_back(flag);
  } else {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
      candidates.push_back(self.parent_path() / "kiln-agent");
      candidates.push_back(self.parent_path().parent_path() / "kiln-agent" /
                           "kiln-agent");
    }
    candidates.push_back("/usr/lib/kiln/kiln-agent");
  }
  for (const fs::path& p : candidates) {
    if (access(p.c_str(), X_OK) == 0) return fs::absolute(p).string();
  }
  return InvalidArgumentError(
      flag.empty() ? "kiln-agent not found next to kilnd or in the build "
                     "tree; pass --agent-path"
                   : "--agent-path " + flag + ": not an executable file");
}

}  // namespace

StatusOr<DriverChoice> ResolveDriver(const KilndFlags& flags) {
  if (!flags.controllers) return DriverChoice{"process", "", "no controllers"};
  std::string kvm_why;
  const bool kvm = HardwareKvmUsable(&kvm_why);
  ASSIGN_OR_RETURN(DriverChoice choice,
                   ChooseDriver(flags.driver, kvm, kvm_why, flags.guest_image));
  spdlog::info("driver: {}{} ({})", choice.driver,
               choice.accelerator.empty() ? "" : "/" + choice.accelerator,
               choice.why);
  return choice;
}

StatusOr<std::unique_ptr<VmDriver>> NewDriver(const KilndFlags& flags,
                                              const DriverChoice& choice,
                                              const std::string& vms_dir,
                                              int registry_token_port,
                                              Clock& clock) {
  if (choice.driver == "qemu") {
    QemuDriver::Options options;
    options.state_dir = vms_dir;
    options.guest_image = flags.guest_image;
    options.qemu_binary = flags.qemu_binary;
    options.accel = choice.accelerator;
    options.registry_token_port = registry_token_port;
    ASSIGN_OR_RETURN(std::unique_ptr<QemuDriver> driver,
                     QemuDriver::New(options, clock));
    return std::unique_ptr<VmDriver>(std::move(driver));
  }
  ASSIGN_OR_RETURN(std::string agent, FindAgent(flags.agent_path));
  ProcessDriver::Options options;
  options.state_dir = vms_dir;
  options.agent_path = agent;
  options.pids_max = flags.builder_pids_max;
  options.scratch_mib = flags.builder_scratch_mib;
  options.network_sandbox = !flags.unsafe_builder_host_network;
  options.registry_token_port = registry_token_port;
  // --builder-user-namespace: on | auto (required or not) | off.
  options.user_namespace.reset();
  if (flags.builder_user_namespace != "off") {
    options.user_namespace =
        IdRange{static_cast<uint32_t>(flags.builder_id_base), 65536};
  }
  options.user_namespace_required = flags.builder_user_namespace == "on";
  options.hidden_dir = flags.data_dir;
  ASSIGN_OR_RETURN(std::unique_ptr<ProcessDriver> driver,
                   ProcessDriver::New(options, clock));
  if (const std::optional<IdRange>& ids = driver->user_namespace()) {
    spdlog::info("driver: process (agent {}; builders as host ids {}-{})",
                 agent, ids->base, uint64_t{ids->base} + ids->count - 1);
  } else {
    spdlog::info("driver: process (agent {})", agent);
  }
  return std::unique_ptr<VmDriver>(std::move(driver));
}

}  // namespace kiln
