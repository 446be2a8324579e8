#include "controller/vm/sandbox_mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

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

}  // namespace kiln
