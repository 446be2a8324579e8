#include "controller/vm/sandbox_mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "controller/vm/fixed_text.h"

namespace kiln {
namespace {

// Creates an empty file to bind a node onto. False (errno set) on error.
bool TouchMountPoint(const char* path) {
  const int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return false;
  close(fd);
  return true;
}

}  // namespace

const std::vector<std::string>& PrivateDevNodes() {
  static const std::vector<std::string> kNodes = {"null",   "zero",    "full",
                                                  "random", "urandom", "tty"};
  return kNodes;
}

PrivateDevPlan PlanPrivateDev(const std::string& staging) {
  PrivateDevPlan plan;
  plan.staging = staging;
  for (const std::string& name : PrivateDevNodes()) {
    plan.nodes.emplace_back("/dev/" + name, staging + "/" + name);
  }
  plan.links = {{"/proc/self/fd", staging + "/fd"},
                {"/proc/self/fd/0", staging + "/stdin"},
                {"/proc/self/fd/1", staging + "/stdout"},
                {"/proc/self/fd/2", staging + "/stderr"},
                {"pts/ptmx", staging + "/ptmx"}};
  plan.pts = staging + "/pts";
  plan.shm = staging + "/shm";
  return plan;
}

int MountPrivateDev(const PrivateDevPlan& plan, const char** step) {
  *step = "mount a tmpfs for the private /dev";
  if (mount("tmpfs", plan.staging.c_str(), "tmpfs", MS_NOSUID | MS_NOEXEC,
            "mode=755,size=64k") != 0) {
    return -1;
  }
  for (const auto& [node, file] : plan.nodes) {
    *step = "bind a device node into the private /dev";
    if (!TouchMountPoint(file.c_str()) ||
        mount(node.c_str(), file.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      return -1;
    }
  }
  *step = "link in the private /dev";
  for (const auto& [target, link] : plan.links) {
    if (symlink(target.c_str(), link.c_str()) != 0) return -1;
  }
  *step = "mount devpts in the private /dev";
  if (mkdir(plan.pts.c_str(), 0755) != 0 ||
      mount("devpts", plan.pts.c_str(), "devpts", MS_NOSUID | MS_NOEXEC,
            "newinstance,ptmxmode=0666,mode=0620") != 0) {
    return -1;
  }
  *step = "mount /dev/shm in the private /dev";
  if (mkdir(plan.shm.c_str(), 01777) != 0 ||
      mount("shm", plan.shm.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
            "mode=1777,size=65536k") != 0) {
    return -1;
  }
  *step = "move the private /dev over /dev";
  return mount(plan.staging.c_str(), "/dev", nullptr, MS_MOVE, nullptr);
}

int MountHostsFile(const char* hosts_file, const char** step) {
  *step = "bind the hosts file over /etc/hosts";
  if (mount(hosts_file, "/etc/hosts", nullptr, MS_BIND, nullptr) != 0) {
    return -1;
  }
  *step = "make /etc/hosts read-only";
  return mount(nullptr, "/etc/hosts", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY,
               nullptr);
}

int MountBinds(const std::vector<BindPlan>& binds, const char** step) {
  for (const BindPlan& bind : binds) {
    *step = "bind into the builder's view";
    if (mount(bind.source.c_str(), bind.target.c_str(), nullptr, MS_BIND,
              nullptr) != 0) {
      return -1;
    }
    *step = "make a bind in the builder's view read-only";
    if (bind.read_only &&
        mount(nullptr, bind.target.c_str(), nullptr,
              MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
              nullptr) != 0) {
      return -1;
    }
  }
  return 0;
}

StatusOr<HiddenDirPlan> PlanHiddenDir(const std::string& hidden,
                                      const std::string& exposed) {
  namespace fs = std::filesystem;
  const fs::path h = fs::path(hidden).lexically_normal();
  const fs::path e = fs::path(exposed).lexically_normal();
  const fs::path rel = e.lexically_relative(h);
  if (!h.is_absolute() || !e.is_absolute() || rel.empty() ||
      *rel.begin() == ".." || rel == ".") {
    return InvalidArgumentError("the builder's directory " + exposed +
                                " is not below the hidden directory " + hidden);
  }
  HiddenDirPlan plan;
  plan.hidden = h.string();
  plan.exposed = e.string();
  fs::path at = h;
  for (const fs::path& part : rel) {
    at /= part;
    plan.mount_points.push_back(at.string());
  }
  return plan;
}

int MountHiddenDir(const HiddenDirPlan& plan, int exposed_fd,
                   const char** step) {
  *step = "cover the data dir in the builder's view";
  if (mount("tmpfs", plan.hidden.c_str(), "tmpfs",
            MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=64k") != 0) {
    return -1;
  }
  *step = "make a mount point for the builder's directory";
  for (const std::string& dir : plan.mount_points) {
    if (mkdir(dir.c_str(), 0755) != 0) return -1;
  }
  FixedText<48> source;
  source.Add("/proc/self/fd/").AddInt(exposed_fd);
  *step = "show the builder's directory again";
  return mount(source.c_str(), plan.exposed.c_str(), nullptr, MS_BIND | MS_REC,
               nullptr);
}

}  // namespace kiln
