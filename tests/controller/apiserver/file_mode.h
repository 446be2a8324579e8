// FileMode, for the auth/TLS/kubeconfig tests that check what kilnd
// creates is private. Test-only.
#pragma once

#include <sys/stat.h>

#include <string>

namespace kiln {

// The permission bits of `path`, or -1 when it cannot be stat'ed.
inline int FileMode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

}  // namespace kiln
