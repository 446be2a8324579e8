// BuildStorage::Update (PUT of the main resource and of /status) and the
// read-modify-write loop shared with PATCH.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "api_types/build_json.h"
#include "api_types/field_error.h"
#include "api_types/phase.h"
#include "api_types/validation.h"
#include "controller/apiserver/admission.h"
#include "controller/apiserver/build_storage.h"
#include "controller/apiserver/build_storage_internal.h"
#include "controller/apiserver/node_txn.h"
#include "controller/apiserver/resource_errors.h"
#include "controller/apiserver/resource_keys.h"

namespace kiln {

using namespace build_storage_internal;

StatusOr<BuildWriteResult> BuildStorage::Update(const std::string& ns,
                                                const std::string& name,
                                                const nlohmann::json& body,
                                                bool status_subresource,
                                                const WriteOptions& options) {
  ASSIGN_OR_RETURN(Build desired, DecodeBuildBody(body, DecodeOptions{}));
  RETURN_IF_ERROR(CheckNameMatches(desired, name));
  RETURN_IF_ERROR(CheckNamespaceMatches(desired, ns));
  // Without a resourceVersion a PUT is unconditional (as for CRDs): it is
  // applied to whatever is current, retrying if a concurrent write wins.
  ASSIGN_OR_RETURN(std::optional<int64_t> precondition,
                   ParseResourceVersion(desired.metadata.resource_version));
  const Mutation mutate = [&](const Build&) -> StatusOr<DesiredBuild> {
    return DesiredBuild{desired, precondition};
  };
  return GuaranteedUpdate(ns, name, mutate, status_subresource, options);
}

StatusOr<BuildWriteResult> BuildStorage::GuaranteedUpdate(
    const std::string& ns, const std::string& name, const Mutation& mutate,
    bool status_subresource, const WriteOptions& options) {
  for (int attempt = 0; attempt < kMaxUpdateAttempts; ++attempt) {
    ASSIGN_OR_RETURN(CurrentBuild current, ReadBuild(ns, name));
    ASSIGN_OR_RETURN(DesiredBuild want, mutate(current.build));
    if (want.precondition && *want.precondition != current.revision) {
      return ResourceConflict(kBuildsResource, name);
    }
    ASSIGN_OR_RETURN(
        Build updated,
        status_subresource
            ? PrepareStatusUpdate(current.build, want.build)
            : PrepareSpecUpdate(current.build, std::move(want.build)));
    // Nothing changed: no write, same resourceVersion (as kube-apiserver).
    if (updated == current.build) {
      return BuildWriteResult{std::move(current.build), false};
    }
    if (options.dry_run) return BuildWriteResult{std::move(updated), false};
    StatusOr<Build> written = CommitUpdate(current, std::move(updated));
    if (written.ok())
      return BuildWriteResult{std::move(written).value(), false};
    if (written.status().code() == StatusCode::kAborted && !want.precondition) {
      continue;  // a concurrent write won; redo on fresh state
    }
    return TranslateStoreError(written.status(), kBuildsResource, name);
  }
  return ResourceConflict(kBuildsResource, name);
}

StatusOr<Build> BuildStorage::PrepareSpecUpdate(const Build& current,
                                                Build desired) {
  ObjectMeta& meta = desired.metadata;
  const ObjectMeta& old_meta = current.metadata;
  if (meta.namespace_.empty()) meta.namespace_ = old_meta.namespace_;
  if (meta.uid.empty()) meta.uid = old_meta.uid;
  meta.resource_version = old_meta.resource_version;
  meta.generation = old_meta.generation;
  meta.creation_timestamp = old_meta.creation_timestamp;
  meta.deletion_timestamp = old_meta.deletion_timestamp;
  // Spec writes never change status.
  desired.status = current.status;
  ApplyBuildDefaults(desired, options_.defaults);
  // The image defaulted at admission stays when the client leaves it out
  // (kubectl replace of the original manifest).
  if (!desired.spec.output || desired.spec.output->image.empty()) {
    desired.spec.output = current.spec.output;
  }
  RETURN_IF_ERROR(ValidateBuildUpdateAsStatus(current, desired));
  // docs/design.md "Error mapping": cancelling a finished Build is a Conflict
  // (409), not a silent no-op and not a 500.
  if (desired.spec.cancel && !current.spec.cancel &&
      IsTerminal(current.status.phase)) {
    return ResourceConflictBecause(
        kBuildsResource, meta.name,
        "cannot cancel: the build has already finished (phase " +
            std::string(PhaseName(current.status.phase)) + ")");
  }
  if (ToJson(desired.spec) != ToJson(current.spec)) ++meta.generation;
  return desired;
}

StatusOr<Build> BuildStorage::PrepareStatusUpdate(const Build& current,
                                                  const Build& desired) {
  Build updated = current;
  updated.status = desired.status;
  // The node a Build is charged to is fixed at admission: a status writer
  // that leaves it out must not move the release elsewhere.
  if (!current.status.node_name.empty()) {
    updated.status.node_name = current.status.node_name;
  }
  RETURN_IF_ERROR(ValidateBuildStatusUpdateAsStatus(current, updated));
  return updated;
}

StatusOr<Build> BuildStorage::CommitUpdate(const CurrentBuild& current,
                                           Build updated) {
  const ObjectKey key = BuildObjectKey(current.build.metadata.namespace_,
                                       current.build.metadata.name);
  const bool releases =
      HoldsAllocation(current.build) && !HoldsAllocation(updated);
  if (!releases) {
    ASSIGN_OR_RETURN(StoredObject stored,
                     store_.Update(key, ToJson(updated), current.revision));
    return WithRevision(std::move(updated), stored.revision);
  }
  // Reaching a terminal phase: the allocation is released in the same
  // transaction, so it can be neither leaked nor released twice.
  ASSIGN_OR_RETURN(
      TxnResult result,
      RunReleaseTxn(store_, ChargedNode(current.build, options_.node_name),
                    TxnOp::Update(key, ToJson(updated), current.revision),
                    BuildRequest(current.build)));
  if (updated.status.duration_ms) {
    recent_durations_.Add(
        ChargedNode(current.build, options_.node_name),
        std::chrono::milliseconds(*updated.status.duration_ms));
  }
  return WithRevision(std::move(updated), result.objects[0].revision);
}

}  // namespace kiln
