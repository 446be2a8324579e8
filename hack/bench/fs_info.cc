#include "hack/bench/fs_info.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

namespace kiln::bench {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// True when `mount` is `path` or one of its ancestors.
bool Contains(const std::string& mount, const std::string& path) {
  if (mount == "/") return true;
  return path == mount || (path.size() > mount.size() &&
                           path.compare(0, mount.size(), mount) == 0 &&
                           path[mount.size()] == '/');
}

}  // namespace

StatusOr<FilesystemInfo> DescribeFilesystem(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::canonical(dir, ec);
  if (ec)
    return UnavailableError("cannot resolve " + dir + ": " + ec.message());
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return UnavailableError("cannot read /proc/self/mountinfo");
  FilesystemInfo best;
  best.path = canonical.string();
  std::string line;
  // Later lines win among equal mount points (the last mount hides the rest).
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    size_t dash = 0;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 5 || dash + 2 >= f.size()) continue;
    std::string mount = Unescape(f[4]);
    if (!Contains(mount, best.path) || mount.size() < best.mount_point.size()) {
      continue;
    }
    best.mount_point = mount;
    best.type = f[dash + 1];
    best.source = Unescape(f[dash + 2]);
  }
  if (best.type.empty()) {
    return UnavailableError("no mount found for " + best.path);
  }
  return best;
}

}  // namespace kiln::bench
