// A tmpfs of a given size mounted on a fresh directory, for tests of what
// Kiln does when its disk fills up. Mounting needs root (CAP_SYS_ADMIN):
// where it is refused, why_not() says why and the test skips with that
// reason. Unmounted (lazily) and removed on destruction. Test-only;
// thread-compatible.
#pragma once

#include <stdlib.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace kiln::testing {

class TinyFilesystem {
 public:
  explicit TinyFilesystem(size_t bytes) {
    std::string dir =
        (std::filesystem::temp_directory_path() / "kiln-tinyfs-XXXXXX")
            .string();
    if (mkdtemp(dir.data()) == nullptr) {
      why_not_ = std::string("mkdtemp: ") + std::strerror(errno);
      return;
    }
    dir_ = dir;
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      why_not_ = std::string("cannot mount a tmpfs (needs root): ") +
                 std::strerror(errno);
    } else {
      mounted_ = true;
    }
  }
  ~TinyFilesystem() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  TinyFilesystem(const TinyFilesystem&) = delete;
  TinyFilesystem& operator=(const TinyFilesystem&) = delete;

  // Empty when the file system is mounted; else why it is not.
  const std::string& why_not() const { return why_not_; }
  // `name` inside the file system.
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
  std::string why_not_;
  bool mounted_ = false;
};

}  // namespace kiln::testing
