// Which filesystem a directory lives on (from /proc/self/mountinfo), so a
// benchmark can say what it measured and refuse to pretend that tmpfs is a
// disk.
#pragma once

#include <string>

#include "api_types/status.h"

namespace kiln::bench {

struct FilesystemInfo {
  std::string path;         // canonical path of the directory
  std::string mount_point;  // e.g. "/"
  std::string type;         // e.g. "ext4", "tmpfs"
  std::string source;       // e.g. "/dev/vda"
  bool is_memory() const { return type == "tmpfs" || type == "ramfs"; }
};

// `dir` must exist. Unavailable when /proc/self/mountinfo cannot be read.
StatusOr<FilesystemInfo> DescribeFilesystem(const std::string& dir);

}  // namespace kiln::bench
