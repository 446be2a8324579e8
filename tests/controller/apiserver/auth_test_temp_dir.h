// A scratch directory for the auth/TLS/kubeconfig tests, removed (with its
// contents) when the object goes out of scope. Test-only.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace kiln {

class AuthTestTempDir {
 public:
  AuthTestTempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "kiln-auth-XXXXXX").string();
    const char* made = ::mkdtemp(pattern.data());
    path_ = made == nullptr ? std::string() : std::string(made);
  }
  ~AuthTestTempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  AuthTestTempDir(const AuthTestTempDir&) = delete;
  AuthTestTempDir& operator=(const AuthTestTempDir&) = delete;

  // Empty when the directory could not be created.
  const std::string& path() const { return path_; }
  std::string Path(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The permission bits of `path`, or -1 when it cannot be stat'ed.
inline int FileMode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

}  // namespace kiln
