#include "controller/vm/vm_record.h"

namespace kiln {

nlohmann::json VmRecordToJson(const VmRecord& record) {
  return {{"driver", record.driver},
          {"ownerKey", record.owner_key},
          {"ownerUID", record.owner_uid},
          {"cpus", record.cpus},
          {"memoryMiB", record.memory_mib},
          {"created", record.created},
          {"cgroup", VmCgroupToJson(record.cgroup)},
          {"limitsEnforced", record.limits_enforced}};
}

StatusOr<VmRecord> VmRecordFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgumentError("vm: not an object");
  VmRecord record;
  try {
    record.driver = j.value("driver", "");
    record.owner_key = j.value("ownerKey", "");
    record.owner_uid = j.value("ownerUID", "");
    record.cpus = j.value("cpus", int64_t{0});
    record.memory_mib = j.value("memoryMiB", int64_t{0});
    record.created = j.value("created", "");
    record.limits_enforced = j.value("limitsEnforced", false);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("vm: ") + e.what());
  }
  if (auto it = j.find("cgroup"); it != j.end()) {
    ASSIGN_OR_RETURN(record.cgroup, VmCgroupFromJson(*it));
  }
  return record;
}

}  // namespace kiln
