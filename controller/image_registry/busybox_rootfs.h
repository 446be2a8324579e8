// The root filesystem of the offline base image kiln/busybox:1, built from
// the host's static busybox (Debian busybox-static).
#pragma once

#include <string>

#include "api_types/status.h"

namespace kiln {

// Replaces `dir` with a minimal root filesystem: bin/busybox (a copy of
// `busybox`, which must be statically linked) and a bin/<applet> symlink to
// it for every applet `busybox --list` names, bin/sh included; /tmp (1777),
// /root, /etc/passwd and /etc/group with root and nobody.
// Returns kFailedPrecondition when `busybox` is missing; kInternal on I/O or
// command errors.
Status WriteBusyboxRootfs(const std::string& busybox, const std::string& dir);

}  // namespace kiln
