// PATCH bodies: JSON merge patch (RFC 7386, application/merge-patch+json),
// JSON patch (RFC 6902, application/json-patch+json) and the applied
// configuration of a server-side apply (application/apply-patch+yaml).
//
// Parsing and applying are separate so BuildStorage can re-apply one parsed
// patch to fresh state when a concurrent write wins (as kube-apiserver's
// patcher does). nlohmann's exceptions are caught here and become
// InvalidArgument; nothing throws. Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

// Most operations one JSON patch may carry (kube-apiserver allows 10,000).
inline constexpr size_t kMaxJsonPatchOperations = 10000;

// Largest document a JSON patch may build, in approximate serialized bytes
// (api_types/json_extent.h): the default request body limit. Without it
// thirty `copy` operations of the root's contents into itself reach 2^30
// nodes.
inline constexpr size_t kMaxPatchedDocumentBytes = 3 << 20;

// A merge patch must be a JSON object (strictly parsed: duplicate keys are
// errors). Errors: InvalidArgument "json: ..." / "merge patch must be a JSON
// object, got T".
StatusOr<nlohmann::json> ParseMergePatch(std::string_view text);

// A JSON patch must be an array of at most kMaxJsonPatchOperations objects,
// each with a string "op" and "path". Errors: InvalidArgument naming the
// offending operation ("json patch operation 2: missing \"path\"").
StatusOr<nlohmann::json> ParseJsonPatch(std::string_view text);

// The applied configuration: YAML or JSON text holding exactly one document,
// which is an object. Errors: InvalidArgument with YAML line/column, or
// "apply patch must hold exactly one object, got N documents".
StatusOr<nlohmann::json> ParseApplyConfiguration(std::string_view text);

// RFC 7386 on a copy of `target`.
nlohmann::json ApplyMergePatch(const nlohmann::json& target,
                               const nlohmann::json& patch);

// RFC 6902 on a copy of `target`, one operation at a time. Errors:
// InvalidArgument naming the operation that failed, e.g. `json patch
// operation 1 (remove /spec/nope): ...` (path not found, failed test, ...),
// including an operation after which the document would be larger than
// kMaxPatchedDocumentBytes or nest deeper than kMaxJsonDepth; checked before
// the operation runs, so no such document is ever built.
StatusOr<nlohmann::json> ApplyJsonPatch(const nlohmann::json& target,
                                        const nlohmann::json& operations);

// True when the patch writes metadata.resourceVersion (or a parent of it),
// which makes the patched value's resourceVersion a precondition rather than
// the server's own optimistic-concurrency token.
bool MergePatchSetsResourceVersion(const nlohmann::json& patch);
bool JsonPatchSetsResourceVersion(const nlohmann::json& operations);

// Server-side apply, simplified (see docs/apply.md): merges the applied
// configuration into `live` with merge-patch semantics, restricted to what
// the applier may own. For the main resource: spec (maps merged, lists
// replaced), metadata.labels and metadata.annotations (merged per key),
// metadata.finalizers (replaced) and metadata.resourceVersion (a
// precondition); for the status subresource: status only. Everything else in
// `applied` is ignored here (BuildStorage checks name and namespace).
nlohmann::json MergeAppliedConfiguration(const nlohmann::json& live,
                                         const nlohmann::json& applied,
                                         bool status_subresource);

}  // namespace kiln
