// The checks made through the data dir and /proc: leftover VMs and builder
// processes, builder attempts per build log.
#include <map>
#include <set>
#include <thread>

#include "controller/base/files.h"
#include "hack/chaos/checks.h"
#include "hack/chaos/host_scan.h"
#include "hack/chaos/load_records.h"

namespace kiln::chaos {
namespace {

struct Leftovers {
  std::set<std::string> vm_dirs;  // VM names
  std::map<pid_t, BuilderProcess> processes;
};

// VM dirs and builder processes that no non-terminal Build accounts for.
StatusOr<Leftovers> FindLeftovers(const CheckContext& ctx) {
  ASSIGN_OR_RETURN(nlohmann::json builds, ctx.Get("/apis/kiln.dev/v1/builds"));
  std::set<std::string> live;
  std::set<std::string> known;
  for (const nlohmann::json& b : builds.value("items", nlohmann::json())) {
    const std::string vm = VmNameFor(b.value("/metadata/uid"_json_pointer, ""));
    known.insert(vm);
    if (!IsTerminalPhase(b.value("/status/phase"_json_pointer, ""))) {
      live.insert(vm);
    }
  }
  for (const CreateRecord& c : ReadCreates(ctx.state_dir)) {
    if (c.uid != "-") known.insert(VmNameFor(c.uid));
  }
  Leftovers left;
  for (const std::string& vm : VmDirs(ctx.data_dir)) {
    known.insert(vm);
    if (live.count(vm) == 0) left.vm_dirs.insert(vm);
  }
  for (const BuilderProcess& p : BuilderProcesses(ctx.data_dir, known)) {
    if (p.vm.empty() || live.count(p.vm) == 0) left.processes[p.pid] = p;
  }
  return left;
}

}  // namespace

Status CheckOrphans(const CheckContext& ctx) {
  // A leftover counts only when it outlives `settle`: GC and the reconciler
  // remove a finished Build's VM shortly after, not at once.
  const auto deadline = std::chrono::steady_clock::now() + ctx.settle;
  ASSIGN_OR_RETURN(Leftovers left, FindLeftovers(ctx));
  while ((!left.vm_dirs.empty() || !left.processes.empty()) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ASSIGN_OR_RETURN(Leftovers now, FindLeftovers(ctx));
    // Still left = left before and now (a new one gets its own settle
    // time at the next check).
    Leftovers both;
    for (const std::string& vm : now.vm_dirs) {
      if (left.vm_dirs.count(vm) != 0) both.vm_dirs.insert(vm);
    }
    for (const auto& [pid, p] : now.processes) {
      if (left.processes.count(pid) != 0) both.processes[pid] = p;
    }
    left = std::move(both);
  }
  const std::string after =
      " after " + std::to_string(ctx.settle.count()) + " s";
  for (const std::string& vm : left.vm_dirs) {
    ctx.report->Violation(
        "orphan-vm", "VM dir vms/" + vm + " has no non-terminal Build" + after);
  }
  for (const auto& [pid, p] : left.processes) {
    ctx.report->Violation(
        "orphan-process",
        p.what + " pid " + std::to_string(pid) + " of VM " +
            (p.vm.empty() ? "(unknown)" : p.vm) + " (" +
            ReadFileOrEmpty("/proc/" + std::to_string(pid) + "/comm")
                .substr(0, 15) +
            ") has no non-terminal Build" + after);
  }
  ctx.report->Ran("orphans");
  return OkStatus();
}

Status CheckAttempts(const CheckContext& ctx) {
  ASSIGN_OR_RETURN(nlohmann::json builds, ctx.Get(ctx.BuildsPath()));
  for (const nlohmann::json& b : builds.value("items", nlohmann::json())) {
    const std::string uid = b.value("/metadata/uid"_json_pointer, "");
    const int attempts =
        Attempts(ReadFileOrEmpty(ctx.data_dir + "/logs/" + uid + ".log"));
    if (attempts > 1) {
      ctx.report->Violation(
          "one-attempt", "build " + b.value("/metadata/name"_json_pointer, "") +
                             " uid " + uid + ": its log shows " +
                             std::to_string(attempts) + " builder starts");
    } else {
      ctx.report->Ran("one-attempt");
    }
  }
  return OkStatus();
}

}  // namespace kiln::chaos
