// JSON codec for BuildList: {apiVersion: kiln.dev/v1, kind: BuildList,
// metadata: {resourceVersion, continue, remainingItemCount}, items: [...]}.
// Items are written as full Builds (with apiVersion/kind, as for custom
// resources); when decoding, an item's apiVersion/kind may be absent but must
// be right if present. `items` is always written, [] when empty.
// Strict decoding (json_reader.h). Thread-compatible; never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "api_types/build.h"
#include "api_types/decode_options.h"
#include "api_types/field_error.h"
#include "api_types/status.h"

namespace kiln {

nlohmann::json ToJson(const BuildList& list);

// Errors: InvalidArgument listing every field error ("items[2].spec.cpus:
// ..."); `errors`, when not null, receives the list.
StatusOr<BuildList> BuildListFromJson(
    const nlohmann::json& j, const DecodeOptions& options = {},
    std::vector<FieldError>* errors = nullptr);

}  // namespace kiln
