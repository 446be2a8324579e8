// ChooseDriver: which VM driver kilnd runs, from `--driver` and what the host
// offers (docs/design.md "VM drivers"): `auto` picks qemu only when hardware
// KVM is usable and a guest image is configured (under TCG a build is ~15-20x
// slower, docs/qemu.md), else process; `qemu` forces qemu, with TCG when there
// is no KVM. Pure: thread-safe.
#pragma once

#include <string>

#include "api_types/status.h"

namespace kiln {

struct DriverChoice {
  std::string driver;       // "process" | "qemu"
  std::string accelerator;  // "kvm" | "tcg" for qemu; "" for process
  std::string why;          // one line for kilnd's log
};

// `flag` is "auto" | "process" | "qemu"; `kvm_why` says why KVM is not
// usable (HardwareKvmUsable). InvalidArgument for an unknown flag;
// FailedPrecondition naming hack/build-guest-image.sh when qemu is forced
// without a guest image.
StatusOr<DriverChoice> ChooseDriver(const std::string& flag, bool kvm_usable,
                                    const std::string& kvm_why,
                                    const std::string& guest_image);

}  // namespace kiln
