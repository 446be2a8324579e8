#include "controller/vm/vm_cgroup.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "controller/base/files.h"

namespace kiln {
namespace {

// The value of "key N" in a flat-keyed cgroup file (memory.oom_control,
// memory.events).
std::optional<int64_t> FlatKeyedValue(const std::string& text,
                                      const std::string& key) {
  std::istringstream in(text);
  std::string k;
  int64_t v = 0;
  while (in >> k >> v) {
    if (k == key) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string CgroupVersionName(CgroupVersion version) {
  switch (version) {
    case CgroupVersion::kV1:
      return "v1";
    case CgroupVersion::kV2:
      return "v2";
    case CgroupVersion::kNone:
      break;
  }
  return "none";
}

nlohmann::json VmCgroupToJson(const VmCgroup& cgroup) {
  return {{"version", CgroupVersionName(cgroup.version)},
          {"dirs", cgroup.dirs},
          {"memoryDir", cgroup.memory_dir}};
}

StatusOr<VmCgroup> VmCgroupFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgumentError("cgroup: not an object");
  VmCgroup cgroup;
  try {
    const std::string version = j.value("version", "none");
    if (version == "v1") {
      cgroup.version = CgroupVersion::kV1;
    } else if (version == "v2") {
      cgroup.version = CgroupVersion::kV2;
    } else if (version != "none") {
      return InvalidArgumentError("cgroup.version: unknown " + version);
    }
    cgroup.dirs = j.value("dirs", std::vector<std::string>{});
    cgroup.memory_dir = j.value("memoryDir", "");
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("cgroup: ") + e.what());
  }
  return cgroup;
}

std::vector<std::string> CgroupProcsFiles(const VmCgroup& cgroup) {
  std::vector<std::string> files;
  for (const std::string& dir : cgroup.dirs) {
    files.push_back(dir + "/cgroup.procs");
  }
  return files;
}

std::vector<pid_t> CgroupPids(const VmCgroup& cgroup) {
  std::set<pid_t> pids;
  for (const std::string& file : CgroupProcsFiles(cgroup)) {
    StatusOr<std::string> text = ReadWholeFile(file);
    if (!text.ok()) continue;
    std::istringstream in(*text);
    pid_t pid = 0;
    while (in >> pid) pids.insert(pid);
  }
  return {pids.begin(), pids.end()};
}

std::optional<int64_t> CgroupOomKills(const VmCgroup& cgroup) {
  if (cgroup.memory_dir.empty()) return std::nullopt;
  const char* file = cgroup.version == CgroupVersion::kV2
                         ? "/memory.events"
                         : "/memory.oom_control";
  StatusOr<std::string> text = ReadWholeFile(cgroup.memory_dir + file);
  if (!text.ok()) return std::nullopt;
  return FlatKeyedValue(*text, "oom_kill");
}

void KillCgroup(const VmCgroup& cgroup) {
  if (cgroup.version == CgroupVersion::kV2) {
    for (const std::string& dir : cgroup.dirs) {
      std::ofstream kill_file(dir + "/cgroup.kill");
      if (kill_file) kill_file << "1";
    }
  }
  for (pid_t pid : CgroupPids(cgroup)) {
    if (pid > 0) kill(pid, SIGKILL);
  }
}

Status RemoveCgroup(const VmCgroup& cgroup) {
  for (const std::string& dir : cgroup.dirs) {
    if (rmdir(dir.c_str()) != 0 && errno != ENOENT) {
      const std::string why = strerror(errno);
      if (errno == EBUSY) {
        return UnavailableError("cgroup " + dir + " still busy: " + why);
      }
      return InternalError("cannot remove cgroup " + dir + ": " + why);
    }
  }
  return OkStatus();
}

}  // namespace kiln
