// Validation of Build and Node objects as the API server admits them.
//
// Every function reports ALL problems at once, each as a FieldError whose
// field is the full wire path ("spec.resources.cpus",
// `metadata.labels["team web"]`, `spec.source.inline.files["../x"]`; map keys
// quoted and escaped). An empty vector means valid. The `...AsStatus`
// wrappers fold the list into one InvalidArgument via FieldErrorsToStatus (the
// API server's 422). Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "api_types/build.h"
#include "api_types/field_error.h"
#include "api_types/node.h"
#include "api_types/status.h"

namespace kiln {

inline constexpr size_t kInlineSourceLimitBytes = 1 << 20;  // file contents
inline constexpr size_t kAnnotationsTotalSizeLimitBytes = 256 << 10;
inline constexpr size_t kBuildArgValueMaxBytes = 4 << 10;
inline constexpr int64_t kMinCpus = 1;
inline constexpr int64_t kMaxCpus = 256;
inline constexpr int64_t kMinMemoryMiB = 64;
inline constexpr int64_t kMaxMemoryMiB = 1 << 20;  // 1 TiB
inline constexpr int64_t kMinTimeoutSeconds = 1;
inline constexpr int64_t kMaxTimeoutSeconds = 24 * 60 * 60;

// Validates metadata and spec of a Build (status is not looked at; see
// ValidateBuildStatusUpdate). Expects ApplyBuildDefaults to have run: an empty
// namespace or dockerfile is an error. Rules: metadata.name and
// metadata.namespace are DNS-1123 labels (the name is a path component of the
// default image); label keys/values and annotation keys have Kubernetes
// syntax, annotations total <= 256 KiB; exactly one source kind; archive
// digests are sha256; inline sources have >= 1 file, safe relative paths
// (CheckRelativePath), <= kInlineSourceLimitBytes of content, and contain the
// dockerfile; buildArgs keys are C identifiers, values <= 4 KiB;
// spec.output.image, when non-empty, parses as an image reference; resources
// and timeout, when set, are within [kMin*, kMax*].
std::vector<FieldError> ValidateBuild(const Build& build);

// ValidateBuild(new_build) plus the update rules: metadata.name, .namespace
// and .uid are immutable, and so is the spec except spec.cancel, which may go
// from false to true but never back. The caller copies the stored uid into
// `new_build` first when the request omitted it (as Kubernetes does).
std::vector<FieldError> ValidateBuildUpdate(const Build& old_build,
                                            const Build& new_build);

// Rules for a write to the status subresource: a terminal phase is never left
// and any phase change must be IsLegalTransition (phase.h). Rewriting the same
// phase, terminal included, is allowed.
std::vector<FieldError> ValidateBuildStatusUpdate(const Build& old_build,
                                                  const Build& new_build);

// metadata.name is a DNS-1123 subdomain, metadata.namespace is empty
// (cluster-scoped), labels/annotations as for Build; every capacity and
// allocated figure is >= 0 and allocated <= capacity.
std::vector<FieldError> ValidateNode(const Node& node);

inline Status ValidateBuildAsStatus(const Build& build) {
  return FieldErrorsToStatus(ValidateBuild(build));
}
inline Status ValidateBuildUpdateAsStatus(const Build& old_build,
                                          const Build& new_build) {
  return FieldErrorsToStatus(ValidateBuildUpdate(old_build, new_build));
}
inline Status ValidateBuildStatusUpdateAsStatus(const Build& old_build,
                                                const Build& new_build) {
  return FieldErrorsToStatus(ValidateBuildStatusUpdate(old_build, new_build));
}
inline Status ValidateNodeAsStatus(const Node& node) {
  return FieldErrorsToStatus(ValidateNode(node));
}

}  // namespace kiln
