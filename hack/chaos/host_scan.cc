#include "hack/chaos/host_scan.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "controller/base/files.h"

namespace kiln::chaos {
namespace {

namespace fs = std::filesystem;

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t p = text.find(what); p != std::string::npos;
       p = text.find(what, p + what.size())) {
    ++n;
  }
  return n;
}

// Shim pid -> VM name, from every VM's pid.json.
std::map<pid_t, std::string> ShimPids(const std::string& data_dir) {
  std::map<pid_t, std::string> shims;
  for (const std::string& vm : VmDirs(data_dir)) {
    const nlohmann::json pids = nlohmann::json::parse(
        ReadFileOrEmpty(data_dir + "/vms/" + vm + "/pid.json"), nullptr,
        false);
    if (pids.is_object()) shims[pids.value("shimPid", pid_t{0})] = vm;
  }
  return shims;
}

// The VM of a /proc/PID/cgroup text when it names one of `vm_names`
// (".../kiln/<vm>" on some hierarchy).
std::string CgroupVm(const std::string& cgroups,
                     const std::set<std::string>& vm_names) {
  for (size_t p = cgroups.find("/kiln/"); p != std::string::npos;
       p = cgroups.find("/kiln/", p + 1)) {
    const size_t start = p + 6;
    const size_t end = cgroups.find_first_of("/\n", start);
    const std::string name = cgroups.substr(
        start, end == std::string::npos ? std::string::npos : end - start);
    if (vm_names.count(name) != 0) return name;
  }
  return "";
}

}  // namespace

std::string VmNameFor(const std::string& uid) {
  std::string name = "kiln-";
  for (char c : uid) {
    if (c != '-') {
      name.push_back(static_cast<char>(std::tolower(
          static_cast<unsigned char>(c))));
    }
  }
  return name;
}

std::vector<std::string> VmDirs(const std::string& data_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(data_dir + "/vms", ec)) {
    if (e.is_directory(ec)) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<BuilderProcess> BuilderProcesses(
    const std::string& data_dir, const std::set<std::string>& vm_names) {
  const std::map<pid_t, std::string> shims = ShimPids(data_dir);
  const std::string work_dir_prefix = data_dir + "/vms/";
  std::vector<BuilderProcess> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string pid_text = e.path().filename().string();
    if (pid_text.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const pid_t pid = std::atoi(pid_text.c_str());
    std::string cmdline = ReadFileOrEmpty(e.path().string() + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    const std::string comm = ReadFileOrEmpty(e.path().string() + "/comm");
    BuilderProcess p{pid, "", ""};
    const size_t wd = cmdline.find("--work-dir " + work_dir_prefix);
    if (wd != std::string::npos) {
      const size_t start = wd + 11 + work_dir_prefix.size();
      p.vm = cmdline.substr(start, cmdline.find_first_of(" /", start) - start);
      p.what = "agent";
    } else if (comm.rfind("kiln-shim", 0) == 0 &&
               cmdline.find(data_dir) != std::string::npos) {
      auto it = shims.find(pid);
      p.vm = it == shims.end() ? "" : it->second;
      p.what = "shim";
    } else {
      p.vm = CgroupVm(ReadFileOrEmpty(e.path().string() + "/cgroup"),
                      vm_names);
      if (p.vm.empty()) continue;
      p.what = "cgroup member";
    }
    found.push_back(p);
  }
  return found;
}

int Attempts(const std::string& log) {
  return std::max(Count(log, "STEP 1/"), Count(log, "started pid "));
}

}  // namespace kiln::chaos
