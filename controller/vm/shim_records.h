// The records the process driver's shim (detached_launch.h) writes into a
// VM's work directory, and how the driver reads them back:
//
//   pid.json   {"agentPid","agentStartTime","shimPid","shimStartTime"},
//              written once the agent process exists, before Create returns
//   exit.json  {"status":"exited","code":N} or {"status":"signaled",
//              "signal":N}, written when the agent has exited and been reaped
//
// Both are written atomically (temp file + rename). Thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api_types/status.h"
#include "controller/vm/proc_identity.h"

namespace kiln {

inline constexpr char kShimPidFile[] = "pid.json";
inline constexpr char kShimExitFile[] = "exit.json";

struct ShimPidRecord {
  ProcessIdentity agent;  // host pid of the agent (pid 1 of its pid ns)
  ProcessIdentity shim;   // the process that waits for it
};

struct ShimExitRecord {
  bool signaled = false;
  int code = 0;    // when !signaled
  int signal = 0;  // when signaled
};

StatusOr<ShimPidRecord> ShimPidRecordFromJson(const nlohmann::json& j);
StatusOr<ShimExitRecord> ShimExitRecordFromJson(const nlohmann::json& j);

// "killed by signal 9 (SIGKILL)", "exited with code 1".
std::string DescribeExit(const ShimExitRecord& exit);

}  // namespace kiln
