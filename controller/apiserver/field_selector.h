// Field selectors (?fieldSelector=) as Kiln supports them: metadata.name,
// metadata.namespace and, for lists, status.phase, combined with ',' and
// compared with =, == or !=. Pure functions: thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_types/status.h"

namespace kiln {

// One "field=value" / "field!=value" term of a field selector.
struct FieldRequirement {
  std::string field;  // dotted path, e.g. "metadata.name"
  std::string value;
  bool negate = false;  // true for !=
};

// Parses `text` ("" = no requirement; empty terms are skipped). Watches
// support metadata.name and metadata.namespace only (`for_watch`); lists
// also status.phase. InvalidArgument for a term without an operator or on
// an unsupported field (the message names the supported ones).
StatusOr<std::vector<FieldRequirement>> ParseFieldSelector(
    const std::string& text, bool for_watch);

// True when `object` (a stored JSON object) meets every requirement. A
// field that is missing or not a string reads as "".
bool FieldsMatch(const std::vector<FieldRequirement>& requirements,
                 const nlohmann::json& object);

}  // namespace kiln
