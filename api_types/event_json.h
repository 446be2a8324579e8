// JSON codec for Event (kiln.dev/v1): {apiVersion, kind: Event, metadata,
// involvedObject: {apiVersion, kind, namespace, name, uid, resourceVersion},
// reason, message, type, count, firstTimestamp, lastTimestamp,
// source: {component}}. involvedObject is always written; empty fields are
// omitted. Strict decoding (json_reader.h). Thread-compatible; never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "api_types/decode_options.h"
#include "api_types/event.h"
#include "api_types/field_error.h"
#include "api_types/status.h"

namespace kiln {

nlohmann::json ToJson(const Event& event);

// Errors: InvalidArgument listing every field error; `errors`, when not
// null, receives the list.
StatusOr<Event> EventFromJson(const nlohmann::json& j,
                              const DecodeOptions& options = {},
                              std::vector<FieldError>* errors = nullptr);

}  // namespace kiln
