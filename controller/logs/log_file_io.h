// Small POSIX file helpers shared by the log library: positional reads that
// report errors as Status (the owning descriptor is controller/base's
// ScopedFd). The log library works
// on real files under the logs directory; tests point it at a temp dir (the
// directory is the seam, as leveldb's PosixEnv tests do).
//
// The functions are thread-safe (positional reads share no file offset).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "api_types/status.h"
#include "controller/base/files.h"
#include "controller/base/scoped_fd.h"

namespace kiln {

// Opens `path` read-only. NotFound when it does not exist, Internal on other
// errors.
StatusOr<ScopedFd> OpenForRead(const std::string& path);

// The current size of the open file. Internal on failure.
StatusOr<int64_t> FileSizeOf(int fd);

// Reads up to `max_bytes` at `offset`, retrying short reads until EOF.
// Returns fewer bytes only at end of file. Internal on failure; `path` is
// used in messages only.
StatusOr<std::string> ReadAt(int fd, int64_t offset, size_t max_bytes,
                             const std::string& path);

// Writes all of `data` with one write(2) (retried on EINTR) to an O_APPEND
// descriptor. Internal on a failed or short write.
Status AppendAll(int fd, const std::string& data, const std::string& path);

}  // namespace kiln
