// JSON codec for Condition: {type, status: "True"|"False"|"Unknown", reason,
// message, lastTransitionTime}. type and status are always written. Strict
// decoding as described in json_reader.h. Thread-compatible; never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "api_types/condition.h"
#include "api_types/field_error.h"
#include "api_types/json_reader.h"
#include "api_types/status.h"

namespace kiln {

// "True", "False", "Unknown".
std::string_view ConditionStatusName(ConditionStatus status);
// Inverse of ConditionStatusName (exact spelling); nullopt otherwise.
std::optional<ConditionStatus> ParseConditionStatus(std::string_view text);

nlohmann::json ToJson(const Condition& condition);

// Building block for decoders of objects holding conditions.
void DecodeCondition(ObjectReader& r, Condition* out);

}  // namespace kiln
