// Kubernetes-worded errors for one resource of the kiln.dev group, as
// kube-apiserver's apimachinery/pkg/api/errors builds them, so clients that
// match on messages (kubectl, scripts) read what they expect. Pure functions:
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

// "builds.kiln.dev": the qualified resource named in messages.
std::string QualifiedResource(std::string_view resource);

// NotFound `builds.kiln.dev "x" not found`.
Status ResourceNotFound(std::string_view resource, std::string_view name);

// AlreadyExists `builds.kiln.dev "x" already exists`.
Status ResourceAlreadyExists(std::string_view resource, std::string_view name);

// Aborted (HTTP 409 Conflict) `Operation cannot be fulfilled on
// builds.kiln.dev "x": the object has been modified; please apply your changes
// to the latest version and try again`.
Status ResourceConflict(std::string_view resource, std::string_view name);

// Aborted `Operation cannot be fulfilled on builds.kiln.dev "x": WHY`.
Status ResourceConflictBecause(std::string_view resource, std::string_view name,
                               std::string_view why);

// Rewrites a Store error about one object of `resource` in the wording above:
// NotFound, AlreadyExists and Aborted get the Kubernetes messages; any other
// status (and OK) is returned unchanged.
Status TranslateStoreError(const Status& status, std::string_view resource,
                           std::string_view name);

}  // namespace kiln
