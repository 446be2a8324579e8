// A loop device attached to an image file, with autoclear: the kernel
// detaches it once nothing uses it any more (this object's descriptor is
// closed and no mount of it is left). So a builder's scratch file system,
// mounted only inside the builder's own mount namespace, is released by the
// kernel when the last builder process exits, even when kilnd is not
// running; nothing has to remember to detach it.
//
// Thread-compatible (one owner); different objects may be used from
// different threads.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "api_types/status.h"
#include "controller/base/scoped_fd.h"

namespace kiln {

class LoopDevice {
 public:
  // Attaches `image` (read-write) to a free loop device. Unavailable when
  // this host has no loop devices or refuses them (no /dev/loop-control,
  // EPERM), naming why; Internal on other failures.
  static StatusOr<std::unique_ptr<LoopDevice>> Attach(const std::string& image);

  // Closes the descriptor: the device detaches now unless it is mounted.
  ~LoopDevice() = default;
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;

  // "/dev/loopN".
  const std::string& path() const { return path_; }

 private:
  LoopDevice(std::string path, ScopedFd fd)
      : path_(std::move(path)), fd_(std::move(fd)) {}

  const std::string path_;
  const ScopedFd fd_;
};

}  // namespace kiln
