#include "api_types/field_error.h"

#include <string>
#include <utility>
#include <vector>

namespace kiln {

Status FieldErrorsToStatus(const std::vector<FieldError>& errors) {
  if (errors.empty()) return OkStatus();
  std::string message;
  for (const FieldError& error : errors) {
    if (!message.empty()) message += "; ";
    if (!error.field.empty()) {
      message += error.field;
      message += ": ";
    }
    message += error.message;
  }
  ErrorDetails details;
  for (const FieldError& error : errors) {
    details.causes.push_back({"FieldValueInvalid", error.message, error.field});
  }
  return InvalidArgumentError(std::move(message))
      .WithDetails(std::move(details));
}

}  // namespace kiln
