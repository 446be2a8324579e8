#include "api_types/condition_json.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api_types/json_writer.h"
#include "api_types/utf8.h"

namespace kiln {

std::string_view ConditionStatusName(ConditionStatus status) {
  switch (status) {
    case ConditionStatus::kTrue:
      return "True";
    case ConditionStatus::kFalse:
      return "False";
    case ConditionStatus::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

std::optional<ConditionStatus> ParseConditionStatus(std::string_view text) {
  for (ConditionStatus s : {ConditionStatus::kTrue, ConditionStatus::kFalse,
                            ConditionStatus::kUnknown}) {
    if (text == ConditionStatusName(s)) return s;
  }
  return std::nullopt;
}

nlohmann::json ToJson(const Condition& condition) {
  using namespace json_writer;
  nlohmann::json j = nlohmann::json::object();
  j["type"] = condition.type;
  j["status"] = ConditionStatusName(condition.status);
  PutString(j, "reason", condition.reason);
  PutString(j, "message", condition.message);
  PutTime(j, "lastTransitionTime", condition.last_transition_time);
  return j;
}

void DecodeCondition(ObjectReader& r, Condition* out) {
  r.String("type", &out->type);
  std::string status;
  if (r.String("status", &status)) {
    if (auto s = ParseConditionStatus(status)) {
      out->status = *s;
    } else {
      r.AddError("status", "unsupported value \"" +
                               SanitizeForMessage(status, 64) +
                               "\" (want True, False or Unknown)");
    }
  }
  r.String("reason", &out->reason);
  r.String("message", &out->message);
  r.Time("lastTransitionTime", &out->last_transition_time);
}

}  // namespace kiln
