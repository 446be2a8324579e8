// FieldError: one problem with one field of an API object, addressed by its
// wire path ("spec.resources.cpus", "status.conditions[1].type").
//
// Shared by the codecs (strict decoding) and validation; the API server turns
// a list of them into metav1 Status causes. Value type: thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "api_types/status.h"

namespace kiln {

struct FieldError {
  // Wire path of the field, e.g. "spec.resources.cpus"; empty for the whole
  // object.
  std::string field;
  // Human-readable problem, e.g. "must be > 0".
  std::string message;

  friend bool operator==(const FieldError&, const FieldError&) = default;
};

// Returns OK when `errors` is empty; otherwise InvalidArgument whose message is
// every error formatted as "field: message" (just "message" when field is
// empty), in order, joined by "; ", with one ErrorCause per error (reason
// "FieldValueInvalid") attached as details.
Status FieldErrorsToStatus(const std::vector<FieldError>& errors);

}  // namespace kiln
