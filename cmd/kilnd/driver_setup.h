// Picks and creates the VM driver kilnd runs builds with (--driver,
// --guest-image, --agent-path). Thread-compatible: called once at startup.
#pragma once

#include <memory>
#include <string>

#include "api_types/status.h"
#include "cmd/kilnd/flags.h"
#include "controller/base/clock.h"
#include "controller/vm/driver_choice.h"
#include "controller/vm/vm_driver.h"

namespace kiln {

// The driver kilnd runs (logged once). API-only kilnd (--controllers=false)
// runs none and reports process. InvalidArgument when --driver qemu is
// forced without a usable guest image (the message says how to build one).
StatusOr<DriverChoice> ResolveDriver(const KilndFlags& flags);

// Creates the chosen driver with its VM state under `vms_dir`; builders
// reach the registry's token service at `registry_token_port` on the
// registry's host (0 = no token service). `clock` must outlive it.
// InvalidArgument when the kiln-agent binary is not found.
StatusOr<std::unique_ptr<VmDriver>> NewDriver(const KilndFlags& flags,
                                              const DriverChoice& choice,
                                              const std::string& vms_dir,
                                              int registry_token_port,
                                              Clock& clock);

}  // namespace kiln
