// BuildStorage: the REST semantics of the builds resource over a Store, as
// kube-apiserver's generic registry gives them to a CRD with a status
// subresource: defaulting, validation, uid/creationTimestamp/generation,
// optimistic concurrency, and Kiln's atomic capacity admission.
//
// Thread-safe: object state lives in the Store; the only in-memory state is
// a window of recent build durations used for Retry-After (self-locked).
//
// Implementation: build_storage.cc (get, list), build_storage_create.cc,
// build_storage_update.cc, build_storage_patch.cc,
// build_storage_delete.cc. Deviations from Kubernetes: docs/apply.md.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api_types/build.h"
#include "api_types/defaulting.h"
#include "api_types/label_selector.h"
#include "api_types/node.h"
#include "api_types/status.h"
#include "controller/apiserver/recent_durations.h"
#include "controller/apiserver/retry_after.h"
#include "controller/base/clock.h"
#include "controller/events/event_recorder.h"
#include "controller/metrics/kiln_metrics.h"
#include "controller/sources/source_store.h"
#include "controller/store/store.h"

namespace kiln {

struct BuildStorageOptions {
  BuildDefaults defaults;
  // The Node Builds are admitted onto (its allocation is charged). Required.
  std::string node_name;
  // Kiln's registry, HOST:PORT: the default spec.output.image is
  // REGISTRY/<namespace>/<name>:<uid8>, and a given one must be under
  // REGISTRY/<namespace>/ (output_image_policy.h) ...
  std::string image_registry = "127.0.0.1:5000";
  // ... or in one of these registries (HOST:PORT), which an administrator
  // allowed.
  std::vector<std::string> other_output_registries;
  // Where Admitted / Rejected events go; null = none. Not owned.
  EventRecorder* events = nullptr;
  // Counts admission rejections; null = not counted. Not owned.
  KilnMetrics* metrics = nullptr;
  // Uploaded sources: a Build whose spec.source.archive.digest names none
  // is refused at create (InvalidArgument); null = not checked. Not owned.
  SourceStore* sources = nullptr;
};

enum class PatchType { kMerge, kJson, kApply };

struct WriteOptions {
  bool dry_run = false;
  std::string field_manager;  // for server-side apply
  bool force = false;         // server-side apply conflicts
};

// Result of a write: the stored object, and whether it was created (201).
struct BuildWriteResult {
  Build build;
  bool created = false;
};

class BuildStorage {
 public:
  BuildStorage(Store& store, Clock& clock, BuildStorageOptions options);

  // Seeds Retry-After's history of build durations (per node) from the
  // stored terminal Builds, so a restarted kilnd answers from experience
  // rather than from timeouts. Called once at start, before serving.
  // Errors: the Store's List.
  Status LoadRecentDurations();

  // POST. `body` is the decoded request (JSON; YAML already converted).
  // Errors: InvalidArgument (strict decoding / validation, causes attached;
  // also a request that can never fit the node, and an archive source that
  // was not uploaded), AlreadyExists,
  // ResourcesExhausted (does not fit now; details carry retry_after_seconds
  // and a "ResourcesExhausted" cause with requested vs free figures),
  // Unavailable (the Node is not registered, or too contended).
  // metadata.generateName is honoured when metadata.name is empty; client
  // uid/resourceVersion/creationTimestamp/generation and status are replaced.
  StatusOr<BuildWriteResult> Create(const std::string& ns,
                                    const nlohmann::json& body,
                                    const WriteOptions& options);

  StatusOr<Build> Get(const std::string& ns, const std::string& name);

  // ns == nullopt lists all namespaces.
  StatusOr<BuildList> List(const std::optional<std::string>& ns,
                           const LabelSelector& selector, int64_t limit,
                           const std::string& continue_token);

  // PUT (status_subresource: PUT .../status). Spec writes never change
  // status; status writes never change spec or metadata except
  // resourceVersion. A body resourceVersion must match (else Aborted).
  // A status write reaching a terminal phase releases the allocation in the
  // same transaction. No body resourceVersion = unconditional (retried on
  // concurrent writes). Errors: InvalidArgument (decoding, validation, name
  // or namespace not matching the URL, leaving a terminal phase), NotFound,
  // Aborted (stale resourceVersion; spec.cancel set on a finished Build).
  // An update that changes nothing writes nothing (same resourceVersion).
  StatusOr<BuildWriteResult> Update(const std::string& ns,
                                    const std::string& name,
                                    const nlohmann::json& body,
                                    bool status_subresource,
                                    const WriteOptions& options);

  // PATCH with a JSON merge patch, JSON patch, or apply (YAML/JSON body;
  // creates when absent, created=true). InvalidArgument for a patch that
  // does not apply or whose result is invalid.
  StatusOr<BuildWriteResult> Patch(const std::string& ns,
                                   const std::string& name, PatchType type,
                                   std::string_view patch,
                                   bool status_subresource,
                                   const WriteOptions& options);

  // DELETE. Releases the allocation of a non-terminal Build in the same
  // transaction. Preconditions: resourceVersion / uid (Aborted on mismatch).
  StatusOr<Build> Delete(const std::string& ns, const std::string& name,
                         const std::optional<std::string>& resource_version,
                         const std::optional<std::string>& uid);

 private:
  // A Build as read from the Store, with the revision it was read at.
  struct CurrentBuild {
    Build build;
    int64_t revision = 0;
  };
  // What an update wants written, computed from the current object.
  struct DesiredBuild {
    Build build;
    // Set when the client made a resourceVersion a precondition: a stale
    // one is a Conflict and the write is not retried.
    std::optional<int64_t> precondition;
  };
  using Mutation = std::function<StatusOr<DesiredBuild>(const Build& current)>;

  // --- create (build_storage_create.cc)
  // Decodes a POST body for namespace `ns`; *generate_name receives
  // metadata.generateName (which ObjectMeta does not carry).
  StatusOr<Build> DecodeForCreate(const std::string& ns,
                                  const nlohmann::json& body,
                                  std::string* generate_name);
  // Resets server-owned fields, defaults and validates.
  StatusOr<Build> PrepareForCreate(Build build);
  // InvalidArgument when spec.source.archive names a digest that was never
  // uploaded (options_.sources); errors of the lookup itself pass through.
  Status CheckSourceUploaded(const Build& build);
  // The admission transaction (or its dry run).
  StatusOr<BuildWriteResult> Admit(const Build& build,
                                   const WriteOptions& options);
  // Plans the admission ops against `node` (nullptr: not registered).
  StatusOr<std::vector<TxnOp>> PlanAdmission(const Build& build,
                                             const Node* node,
                                             int64_t node_revision);
  // ResourcesExhausted for `build` on `node`, with a computed Retry-After.
  Status DoesNotFitNow(const Build& build, const Node& node);

  // --- update (build_storage_update.cc)
  StatusOr<CurrentBuild> ReadBuild(const std::string& ns,
                                   const std::string& name);
  // Read, mutate, prepare, commit; retried on conflicts unless the client
  // set a precondition (kube-apiserver's GuaranteedUpdate).
  StatusOr<BuildWriteResult> GuaranteedUpdate(const std::string& ns,
                                              const std::string& name,
                                              const Mutation& mutate,
                                              bool status_subresource,
                                              const WriteOptions& options);
  StatusOr<Build> PrepareSpecUpdate(const Build& current, Build desired);
  StatusOr<Build> PrepareStatusUpdate(const Build& current,
                                      const Build& desired);
  // Writes `updated` over `current` (expected revision = current's),
  // releasing the allocation in the same transaction when the phase becomes
  // terminal. Aborted (raw Store error) when the Build changed meanwhile.
  StatusOr<Build> CommitUpdate(const CurrentBuild& current, Build updated);

  // --- patch and apply (build_storage_patch.cc)
  StatusOr<BuildWriteResult> Apply(const std::string& ns,
                                   const std::string& name,
                                   const nlohmann::json& applied,
                                   bool status_subresource,
                                   const WriteOptions& options);

  // --- delete (build_storage_delete.cc)
  // One delete attempt against `current`; raw Store errors.
  Status CommitDelete(const CurrentBuild& current);

  Store& store_;
  Clock& clock_;
  const BuildStorageOptions options_;
  // Durations of recently finished Builds per node, for Retry-After.
  // Self-synchronized.
  RecentDurations recent_durations_;
};

// The Build `ns`/`name` as stored, read straight from `store`: for readers
// that need it before a BuildStorage exists (the registry's token service,
// which runs while kilnd is still starting). NotFound (as the API says it)
// when absent. Thread-safe.
StatusOr<Build> GetStoredBuild(Store& store, const std::string& ns,
                               const std::string& name);

}  // namespace kiln
