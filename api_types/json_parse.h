// Parsing JSON text (request bodies, files) into nlohmann::json, strictly:
// duplicate keys are an error (nlohmann would keep the last silently). Never
// throws. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

// Deepest nesting of arrays and objects ParseJson accepts. Kiln's objects
// nest a handful of levels; the bound keeps hostile input (100,000 '[') from
// costing a deep recursion anywhere a parsed value is later copied, compared
// or merged.
inline constexpr int kMaxJsonDepth = 100;

// Parses one JSON value. Errors: InvalidArgument "json: ..." — syntax errors
// and invalid UTF-8 with nlohmann's "parse error at line L, column C",
// numbers out of double range ("number overflow"), and
// "json: duplicate key \"cpus\"", and "json: nesting deeper than 100
// levels" (checked while parsing, before the value is built).
StatusOr<nlohmann::json> ParseJson(std::string_view text);

}  // namespace kiln
