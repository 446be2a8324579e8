#include "controller/vm/loop_device.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "controller/base/files.h"

namespace kiln {
namespace {

// Another process may take the free device between LOOP_CTL_GET_FREE and
// LOOP_CONFIGURE (EBUSY): try again with the next free one.
constexpr int kAttempts = 16;

std::string Errno(const std::string& what, int err) {
  return what + ": " + ErrnoText(err);
}

}  // namespace

StatusOr<std::unique_ptr<LoopDevice>> LoopDevice::Attach(
    const std::string& image) {
  ScopedFd file(open(image.c_str(), O_RDWR | O_CLOEXEC));
  if (file.get() < 0) return InternalError(Errno("open " + image, errno));
  ScopedFd control(open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (control.get() < 0) {
    return UnavailableError(
        Errno("this host offers no loop devices (/dev/loop-control)", errno));
  }
  int last_error = 0;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const int n = ioctl(control.get(), LOOP_CTL_GET_FREE);
    if (n < 0) {
      return UnavailableError(Errno("no free loop device", errno));
    }
    std::string path = "/dev/loop" + std::to_string(n);
    ScopedFd device(open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (device.get() < 0) {
      last_error = errno;
      continue;
    }
    loop_config config;
    std::memset(&config, 0, sizeof(config));
    config.fd = static_cast<__u32>(file.get());
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    std::strncpy(reinterpret_cast<char*>(config.info.lo_file_name),
                 image.c_str(), LO_NAME_SIZE - 1);
    if (ioctl(device.get(), LOOP_CONFIGURE, &config) == 0) {
      return std::unique_ptr<LoopDevice>(
          new LoopDevice(std::move(path), std::move(device)));
    }
    last_error = errno;
    if (last_error == EPERM || last_error == EACCES) {
      return UnavailableError(
          Errno("this host refuses to attach loop devices", last_error));
    }
    if (last_error != EBUSY) break;
  }
  return InternalError(
      Errno("cannot attach " + image + " to a loop device", last_error));
}

}  // namespace kiln
