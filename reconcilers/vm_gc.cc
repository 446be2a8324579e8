#include "reconcilers/vm_gc.h"

#include <spdlog/spdlog.h>

#include <string>

#include "api_types/phase.h"

namespace kiln {

StatusOr<size_t> VmGarbageCollector::Collect() {
  ASSIGN_OR_RETURN(std::vector<VmInfo> vms, driver_.List());
  size_t deleted = 0;
  Status first = OkStatus();
  for (const VmInfo& vm : vms) {
    const size_t slash = vm.owner_key.find('/');
    std::string why;
    if (slash == std::string::npos) {
      why = "it records no owning Build";
    } else {
      StatusOr<Build> b = builds_.Get(vm.owner_key.substr(0, slash),
                                      vm.owner_key.substr(slash + 1));
      if (!b.ok() && b.status().code() != StatusCode::kNotFound) {
        if (first.ok()) first = b.status();
        continue;
      }
      if (!b.ok()) {
        why = "its Build " + vm.owner_key + " is gone";
      } else if (b->metadata.uid != vm.owner_uid) {
        why = "Build " + vm.owner_key + " was recreated (uid " +
              b->metadata.uid + ")";
      } else if (IsTerminal(b->status.phase)) {
        why = "Build " + vm.owner_key + " is " +
              std::string(PhaseName(b->status.phase));
      }
    }
    if (why.empty()) continue;
    if (Status s = driver_.Delete(vm.name, grace_); !s.ok()) {
      spdlog::warn("gc: deleting VM {} failed: {}", vm.name, s.ToString());
      if (first.ok()) first = s;
      continue;
    }
    spdlog::info("gc: deleted VM {} ({})", vm.name, why);
    ++deleted;
  }
  if (!first.ok()) return first;
  return deleted;
}

}  // namespace kiln
