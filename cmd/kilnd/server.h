// KilndServer: everything one kilnd process runs, and the one place that
// says who owns what. kilnd creates the store, the REST storage (Builds and
// Nodes), auth, the API server and the controllers here and hands each its
// dependencies; the API server and the build controller share the same
// BuildStorage (so both see the same admission and Retry-After history).
//
// Thread-compatible: Start and Stop are called from main's thread; the
// readiness checks and metrics refresh it installs run on API server
// threads and read only what Start finished writing (see started_).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "api_types/node.h"
#include "api_types/status.h"
#include "cmd/kilnd/flag_values.h"
#include "cmd/kilnd/flags.h"
#include "controller/apiserver/api_server.h"
#include "controller/apiserver/build_storage.h"
#include "controller/apiserver/http_server.h"
#include "controller/apiserver/kubeconfig.h"
#include "controller/apiserver/node_storage.h"
#include "controller/apiserver/registry_token.h"
#include "controller/apiserver/registry_token_service.h"
#include "controller/base/clock.h"
#include "controller/base/periodic.h"
#include "controller/data_dir/data_dir_layout.h"
#include "controller/events/event_recorder.h"
#include "controller/image_registry/embedded_registry.h"
#include "controller/logs/log_service.h"
#include "controller/metrics/kiln_metrics.h"
#include "controller/runtime/controller.h"
#include "controller/sources/file_source_store.h"
#include "controller/store/store.h"
#include "controller/vm/driver_choice.h"
#include "controller/vm/vm_driver.h"
#include "reconcilers/build_reconciler.h"
#include "reconcilers/storage_build_client.h"

namespace kiln {

class KilndServer {
 public:
  // Opens the store, writes DATA_DIR/{tokens.csv,pki/,kubeconfig} as needed,
  // registers the Node and serves. Logs "kilnd ready on URL" once serving.
  // Fails fast with a clear message (naming the flag or path) on
  // misconfiguration.
  static StatusOr<std::unique_ptr<KilndServer>> Start(const KilndFlags& flags);

  // Stops the GC and the controller (in-flight reconciles finish; builds
  // keep running in their VMs and are picked up by the next start), then
  // serving (open watches end cleanly), then the embedded registry.
  void Stop();

 private:
  // What LoadPki produces: how the API authenticates and serves, and what
  // the kubeconfig carries.
  struct ApiSecurity {
    std::unique_ptr<Authenticator> authenticator;  // moved into the server
    std::string tls_cert_file;                     // "" = plain HTTP
    std::string tls_key_file;
    std::string ca_pem;       // for the kubeconfig
    std::string admin_token;  // for the kubeconfig
    std::string token_file;   // the users' tokens; "" with --insecure-dev
  };

  KilndServer(const KilndFlags& flags, DataDirLayout layout);

  // The steps of Start, in order. Each fails fast with a message naming the
  // flag or path at fault.
  //
  // The store (through OpenStore) and the event recorder with its pruner.
  Status OpenStore();
  // This host's Node: registered with `capacity` and the driver, its
  // allocation repaired from the Builds that hold it.
  Status RegisterNode(const NodeResources& capacity,
                      const DriverChoice& choice);
  // The image registry (embedded unless --registry), with the base image
  // seeded. The embedded one gets token auth (unless --insecure-dev): the
  // signing key in the PKI dir and the token service on the registry's host
  // (docs/security.md "The registry"). Returns its HOST:PORT.
  StatusOr<std::string> StartRegistry(const ApiSecurity& security);
  // The token service of the embedded registry at `listen`'s host and the
  // token port; returns the registry's auth config.
  StatusOr<RegistryTokenAuth> StartRegistryTokenService(
      const HostPort& registry, const ApiSecurity& security);
  // The REST storage and what it checks against: sources, logs, BuildStorage.
  Status CreateStorage(const std::string& registry);
  // Token file, TLS files and the CA (none with --insecure-dev).
  StatusOr<ApiSecurity> LoadPki(const std::string& listen_host);
  // The API server on `listen`, authenticating with `authenticator` and
  // serving TLS per `security`. Returns the URL it serves on.
  StatusOr<std::string> StartApi(const HostPort& listen,
                                 const ApiSecurity& security,
                                 std::unique_ptr<Authenticator> authenticator);
  // Readiness checks for /readyz: the store, and with controllers the
  // informer and the driver.
  std::vector<ReadinessCheck> ReadinessChecks();
  // DATA_DIR/kubeconfig for `url`.
  Status WriteKubeconfigFor(const std::string& url, const ApiSecurity& pki);
  // The VM driver and the build controller.
  Status StartControllers(const DriverChoice& choice,
                          const std::string& registry);
  // The periodic GC: VMs without a live Build, orphaned logs, unused
  // sources.
  void StartGc();

  // Sets the gauges /metrics reads from elsewhere (watchers, capacity,
  // active builds, work queue).
  void RefreshMetrics();

  // Const after construction.
  const KilndFlags flags_;
  const DataDirLayout layout_;
  const std::string node_;

  // Self-synchronized.
  RealClock clock_;
  KilnMetrics metrics_;
  // Set once Start() finished: the fields below are no longer assigned, so
  // readiness checks (run on server threads) may read them.
  std::atomic<bool> started_{false};

  // Assigned only during Start; declared in dependency order, so members
  // are destroyed users first (the GC and controller before the storage
  // they use, everything before the store).
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventRecorder> events_;
  std::unique_ptr<Periodic> event_pruner_;
  std::unique_ptr<NodeStorage> nodes_;
  std::unique_ptr<FileSourceStore> sources_;
  std::unique_ptr<LogService> logs_;
  std::unique_ptr<BuildStorage> builds_;
  // The embedded registry's token auth (null without it).
  std::unique_ptr<RegistryTokenSigner> registry_token_signer_;
  std::unique_ptr<RegistryCredentials> registry_credentials_;
  std::unique_ptr<Authenticator> registry_users_;
  std::unique_ptr<RegistryTokenService> registry_token_service_;
  std::unique_ptr<HttpServer> registry_token_server_;
  int registry_token_port_ = 0;  // 0 = no token auth
  std::unique_ptr<EmbeddedRegistry> registry_;
  std::unique_ptr<ApiServer> api_;
  std::unique_ptr<VmDriver> driver_;
  std::unique_ptr<StorageBuildClient> build_client_;
  std::unique_ptr<BuildReconciler> reconciler_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<Periodic> gc_;
};

}  // namespace kiln
