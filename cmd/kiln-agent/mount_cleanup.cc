#include "cmd/kiln-agent/mount_cleanup.h"

#include <sys/mount.h>

#include <algorithm>
#include <sstream>

#include "controller/base/files.h"

namespace kiln {
namespace {

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' &&
        s[i + 1] <= '3') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
                               (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string WithoutTrailingSlash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

std::vector<std::string> MountPointsBelow(
    std::string_view mountinfo, const std::vector<std::string>& roots) {
  std::vector<std::string> found;
  std::istringstream in{std::string(mountinfo)};
  std::string line;
  while (std::getline(in, line)) {
    // Fields: id parent major:minor root mount-point ...
    std::istringstream fields(line);
    std::string skip, mount_point;
    fields >> skip >> skip >> skip >> skip >> mount_point;
    if (mount_point.empty()) continue;
    mount_point = Unescape(mount_point);
    for (const std::string& raw_root : roots) {
      const std::string root = WithoutTrailingSlash(raw_root);
      if (root.empty() || root == "/") continue;
      if (mount_point.size() > root.size() + 1 &&
          mount_point.compare(0, root.size(), root) == 0 &&
          mount_point[root.size()] == '/') {
        found.push_back(mount_point);
        break;
      }
    }
  }
  std::sort(found.begin(), found.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() != b.size() ? a.size() > b.size() : a > b;
            });
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

std::vector<std::string> UnmountBelow(const std::vector<std::string>& roots) {
  const std::string mountinfo = ReadFileOrEmpty("/proc/self/mountinfo");
  std::vector<std::string> unmounted;
  for (const std::string& mount_point : MountPointsBelow(mountinfo, roots)) {
    if (umount2(mount_point.c_str(), MNT_DETACH) == 0) {
      unmounted.push_back(mount_point);
    }
  }
  return unmounted;
}

}  // namespace kiln
