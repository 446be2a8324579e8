#include "controller/apiserver/resource_errors.h"

#include <string>

#include "api_types/object_meta.h"

namespace kiln {

std::string QualifiedResource(std::string_view resource) {
  return std::string(resource) + "." + kGroup;
}

Status ResourceNotFound(std::string_view resource, std::string_view name) {
  return NotFoundError(QualifiedResource(resource) + " \"" + std::string(name) +
                       "\" not found");
}

Status ResourceAlreadyExists(std::string_view resource, std::string_view name) {
  return AlreadyExistsError(QualifiedResource(resource) + " \"" +
                            std::string(name) + "\" already exists");
}

Status ResourceConflict(std::string_view resource, std::string_view name) {
  return ResourceConflictBecause(
      resource, name,
      "the object has been modified; please apply your changes to the latest "
      "version and try again");
}

Status ResourceConflictBecause(std::string_view resource, std::string_view name,
                               std::string_view why) {
  return AbortedError("Operation cannot be fulfilled on " +
                      QualifiedResource(resource) + " \"" + std::string(name) +
                      "\": " + std::string(why));
}

Status TranslateStoreError(const Status& status, std::string_view resource,
                           std::string_view name) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return ResourceNotFound(resource, name);
    case StatusCode::kAlreadyExists:
      return ResourceAlreadyExists(resource, name);
    case StatusCode::kAborted:
      return ResourceConflict(resource, name);
    default:
      return status;
  }
}

}  // namespace kiln
