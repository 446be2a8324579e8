#include "controller/vm/cgroup_host.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <sstream>

#include "controller/base/files.h"

namespace kiln {
namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Status WriteCgroupFile(const std::string& path, const std::string& value) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return InternalError("cannot open " + path + ": " + strerror(errno));
  }
  ssize_t n = write(fd, value.data(), value.size());
  const int write_errno = errno;
  close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    return InternalError("cannot write \"" + value + "\" to " + path + ": " +
                         strerror(write_errno));
  }
  return OkStatus();
}

// mkdir that accepts an existing directory.
Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return InternalError("cannot create " + path + ": " + strerror(errno));
  }
  return OkStatus();
}

// Whether cgroups can be created under `dir` (made if missing): creates and
// removes a probe child.
Status ProbeParent(const std::string& dir) {
  RETURN_IF_ERROR(MakeDir(dir));
  const std::string probe = dir + "/.probe-" + std::to_string(getpid());
  RETURN_IF_ERROR(MakeDir(probe));
  rmdir(probe.c_str());
  return OkStatus();
}

// This process's cgroup directory in `mount` for the hierarchy line
// matching `controller` ("" = v2), or "" when unknown.
std::string OwnDir(const CgroupMount& mount, const std::vector<ProcCgroup>& own,
                   const std::string& controller) {
  for (const ProcCgroup& line : own) {
    const bool match = controller.empty()
                           ? line.controllers.empty()
                           : Contains(line.controllers, controller);
    if (!match) continue;
    std::string path = line.path;
    if (mount.root != "/") {
      if (path.rfind(mount.root, 0) != 0) return "";
      path = path.substr(mount.root.size());
    }
    if (path.empty() || path == "/") return mount.mount_point;
    return mount.mount_point + path;
  }
  return "";
}

// The candidates for the parent of VM cgroups, best first.
std::vector<std::string> Candidates(const CgroupMount& mount,
                                    const std::vector<ProcCgroup>& own,
                                    const std::string& controller,
                                    const std::string& parent_name) {
  std::vector<std::string> out;
  const std::string own_dir = OwnDir(mount, own, controller);
  if (!own_dir.empty()) out.push_back(own_dir + "/" + parent_name);
  const std::string root = mount.mount_point + "/" + parent_name;
  if (!Contains(out, root)) out.push_back(root);
  return out;
}

}  // namespace

std::vector<CgroupMount> ParseCgroupMounts(const std::string& mountinfo) {
  std::vector<CgroupMount> mounts;
  std::istringstream in(mountinfo);
  std::string line;
  while (std::getline(in, line)) {
    // "id parent maj:min root mount-point opts [optional...] - type src sopts"
    std::vector<std::string> f = Split(line, ' ');
    auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 5 || dash == f.end() || f.end() - dash < 4) continue;
    const std::string& type = *(dash + 1);
    if (type != "cgroup" && type != "cgroup2") continue;
    CgroupMount m;
    m.root = f[3];
    m.mount_point = f[4];
    m.unified = type == "cgroup2";
    if (!m.unified) {
      for (const std::string& opt : Split(*(dash + 3), ',')) {
        static const std::vector<std::string> kNotControllers = {
            "rw",
            "ro",
            "xattr",
            "noprefix",
            "clone_children",
            "cpuset_v2_mode",
            "favordynmods"};
        if (Contains(kNotControllers, opt) ||
            opt.find('=') != std::string::npos) {
          continue;
        }
        m.controllers.push_back(opt);
      }
    }
    mounts.push_back(std::move(m));
  }
  return mounts;
}

std::vector<ProcCgroup> ParseProcCgroup(const std::string& text) {
  std::vector<ProcCgroup> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const size_t a = line.find(':');
    const size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    ProcCgroup entry;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    for (const std::string& c : Split(controllers, ',')) {
      if (!c.empty() && c.find('=') == std::string::npos) {
        entry.controllers.push_back(c);
      }
    }
    // A named hierarchy (name=systemd) is neither v2 nor a controller.
    if (entry.controllers.empty() && !controllers.empty()) continue;
    entry.path = line.substr(b + 1);
    out.push_back(std::move(entry));
  }
  return out;
}

CgroupHost CgroupHost::Detect(const std::string& parent_name) {
  CgroupHost host;
  const std::vector<CgroupMount> mounts =
      ParseCgroupMounts(ReadFileOrEmpty("/proc/self/mountinfo"));
  const std::vector<ProcCgroup> own =
      ParseProcCgroup(ReadFileOrEmpty("/proc/self/cgroup"));
  if (!host.DetectV2(mounts, own, parent_name)) {
    host.DetectV1(mounts, own, parent_name);
  }
  return host;
}

bool CgroupHost::DetectV2(const std::vector<CgroupMount>& mounts,
                          const std::vector<ProcCgroup>& own,
                          const std::string& parent_name) {
  for (const CgroupMount& mount : mounts) {
    if (!mount.unified) continue;
    std::istringstream words(
        ReadFileOrEmpty(mount.mount_point + "/cgroup.controllers"));
    const std::vector<std::string> available{
        std::istream_iterator<std::string>(words),
        std::istream_iterator<std::string>()};
    if (!Contains(available, "memory")) {
      continue;  // hybrid host: controllers live in the v1 hierarchies
    }
    std::string errors;
    for (const std::string& dir : Candidates(mount, own, "", parent_name)) {
      // Controllers must be enabled on the way down: in the parent of
      // `dir` (fails with EBUSY in a non-root cgroup holding processes)
      // and in `dir` itself for the VM cgroups below it.
      const std::string above = dir.substr(0, dir.rfind('/'));
      Status s = MakeDir(dir);
      if (s.ok())
        s = WriteCgroupFile(above + "/cgroup.subtree_control", "+memory +cpu");
      if (s.ok())
        s = WriteCgroupFile(dir + "/cgroup.subtree_control", "+memory +cpu");
      if (s.ok()) s = ProbeParent(dir);
      if (s.ok()) {
        version_ = CgroupVersion::kV2;
        parents_[""] = dir;
        // Apart: a host without the pids controller keeps cpu and memory.
        Status pids =
            WriteCgroupFile(above + "/cgroup.subtree_control", "+pids");
        if (pids.ok()) {
          pids = WriteCgroupFile(dir + "/cgroup.subtree_control", "+pids");
        }
        v2_pids_ = pids.ok();
        if (!v2_pids_) reason_ = pids.message() + " (pids not enforced)";
        return true;
      }
      errors += (errors.empty() ? "" : "; ") + s.message();
    }
    reason_ = "cgroup v2 at " + mount.mount_point + " not writable: " + errors;
    return false;
  }
  return false;
}

void CgroupHost::DetectV1(const std::vector<CgroupMount>& mounts,
                          const std::vector<ProcCgroup>& own,
                          const std::string& parent_name) {
  std::string errors = reason_;
  for (const std::string controller : {"memory", "cpu", "pids"}) {
    const CgroupMount* mount = nullptr;
    for (const CgroupMount& m : mounts) {
      if (!m.unified && Contains(m.controllers, controller)) mount = &m;
    }
    if (mount == nullptr) {
      errors += (errors.empty() ? "" : "; ") + std::string("no cgroup v1 ") +
                controller + " hierarchy mounted";
      continue;
    }
    bool found = false;
    for (const std::string& dir :
         Candidates(*mount, own, controller, parent_name)) {
      Status s = ProbeParent(dir);
      if (s.ok()) {
        parents_[controller] = dir;
        found = true;
        break;
      }
      errors += (errors.empty() ? "" : "; ") + s.message();
    }
    if (!found) errors += std::string(" (") + controller + " not enforced)";
  }
  if (parents_.count("memory") != 0 || parents_.count("cpu") != 0) {
    version_ = CgroupVersion::kV1;
  }
  // Errors from a v2 attempt are moot once v1 works.
  reason_ = parents_.size() == 3 ? "" : errors;
}

StatusOr<VmCgroup> CgroupHost::Create(const std::string& name,
                                      const CgroupLimits& limits) const {
  VmCgroup cgroup;
  cgroup.version = version_;
  if (version_ == CgroupVersion::kNone) return cgroup;
  Status status;
  for (const auto& [controller, parent] : parents_) {
    const std::string dir = parent + "/" + name;
    status = MakeDir(dir);
    if (!status.ok()) break;
    cgroup.dirs.push_back(dir);
    const bool v2 = version_ == CgroupVersion::kV2;
    if ((v2 || controller == "cpu") && limits.cpus > 0) {
      const std::string quota = std::to_string(limits.cpus * 100000);
      status = v2 ? WriteCgroupFile(dir + "/cpu.max", quota + " 100000")
                  : WriteCgroupFile(dir + "/cpu.cfs_period_us", "100000");
      if (status.ok() && !v2) {
        status = WriteCgroupFile(dir + "/cpu.cfs_quota_us", quota);
      }
      if (!status.ok()) break;
    }
    if (((v2 && v2_pids_) || controller == "pids") && limits.pids_max > 0) {
      status =
          WriteCgroupFile(dir + "/pids.max", std::to_string(limits.pids_max));
      if (!status.ok()) break;
    }
    if (v2 || controller == "memory") {
      cgroup.memory_dir = dir;
      if (limits.memory_mib > 0) {
        const std::string bytes = std::to_string(limits.memory_mib << 20);
        status = WriteCgroupFile(
            dir + (v2 ? "/memory.max" : "/memory.limit_in_bytes"), bytes);
        if (!status.ok()) break;
        // No swapping past the limit; absent without swap accounting.
        (void)WriteCgroupFile(
            dir + (v2 ? "/memory.swap.max" : "/memory.memsw.limit_in_bytes"),
            v2 ? "0" : bytes);
      }
    }
  }
  if (!status.ok()) {
    (void)RemoveCgroup(cgroup);
    return status;
  }
  return cgroup;
}

}  // namespace kiln
