#include "controller/vm/shim_records.h"

#include <string.h>

namespace kiln {

StatusOr<ShimPidRecord> ShimPidRecordFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgumentError("pid record: not an object");
  ShimPidRecord r;
  try {
    r.agent.pid = j.at("agentPid").get<pid_t>();
    r.agent.start_time = j.at("agentStartTime").get<uint64_t>();
    r.shim.pid = j.at("shimPid").get<pid_t>();
    r.shim.start_time = j.at("shimStartTime").get<uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("pid record: ") + e.what());
  }
  return r;
}

StatusOr<ShimExitRecord> ShimExitRecordFromJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return InvalidArgumentError("exit record: not an object");
  }
  ShimExitRecord r;
  try {
    const std::string status = j.at("status").get<std::string>();
    if (status == "signaled") {
      r.signaled = true;
      r.signal = j.at("signal").get<int>();
    } else if (status == "exited") {
      r.code = j.at("code").get<int>();
    } else {
      return InvalidArgumentError("exit record: unknown status " + status);
    }
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("exit record: ") + e.what());
  }
  return r;
}

std::string DescribeExit(const ShimExitRecord& exit) {
  if (!exit.signaled) return "exited with code " + std::to_string(exit.code);
  std::string text = "killed by signal " + std::to_string(exit.signal);
  if (const char* abbrev = sigabbrev_np(exit.signal)) {
    text += std::string(" (SIG") + abbrev + ")";
  }
  return text;
}

}  // namespace kiln
