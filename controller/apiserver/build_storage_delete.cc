// BuildStorage::Delete: immediate deletion (no finalizers yet) with
// Kubernetes preconditions; a non-terminal Build's allocation is released in
// the same transaction.
#include <string>
#include <utility>
#include <vector>

#include "controller/apiserver/admission.h"
#include "controller/apiserver/build_storage.h"
#include "controller/apiserver/build_storage_internal.h"
#include "controller/apiserver/node_txn.h"
#include "controller/apiserver/resource_errors.h"
#include "controller/apiserver/resource_keys.h"

namespace kiln {

using namespace build_storage_internal;

StatusOr<Build> BuildStorage::Delete(
    const std::string& ns, const std::string& name,
    const std::optional<std::string>& resource_version,
    const std::optional<std::string>& uid) {
  std::optional<int64_t> rv_precondition;
  if (resource_version) {
    ASSIGN_OR_RETURN(rv_precondition, ParseResourceVersion(*resource_version));
  }
  for (int attempt = 0; attempt < kMaxUpdateAttempts; ++attempt) {
    ASSIGN_OR_RETURN(CurrentBuild current, ReadBuild(ns, name));
    const ObjectMeta& meta = current.build.metadata;
    if (uid && !uid->empty() && *uid != meta.uid) {
      return ResourceConflictBecause(
          kBuildsResource, name,
          "Precondition failed: UID in precondition: " + *uid +
              ", UID in object meta: " + meta.uid);
    }
    if (rv_precondition && *rv_precondition != current.revision) {
      return ResourceConflictBecause(
          kBuildsResource, name,
          "Precondition failed: ResourceVersion in precondition: " +
              std::to_string(*rv_precondition) +
              ", ResourceVersion in object meta: " + meta.resource_version);
    }
    Status deleted = CommitDelete(current);
    if (deleted.ok()) return std::move(current.build);
    if (deleted.code() == StatusCode::kAborted && !rv_precondition) {
      continue;  // changed meanwhile (e.g. it just finished): re-read
    }
    return TranslateStoreError(deleted, kBuildsResource, name);
  }
  return ResourceConflict(kBuildsResource, name);
}

Status BuildStorage::CommitDelete(const CurrentBuild& current) {
  const ObjectKey key = BuildObjectKey(current.build.metadata.namespace_,
                                       current.build.metadata.name);
  if (!HoldsAllocation(current.build)) {
    return store_.Delete(key, current.revision).status();
  }
  return RunReleaseTxn(store_, ChargedNode(current.build, options_.node_name),
                       TxnOp::Delete(key, current.revision),
                       BuildRequest(current.build))
      .status();
}

}  // namespace kiln
