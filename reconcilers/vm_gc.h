// VmGarbageCollector: deletes VMs that belong to no Build (deleted, or
// recreated under the same name with another uid) or to a terminal Build —
// what a crash between "write terminal phase" and "delete VM" leaves, and
// the backstop for every failed VM deletion. Run at start and periodically.
//
// Thread-safe (stateless; the driver and client are).
#pragma once

#include <chrono>
#include <cstddef>

#include "api_types/status.h"
#include "controller/vm/vm_driver.h"
#include "reconcilers/build_client.h"

namespace kiln {

class VmGarbageCollector {
 public:
  VmGarbageCollector(BuildClient& builds, VmDriver& driver,
                     std::chrono::milliseconds grace)
      : builds_(builds), driver_(driver), grace_(grace) {}

  // One pass. Returns how many VMs were deleted; the first error after
  // trying every VM.
  StatusOr<size_t> Collect();

 private:
  BuildClient& builds_;
  VmDriver& driver_;
  const std::chrono::milliseconds grace_;
};

}  // namespace kiln
