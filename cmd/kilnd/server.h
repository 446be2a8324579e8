// KilndServer: everything one kilnd process runs — the store, auth and TLS
// bootstrap, this host's Node, the image registry, the API server, and the
// build controller with its VM driver and VM GC — started from flags.
#pragma once

#include <atomic>
#include <memory>

#include "api_types/status.h"
#include "cmd/kilnd/flags.h"
#include "controller/apiserver/api_server.h"
#include "controller/events/event_recorder.h"
#include "controller/logs/log_service.h"
#include "controller/metrics/kiln_metrics.h"
#include "controller/image_registry/embedded_registry.h"
#include "controller/base/clock.h"
#include "controller/runtime/controller.h"
#include "controller/base/periodic.h"
#include "controller/sources/file_source_store.h"
#include "controller/store/sqlite_store.h"
#include "controller/vm/driver_choice.h"
#include "controller/vm/vm_driver.h"
#include "reconcilers/build_reconciler.h"
#include "reconcilers/storage_build_client.h"

namespace kiln {

class KilndServer {
 public:
  // Opens the store, writes DATA_DIR/{tokens.csv,pki/,kubeconfig} as needed,
  // registers the Node and serves. Logs "kilnd ready on URL" once serving.
  // Fails fast with a clear message on misconfiguration.
  static StatusOr<std::unique_ptr<KilndServer>> Start(const KilndFlags& flags);

  // Stops the controller (in-flight reconciles finish; builds keep running
  // in their VMs and are picked up by the next start), then serving (open
  // watches end cleanly), then the embedded registry.
  void Stop();

 private:
  KilndServer() = default;
  RealClock clock_;
  // Brings up the image registry (embedded unless --registry) and seeds the
  // base image. Returns HOST:PORT.
  StatusOr<std::string> StartRegistry(const KilndFlags& flags);
  // The VM driver, the build controller and the periodic GC (VMs, logs,
  // unused sources).
  Status StartControllers(const KilndFlags& flags, const DriverChoice& choice,
                          const std::string& node, const std::string& registry);

  // Sets the gauges /metrics reads from elsewhere (watchers, capacity,
  // active builds, work queue).
  void RefreshMetrics(const std::string& node);

  KilnMetrics metrics_;
  // Set once Start() finished: the fields below are no longer assigned, so
  // readiness checks (run on server threads) may read them.
  std::atomic<bool> started_{false};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<EventRecorder> events_;
  std::unique_ptr<LogService> logs_;
  std::unique_ptr<FileSourceStore> sources_;
  std::unique_ptr<Periodic> event_pruner_;
  std::unique_ptr<EmbeddedRegistry> registry_;
  std::unique_ptr<ApiServer> api_;
  std::unique_ptr<VmDriver> driver_;
  std::unique_ptr<StorageBuildClient> build_client_;
  std::unique_ptr<BuildReconciler> reconciler_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<Periodic> gc_;
};

}  // namespace kiln
