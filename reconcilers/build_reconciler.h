// BuildReconciler: drives one Build towards a terminal phase through its
// builder VM (docs/design.md "Reconcile loop"). Level-triggered and idempotent:
// each call reads the Build and its VM, takes ONE step, and says when to look
// again. It keeps no state of its own, so a restarted kilnd continues every
// unfinished Build by calling it again (crash recovery is the normal path).
//
// Every status write carries the resourceVersion just read (a concurrent
// change makes the write fail with Aborted and the reconcile is retried
// from a fresh read), and terminal phases are never left (BuildStorage
// refuses it), so a late "Ready" can never replace "Cancelled".
//
// Thread-safe: Reconcile may run concurrently for different keys.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "api_types/build.h"
#include "controller/base/clock.h"
#include "controller/events/event_recorder.h"
#include "controller/image_registry/registry_credentials.h"
#include "controller/metrics/kiln_metrics.h"
#include "controller/runtime/reconciler.h"
#include "controller/vm/vm_driver.h"
#include "reconcilers/build_client.h"

namespace kiln {

struct BuildReconcilerOptions {
  std::string node_name;
  // HOST:PORT of the image registry (unqualified-search for FROM lines).
  std::string registry;
  // Mints each build's registry credential (the registry has token auth);
  // null = builds get none. Not owned.
  const RegistryCredentials* registry_credentials = nullptr;
  // Build logs: LOGS_DIR/<uid>.log (kept after the VM is gone).
  std::string logs_dir;
  // Per-build log cap the agent enforces while it writes (0 = none).
  int64_t log_max_bytes = 0;
  // Caps on an unpacked source archive the agent enforces (0 = none).
  int64_t source_max_bytes = 0;
  int64_t source_max_entries = 0;
  // Uploaded source archives: SOURCES_DIR/<sha256 hex>.
  std::string sources_dir;
  // How long a deleted VM gets to clean up before it is killed.
  std::chrono::milliseconds vm_delete_grace{10000};
  // How often a running VM is looked at.
  std::chrono::milliseconds poll_interval{1000};
  // Build outcomes (kiln_build_duration_seconds, kiln_builds_total); null =
  // not counted. Not owned.
  KilnMetrics* metrics = nullptr;
  // Called after a Build's terminal phase is written (e.g. to end log
  // followers). Must not block.
  std::function<void(const Build&)> on_terminal;
  // Called on each reconcile of a Build whose VM exists and runs (e.g. to
  // index its log). Idempotent use only. Must not block.
  std::function<void(const Build&)> on_active;
};

class BuildReconciler final : public Reconciler {
 public:
  // `events` may be null (no events recorded).
  BuildReconciler(BuildClient& builds, VmDriver& driver, Clock& clock,
                  BuildReconcilerOptions options,
                  EventRecorder* events = nullptr);

  // `key` is a builds key (namespace + name).
  StatusOr<ReconcileResult> Reconcile(const ObjectKey& key) override;

  // The job the VM of `build` runs (exposed for tests).
  AgentJob JobFor(const Build& build) const;

 private:
  StatusOr<ReconcileResult> ReconcileActive(Build build);
  // The Build is gone: delete any VM recorded as its own.
  Status DeleteVmsOf(const ObjectKey& key);
  // Deletes the VM of `build` (absent is fine). Errors are logged; GC
  // retries.
  void DeleteVm(const Build& build);
  // Writes a terminal status: phase, reason, message, completedAt,
  // duration, Ready condition.
  StatusOr<Build> Finish(Build build, BuildPhase phase,
                         const std::string& reason, const std::string& message);
  // Writes `build` (whose status the caller changed); the Ready condition
  // and observedGeneration are kept consistent here.
  StatusOr<Build> Write(Build build);
  std::chrono::milliseconds UntilDeadline(const Build& build) const;
  void Emit(const Build& build, std::string_view type, std::string_view reason,
            std::string message);

  BuildClient& builds_;
  VmDriver& driver_;
  Clock& clock_;
  const BuildReconcilerOptions options_;
  EventRecorder* const events_;
};

}  // namespace kiln
