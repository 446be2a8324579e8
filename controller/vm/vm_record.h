// VmRecord: what the process driver writes to STATE_DIR/<name>/vm.json when
// it creates a VM; a VM "exists" exactly when this file does. Plain value
// type and codec: thread-compatible.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "api_types/status.h"
#include "controller/vm/vm_cgroup.h"

namespace kiln {

inline constexpr char kVmRecordFile[] = "vm.json";

struct VmRecord {
  std::string driver = "process";
  std::string owner_key;
  std::string owner_uid;
  int64_t cpus = 0;
  int64_t memory_mib = 0;
  std::string created;  // RFC 3339
  VmCgroup cgroup;
  // False when the host gave us no writable cgroup (limits are advisory).
  bool limits_enforced = false;
  friend bool operator==(const VmRecord&, const VmRecord&) = default;
};

nlohmann::json VmRecordToJson(const VmRecord& record);
// InvalidArgument on a malformed record.
StatusOr<VmRecord> VmRecordFromJson(const nlohmann::json& j);

}  // namespace kiln
