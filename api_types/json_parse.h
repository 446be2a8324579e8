// Parsing JSON text (request bodies, files) into nlohmann::json, strictly:
// duplicate keys are an error (nlohmann would keep the last silently). Never
// throws. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

// Parses one JSON value. Errors: InvalidArgument "json: ..." — syntax errors
// and invalid UTF-8 with nlohmann's "parse error at line L, column C",
// numbers out of double range ("number overflow"), and
// "json: duplicate key \"cpus\"".
StatusOr<nlohmann::json> ParseJson(std::string_view text);

}  // namespace kiln
