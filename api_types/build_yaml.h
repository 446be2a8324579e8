// Strict decoding of Builds from YAML (see yaml_decode.h for the error
// format). Never throws. Thread-compatible.
#pragma once

#include <string_view>
#include <vector>

#include "api_types/build.h"
#include "api_types/decode_options.h"
#include "api_types/field_error.h"
#include "api_types/status.h"

namespace kiln {

// Exactly one non-empty YAML document holding a Build. Errors:
// InvalidArgument, e.g. "yaml: line 3, column 7: ..." or
// "spec.resourcse: unknown field (line 7, column 3)". `errors`, when not null,
// receives the located field errors.
StatusOr<Build> BuildFromYaml(std::string_view text,
                              const DecodeOptions& options = {},
                              std::vector<FieldError>* errors = nullptr);

// Every non-empty document of a "---" separated stream, each a Build.
// Errors: InvalidArgument listing the errors of every failing document as
// "document N: ..." joined by "; ".
StatusOr<std::vector<Build>> BuildsFromYaml(std::string_view text,
                                            const DecodeOptions& options = {});

}  // namespace kiln
