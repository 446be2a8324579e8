#include "controller/vm/driver_choice.h"

namespace kiln {

StatusOr<DriverChoice> ChooseDriver(const std::string& flag, bool kvm_usable,
                                    const std::string& kvm_why,
                                    const std::string& guest_image) {
  const std::string no_kvm =
      "no usable hardware KVM" + (kvm_why.empty() ? "" : " (" + kvm_why + ")");
  if (flag == "process") return DriverChoice{"process", "", "--driver process"};
  if (flag == "qemu") {
    if (guest_image.empty()) {
      return FailedPreconditionError(
          "--driver qemu needs --guest-image DIR: build the guest image with "
          "`sudo hack/build-guest-image.sh DATA_DIR/images` and pass the "
          "directory it prints last");
    }
    if (kvm_usable) return DriverChoice{"qemu", "kvm", "--driver qemu, KVM"};
    return DriverChoice{
        "qemu", "tcg",
        "--driver qemu, " + no_kvm + ": TCG (builds ~15-20x slower)"};
  }
  if (flag != "auto") {
    return InvalidArgumentError("--driver \"" + flag +
                                "\": expected auto, process or qemu");
  }
  if (!kvm_usable) return DriverChoice{"process", "", "auto: " + no_kvm};
  if (guest_image.empty()) {
    return DriverChoice{"process", "",
                        "auto: hardware KVM usable but no --guest-image"};
  }
  return DriverChoice{"qemu", "kvm", "auto: hardware KVM usable"};
}

}  // namespace kiln
