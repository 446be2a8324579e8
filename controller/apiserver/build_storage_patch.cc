// BuildStorage::Patch: JSON merge patch, JSON patch and a simplified
// server-side apply (docs/apply.md). A patch is applied to the JSON of the
// current object and the result goes through Update semantics; without a
// resourceVersion in the patch, a conflict re-applies it to fresh state.
#include <string>
#include <utility>

#include "api_types/build_json.h"
#include "controller/apiserver/build_storage.h"
#include "controller/apiserver/build_storage_internal.h"
#include "controller/apiserver/patch.h"
#include "controller/apiserver/resource_errors.h"
#include "controller/apiserver/resource_keys.h"

namespace kiln {

using namespace build_storage_internal;

namespace {

// Attempts of apply's create-or-update before giving up with Conflict (an
// object created or deleted concurrently on every attempt).
constexpr int kApplyAttempts = 3;

// Patch results may drop apiVersion/kind; present ones must still be right.
DecodeOptions PatchedDecodeOptions() {
  DecodeOptions options;
  options.require_type_meta = false;
  return options;
}

}  // namespace

StatusOr<BuildWriteResult> BuildStorage::Patch(const std::string& ns,
                                               const std::string& name,
                                               PatchType type,
                                               std::string_view patch,
                                               bool status_subresource,
                                               const WriteOptions& options) {
  if (type == PatchType::kApply) {
    ASSIGN_OR_RETURN(nlohmann::json applied, ParseApplyConfiguration(patch));
    return Apply(ns, name, applied, status_subresource, options);
  }
  nlohmann::json parsed;
  bool sets_resource_version = false;
  if (type == PatchType::kMerge) {
    ASSIGN_OR_RETURN(parsed, ParseMergePatch(patch));
    sets_resource_version = MergePatchSetsResourceVersion(parsed);
  } else {
    ASSIGN_OR_RETURN(parsed, ParseJsonPatch(patch));
    sets_resource_version = JsonPatchSetsResourceVersion(parsed);
  }
  const Mutation mutate = [&](const Build& current) -> StatusOr<DesiredBuild> {
    const nlohmann::json live = ToJson(current);
    nlohmann::json patched;
    if (type == PatchType::kMerge) {
      patched = ApplyMergePatch(live, parsed);
    } else {
      ASSIGN_OR_RETURN(patched, ApplyJsonPatch(live, parsed));
    }
    ASSIGN_OR_RETURN(Build desired,
                     DecodeBuildBody(patched, PatchedDecodeOptions()));
    DesiredBuild want{std::move(desired), std::nullopt};
    if (sets_resource_version) {
      ASSIGN_OR_RETURN(
          want.precondition,
          ParseResourceVersion(want.build.metadata.resource_version));
    }
    return want;
  };
  return GuaranteedUpdate(ns, name, mutate, status_subresource, options);
}

StatusOr<BuildWriteResult> BuildStorage::Apply(const std::string& ns,
                                               const std::string& name,
                                               const nlohmann::json& applied,
                                               bool status_subresource,
                                               const WriteOptions& options) {
  // The applied configuration is a (partial) Build: strict decoding catches
  // unknown fields with their paths before anything is merged.
  ASSIGN_OR_RETURN(Build config, DecodeBuildBody(applied, DecodeOptions{}));
  if (!config.metadata.name.empty()) {
    RETURN_IF_ERROR(CheckNameMatches(config, name));
  }
  RETURN_IF_ERROR(CheckNamespaceMatches(config, ns));
  ASSIGN_OR_RETURN(std::optional<int64_t> precondition,
                   ParseResourceVersion(config.metadata.resource_version));
  // options.field_manager and options.force are accepted and not used: there
  // is no per-field ownership, hence no conflicts to force (docs/apply.md).
  const Mutation merge = [&](const Build& current) -> StatusOr<DesiredBuild> {
    const nlohmann::json merged =
        MergeAppliedConfiguration(ToJson(current), applied, status_subresource);
    ASSIGN_OR_RETURN(Build desired,
                     DecodeBuildBody(merged, PatchedDecodeOptions()));
    return DesiredBuild{std::move(desired), precondition};
  };
  for (int attempt = 0; attempt < kApplyAttempts; ++attempt) {
    StatusOr<BuildWriteResult> updated =
        GuaranteedUpdate(ns, name, merge, status_subresource, options);
    if (updated.status().code() != StatusCode::kNotFound ||
        status_subresource) {
      return updated;
    }
    // Absent: apply creates it, with admission, as a POST would.
    nlohmann::json body = applied;
    body["metadata"]["name"] = name;
    body["metadata"]["namespace"] = ns;
    StatusOr<BuildWriteResult> created = Create(ns, body, options);
    if (created.status().code() != StatusCode::kAlreadyExists) return created;
    // Created concurrently: merge into it on the next attempt.
  }
  return ResourceConflict(kBuildsResource, name);
}

}  // namespace kiln
