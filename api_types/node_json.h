// JSON codec for Node (kiln.dev/v1, cluster-scoped): {apiVersion, kind: Node,
// metadata, status: {capacity: {cpus, memoryMiB, builds}, allocated: {...},
// driver, accelerator}}. capacity and allocated are always written with all
// three counts (0 is meaningful there); driver/accelerator are omitted when
// empty. Strict decoding (json_reader.h). Thread-compatible; never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "api_types/decode_options.h"
#include "api_types/field_error.h"
#include "api_types/node.h"
#include "api_types/status.h"

namespace kiln {

nlohmann::json ToJson(const Node& node);

// Errors: InvalidArgument listing every field error; `errors`, when not
// null, receives the list.
StatusOr<Node> NodeFromJson(const nlohmann::json& j,
                            const DecodeOptions& options = {},
                            std::vector<FieldError>* errors = nullptr);

}  // namespace kiln
