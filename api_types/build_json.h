// JSON codec for Build (kiln.dev/v1). Wire names as in docs/api.md "Build";
// unset fields are omitted (Kubernetes omitempty): metadata and spec are always
// written, status only when it differs from the default. Optional members
// (spec.source.archive/inline, spec.output, status.vm/image/provenance) are
// written whenever set, even if empty, so FromJson(ToJson(b)) == b.
//
// Decoding is strict (json_reader.h): unknown fields, wrong types, bad
// timestamps and unknown phases are errors naming the field path; JSON null
// means unset; the legacy phase "queued"/"Queued" reads as Pending.
// Thread-compatible; never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "api_types/build.h"
#include "api_types/decode_options.h"
#include "api_types/field_error.h"
#include "api_types/json_reader.h"
#include "api_types/status.h"

namespace kiln {

nlohmann::json ToJson(const Build& build);

// Errors: InvalidArgument whose message lists every field error as
// "field: message" joined by "; ", e.g. "spec.resources.cpus: expected
// integer, got string; spec.resourcse: unknown field". `errors`, when not
// null, receives the same list (empty on success).
StatusOr<Build> BuildFromJson(const nlohmann::json& j,
                              const DecodeOptions& options = {},
                              std::vector<FieldError>* errors = nullptr);

// Building blocks, shared with BuildList and the YAML codec.
nlohmann::json ToJson(const BuildSpec& spec);      // always an object
nlohmann::json ToJson(const BuildStatus& status);  // {} for the default
void DecodeBuild(ObjectReader& r, const DecodeOptions& options, Build* out);
void DecodeBuildSpec(ObjectReader& r, BuildSpec* out);
void DecodeBuildStatus(ObjectReader& r, BuildStatus* out);

}  // namespace kiln
