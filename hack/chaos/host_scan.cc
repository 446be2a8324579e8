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

// Lines of `text` that start with `prefix`.
int CountLinesStartingWith(const std::string& text, const std::string& prefix) {
  int n = text.rfind(prefix, 0) == 0 ? 1 : 0;
  const std::string at_line = "\n" + prefix;
  for (size_t p = text.find(at_line); p != std::string::npos;
       p = text.find(at_line, p + at_line.size())) {
    ++n;
  }
  return n;
}

// Shim pid -> VM name, from every VM's pid.json.
std::map<pid_t, std::string> ShimPids(const std::string& data_dir) {
  std::map<pid_t, std::string> shims;
  for (const std::string& vm : VmDirs(data_dir)) {
    const nlohmann::json pids = nlohmann::json::parse(
        ReadFileOrEmpty(data_dir + "/vms/" + vm + "/pid.json"), nullptr, false);
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

// The NUL-separated arguments of a /proc/PID/cmdline text.
std::vector<std::string> Args(const std::string& cmdline) {
  std::vector<std::string> args;
  size_t start = 0;
  for (size_t nul = cmdline.find('\0'); nul != std::string::npos;
       nul = cmdline.find('\0', start)) {
    args.push_back(cmdline.substr(start, nul - start));
    start = nul + 1;
  }
  return args;
}

// The value after `flag` in `args` ("" when absent).
std::string FlagValue(const std::vector<std::string>& args,
                      const std::string& flag) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag) return args[i + 1];
  }
  return "";
}

}  // namespace

std::string VmNameFor(const std::string& uid) {
  std::string name = "kiln-";
  for (char c : uid) {
    if (c != '-') {
      name.push_back(
          static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
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
  const std::string vms_dir = data_dir + "/vms/";
  std::vector<BuilderProcess> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string pid_text = e.path().filename().string();
    if (pid_text.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const pid_t pid = std::atoi(pid_text.c_str());
    const std::vector<std::string> args =
        Args(ReadFileOrEmpty(e.path().string() + "/cmdline"));
    const std::string comm = ReadFileOrEmpty(e.path().string() + "/comm");
    BuilderProcess p{pid, "", ""};
    const std::string work_dir = FlagValue(args, "--work-dir");
    if (work_dir.rfind(vms_dir, 0) == 0) {
      // --work-dir DATA_DIR/vms/NAME/agent (the agent directory).
      const std::string rest = work_dir.substr(vms_dir.size());
      p.vm = rest.substr(0, rest.find('/'));
      p.what = "agent";
    } else if (comm.rfind("kiln-shim", 0) == 0 &&
               FlagValue(args, "--data-dir") == data_dir) {
      auto it = shims.find(pid);
      p.vm = it == shims.end() ? "" : it->second;
      p.what = "shim";
    } else {
      p.vm = CgroupVm(ReadFileOrEmpty(e.path().string() + "/cgroup"), vm_names);
      if (p.vm.empty()) continue;
      p.what = "cgroup member";
    }
    found.push_back(p);
  }
  return found;
}

int Attempts(const std::string& log) {
  return std::max(CountLinesStartingWith(log, "STEP 1/"),
                  CountLinesStartingWith(log, "started pid "));
}

}  // namespace kiln::chaos
