// JSON codec for metav1.Status, the body of every API error: {apiVersion:
// "v1", kind: "Status", metadata: {}, status, message, reason, details: {name,
// group, kind, uid, causes: [{reason, message, field}], retryAfterSeconds},
// code}. Empty fields are omitted; details is written whenever set.
// Decoding is strict (json_reader.h); metadata may hold ListMeta fields,
// which are checked and dropped. Thread-compatible; never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "api_types/decode_options.h"
#include "api_types/field_error.h"
#include "api_types/meta_status.h"
#include "api_types/status.h"

namespace kiln {

inline constexpr char kMetaStatusApiVersion[] = "v1";
inline constexpr char kMetaStatusKind[] = "Status";

nlohmann::json ToJson(const MetaStatus& status);

// Errors: InvalidArgument listing every field error ("code: integer out of
// range"); `errors`, when not null, receives the list.
StatusOr<MetaStatus> MetaStatusFromJson(
    const nlohmann::json& j, const DecodeOptions& options = {},
    std::vector<FieldError>* errors = nullptr);

}  // namespace kiln
