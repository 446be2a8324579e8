// `kilnctl describe build NAME`: everything about one Build in one screen —
// spec, status, conditions, VM, provenance, its events (oldest first) and
// the last lines of its log. Rendering is a pure function of the objects
// and `now`, so it is tested against golden files.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api_types/time.h"

namespace kiln::kilnctl {

// `events`: the Build's Event objects; `log_tail`: its last log lines ("" =
// none yet).
std::string DescribeBuild(const nlohmann::json& build,
                          const std::vector<nlohmann::json>& events,
                          const std::string& log_tail, Timestamp now);

// "5s", "3m", "2h", "4d" — how long ago `then` was.
std::string Ago(const std::string& rfc3339, Timestamp now);

}  // namespace kiln::kilnctl
