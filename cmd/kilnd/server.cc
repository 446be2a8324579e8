#include "cmd/kilnd/server.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>
#include <vector>

#include "api_types/build_json.h"
#include "api_types/decode_options.h"
#include "api_types/phase.h"
#include "cmd/kilnd/driver_setup.h"
#include "controller/apiserver/auth_bootstrap.h"
#include "controller/apiserver/auth_tokens.h"
#include "controller/apiserver/tls_certs.h"
#include "controller/base/files.h"
#include "controller/image_registry/base_image.h"
#include "controller/store/store_factory.h"
#include "reconcilers/storage_gc.h"
#include "reconcilers/vm_gc.h"

namespace kiln {

KilndServer::KilndServer(const KilndFlags& flags, DataDirLayout layout)
    : flags_(flags), layout_(std::move(layout)), node_(NodeName(flags)) {}

StatusOr<std::unique_ptr<KilndServer>> KilndServer::Start(
    const KilndFlags& flags) {
  ASSIGN_OR_RETURN(DataDirLayout layout,
                   DataDirLayout::ForDataDir(flags.data_dir));
  ASSIGN_OR_RETURN(const HostPort listen, ParseListen(flags.listen));
  ASSIGN_OR_RETURN(const NodeResources capacity, Capacity(flags));
  // Before anything is written: a forced qemu without a guest image fails
  // here, with the command that builds one.
  ASSIGN_OR_RETURN(const DriverChoice choice, ResolveDriver(flags));
  ASSIGN_OR_RETURN(const std::string data_dir_warning,
                   layout.CreateDirectories());
  if (!data_dir_warning.empty()) spdlog::warn("{}", data_dir_warning);

  std::unique_ptr<KilndServer> s(new KilndServer(flags, std::move(layout)));
  RETURN_IF_ERROR(s->OpenStore());
  RETURN_IF_ERROR(s->RegisterNode(capacity, choice));
  ASSIGN_OR_RETURN(ApiSecurity pki, s->LoadPki(listen.host));
  ASSIGN_OR_RETURN(const std::string registry, s->StartRegistry(pki));
  RETURN_IF_ERROR(s->CreateStorage(registry));
  ASSIGN_OR_RETURN(const std::string url,
                   s->StartApi(listen, pki, std::move(pki.authenticator)));
  RETURN_IF_ERROR(s->WriteKubeconfigFor(url, pki));
  if (flags.controllers) {
    RETURN_IF_ERROR(s->StartControllers(choice, registry));
    s->StartGc();
  } else {
    spdlog::warn(
        "--controllers=false: serving the API only; Builds are "
        "admitted but not run");
  }
  s->started_ = true;
  spdlog::info("kilnd ready on {}", url);
  return s;
}

Status KilndServer::OpenStore() {
  StoreOptions options;
  options.kind = StoreKind::kSqlite;
  options.path = layout_.store_file();
  options.retained_revisions = flags_.retained_revisions;
  options.observe_commit = [m = &metrics_](double seconds) {
    m->ObserveStoreWrite(seconds);
  };
  ASSIGN_OR_RETURN(store_, kiln::OpenStore(options));
  spdlog::info("store {} at revision {}", options.path,
               store_->CurrentRevision());
  events_ = std::make_unique<EventRecorder>(*store_, clock_);
  event_pruner_ = std::make_unique<Periodic>(
      std::chrono::minutes(1), [events = events_.get()] {
        StatusOr<size_t> pruned = events->Prune();
        if (!pruned.ok()) {
          spdlog::warn("events: prune failed: {}", pruned.status().ToString());
        }
      });
  return OkStatus();
}

Status KilndServer::RegisterNode(const NodeResources& capacity,
                                 const DriverChoice& choice) {
  nodes_ = std::make_unique<NodeStorage>(*store_, clock_);
  RETURN_IF_ERROR(
      nodes_->EnsureNode(node_, capacity, choice.driver, choice.accelerator));
  RETURN_IF_ERROR(nodes_->RepairAllocation(node_));
  spdlog::info("node {}: capacity cpus={} memoryMiB={} builds={}", node_,
               capacity.cpus, capacity.memory_mib, capacity.builds);
  return OkStatus();
}

StatusOr<std::string> KilndServer::StartRegistry(const ApiSecurity& security) {
  if (!flags_.controllers) {
    return flags_.registry.empty() ? flags_.embedded_registry : flags_.registry;
  }
  if (!flags_.registry.empty()) {
    spdlog::info("registry: using {} (--registry)", flags_.registry);
    return flags_.registry;
  }
  ASSIGN_OR_RETURN(const HostPort address,
                   ParseListen(flags_.embedded_registry));
  EmbeddedRegistryOptions options;
  options.listen = flags_.embedded_registry;
  options.dir = layout_.registry_dir();
  SeedOptions seed;
  if (!flags_.insecure_dev) {
    ASSIGN_OR_RETURN(options.token_auth,
                     StartRegistryTokenService(address, security));
    seed.credential = registry_credentials_->ForSystem();
  } else {
    spdlog::warn(
        "--insecure-dev: the embedded registry has no authentication; "
        "builds may push to any repository in it");
  }
  ASSIGN_OR_RETURN(registry_, EmbeddedRegistry::Start(options, clock_));
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(
      const SeedResult seeded,
      SeedBaseImage(flags_.embedded_registry, layout_.seed_dir(), seed));
  if (!seeded.replaced.empty()) {
    spdlog::warn(
        "registry: {}:{} named {}, not the image kilnd pushed; pushed it "
        "again ({})",
        kBaseImageRepository, kBaseImageTag, seeded.replaced, seeded.digest);
  }
  spdlog::info("registry: embedded on {}, base image {}:{}@{} ready in {} ms",
               flags_.embedded_registry, kBaseImageRepository, kBaseImageTag,
               seeded.digest,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count());
  return flags_.embedded_registry;
}

StatusOr<RegistryTokenAuth> KilndServer::StartRegistryTokenService(
    const HostPort& registry, const ApiSecurity& security) {
  ASSIGN_OR_RETURN(registry_token_signer_,
                   RegistryTokenSigner::LoadOrCreate(layout_.pki_dir()));
  registry_credentials_ = std::make_unique<RegistryCredentials>(
      registry_token_signer_->CredentialSecret());
  ASSIGN_OR_RETURN(registry_users_, LoadAuthenticator(security.token_file));
  RegistryBuildLookup builds =
      [this](const std::string& ns,
             const std::string& name) -> StatusOr<RegistryBuildState> {
    // From the store, open before this service starts: a builder that
    // outlived a kilnd restart asks while kilnd is still starting, and a
    // "not yet" would fail its pull.
    ASSIGN_OR_RETURN(const Build build, GetStoredBuild(*store_, ns, name));
    return RegistryBuildState{build.metadata.uid,
                              IsTerminal(build.status.phase)};
  };
  registry_token_service_ = std::make_unique<RegistryTokenService>(
      *registry_token_signer_, *registry_credentials_, registry_users_.get(),
      std::move(builds), clock_);
  const int port = flags_.registry_token_port > 0
                       ? static_cast<int>(flags_.registry_token_port)
                       : registry.port + 1;
  HttpServerOptions http;
  http.host = registry.host;
  http.port = port;
  http.max_body_bytes = 0;  // GET only
  http.handler_threads = 2;
  StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(
      http, [service = registry_token_service_.get()](const HttpRequest& r) {
        return service->Handle(r);
      });
  if (!server.ok()) {
    return server.status().WithPrefix(
        "the embedded registry's token service on " +
        FormatHostPort(registry.host, port) + " (--registry-token-port)");
  }
  registry_token_server_ = *std::move(server);
  registry_token_port_ = port;
  RegistryTokenAuth auth;
  auth.realm =
      "http://" + FormatHostPort(registry.host, port) + kRegistryTokenPath;
  auth.service = kRegistryTokenService;
  auth.issuer = kRegistryTokenIssuer;
  auth.rootcertbundle = registry_token_signer_->certificate_path();
  spdlog::info("registry: token service on {}", auth.realm);
  return auth;
}

Status KilndServer::CreateStorage(const std::string& registry) {
  ASSIGN_OR_RETURN(sources_,
                   FileSourceStore::Open(layout_.sources_dir(), clock_));
  LogServiceOptions logs;
  logs.logs_dir = layout_.logs_dir();
  logs.max_bytes = flags_.log_max_bytes;
  logs_ = std::make_unique<LogService>(clock_, logs);

  BuildStorageOptions builds;
  builds.defaults.cpus = flags_.default_cpus;
  builds.defaults.memory_mib = flags_.default_memory_mib;
  builds.defaults.timeout_seconds = flags_.default_timeout_seconds;
  builds.node_name = node_;
  builds.image_registry = registry;
  builds.other_output_registries = flags_.allow_output_registries;
  builds.events = events_.get();
  builds.metrics = &metrics_;
  builds.sources = sources_.get();
  builds_ = std::make_unique<BuildStorage>(*store_, clock_, builds);
  // Without history Retry-After falls back to timeouts; worth a warning,
  // not a refusal to start.
  if (Status seeded = builds_->LoadRecentDurations(); !seeded.ok()) {
    spdlog::warn("retry-after history not loaded: {}", seeded.ToString());
  }
  return OkStatus();
}

StatusOr<KilndServer::ApiSecurity> KilndServer::LoadPki(
    const std::string& listen_host) {
  ApiSecurity security;
  if (flags_.insecure_dev) {
    spdlog::warn("--insecure-dev: plain HTTP, no authentication");
    security.authenticator =
        std::make_unique<Authenticator>(TokenTable(), /*allow_anonymous=*/true);
    return security;
  }
  ASSIGN_OR_RETURN(BootstrapResult auth, EnsureAuthFiles(layout_.token_file()));
  const std::string token_file =
      flags_.token_file.empty() ? auth.token_file : flags_.token_file;
  ASSIGN_OR_RETURN(security.authenticator, LoadAuthenticator(token_file));
  RETURN_IF_ERROR(EnsureTlsCertificates(layout_.pki_dir(), {listen_host}));
  const TlsFiles tls = TlsFilesIn(layout_.pki_dir());
  security.tls_cert_file = tls.server_cert;
  security.tls_key_file = tls.server_key;
  StatusOr<std::string> ca = ReadWholeFile(tls.ca_cert);
  if (!ca.ok()) {
    return ca.status().WithPrefix("cannot read the CA certificate " +
                                  tls.ca_cert);
  }
  security.ca_pem = *std::move(ca);
  security.admin_token = auth.admin_token;
  security.token_file = token_file;
  return security;
}

StatusOr<std::string> KilndServer::StartApi(
    const HostPort& listen, const ApiSecurity& security,
    std::unique_ptr<Authenticator> authenticator) {
  const bool tls = !security.tls_cert_file.empty();
  ApiServerOptions options;
  options.http.host = listen.host;
  options.http.port = listen.port;
  options.http.max_body_bytes = static_cast<size_t>(flags_.max_body_bytes);
  options.http.tls_cert_file = security.tls_cert_file;
  options.http.tls_key_file = security.tls_key_file;
  options.max_source_bytes = static_cast<size_t>(flags_.max_source_bytes);
  options.max_requests_per_client =
      static_cast<size_t>(flags_.max_requests_per_client);
  options.max_follows_per_client =
      static_cast<size_t>(flags_.max_follows_per_client);
  options.watch.max_watches_per_client =
      static_cast<size_t>(flags_.max_watches_per_client);
  options.watch.default_timeout =
      std::chrono::seconds(flags_.watch_timeout_seconds);
  options.refresh_metrics = [this] { RefreshMetrics(); };
  options.readiness = ReadinessChecks();
  ApiServerDeps deps{
      *store_,   clock_,      *builds_,      *nodes_, std::move(authenticator),
      &metrics_, logs_.get(), sources_.get()};
  ASSIGN_OR_RETURN(api_, ApiServer::Create(options, std::move(deps)));
  return std::string(tls ? "https://" : "http://") +
         FormatHostPort(listen.host, api_->port());
}

std::vector<ReadinessCheck> KilndServer::ReadinessChecks() {
  std::vector<ReadinessCheck> checks;
  checks.push_back({"store", [this] { return nodes_->Get(node_).status(); }});
  if (!flags_.controllers) return checks;
  checks.push_back(
      {"informer-sync", [this] {
         if (started_.load() && controller_->informer().HasSynced()) {
           return OkStatus();
         }
         return UnavailableError("the build informer has not synced");
       }});
  checks.push_back({"driver", [this] {
                      if (!started_.load()) {
                        return UnavailableError("kilnd is still starting");
                      }
                      return driver_->List().status();
                    }});
  return checks;
}

Status KilndServer::WriteKubeconfigFor(const std::string& url,
                                       const ApiSecurity& pki) {
  KubeconfigParams params;
  params.server_url = url;
  params.ca_pem = pki.ca_pem;
  params.token = pki.admin_token;
  const std::string path = layout_.kubeconfig_file();
  RETURN_IF_ERROR(WriteKubeconfig(path, RenderKubeconfig(params)));
  spdlog::info("kubeconfig written to {} (export KUBECONFIG={})", path, path);
  return OkStatus();
}

Status KilndServer::StartControllers(const DriverChoice& choice,
                                     const std::string& registry) {
  ASSIGN_OR_RETURN(driver_, NewDriver(flags_, choice, layout_.vms_dir(),
                                      registry_token_port_, clock_));
  build_client_ = std::make_unique<StorageBuildClient>(*builds_);
  BuildReconcilerOptions options;
  options.node_name = node_;
  options.registry = registry;
  options.registry_credentials = registry_credentials_.get();
  options.logs_dir = layout_.logs_dir();
  options.log_max_bytes = flags_.log_max_bytes;
  options.source_max_bytes = flags_.source_max_unpacked_bytes;
  options.source_max_entries = flags_.source_max_entries;
  options.sources_dir = layout_.sources_dir();  // sources_ stores here
  options.vm_delete_grace =
      std::chrono::seconds(flags_.vm_delete_grace_seconds);
  options.metrics = &metrics_;
  options.on_active = [logs = logs_.get()](const Build& b) {
    logs->BuildActive(b.metadata.uid);
  };
  options.on_terminal = [logs = logs_.get()](const Build& b) {
    logs->BuildFinished(b.metadata.uid);
  };
  reconciler_ = std::make_unique<BuildReconciler>(
      *build_client_, *driver_, clock_, options, events_.get());
  ControllerOptions controller;
  controller.name = "build";
  controller.workers = static_cast<int>(flags_.workers);
  controller.informer.scope = ResourceScope{"builds", std::nullopt};
  controller.observe_reconcile = [this](std::string_view result,
                                        double seconds) {
    metrics_.ObserveReconcile(result, seconds);
  };
  controller.on_retry = [this] { metrics_.AddWorkqueueRetry(); };
  controller_ =
      std::make_unique<Controller>(*store_, clock_, *reconciler_, controller);
  return controller_->Start();
}

void KilndServer::StartGc() {
  const auto grace = std::chrono::seconds(flags_.vm_delete_grace_seconds);
  const auto source_retention =
      std::chrono::seconds(flags_.source_retention_seconds);
  gc_ = std::make_unique<Periodic>(
      std::chrono::seconds(flags_.gc_interval_seconds),
      [this, grace, source_retention] {
        StatusOr<size_t> vms =
            VmGarbageCollector(*build_client_, *driver_, grace).Collect();
        if (!vms.ok()) spdlog::warn("gc: {}", vms.status().ToString());
        StatusOr<StorageGcResult> storage =
            StorageGarbageCollector(*build_client_, *logs_, *sources_, clock_,
                                    source_retention)
                .Collect();
        if (!storage.ok()) {
          spdlog::warn("gc: logs and sources: {}", storage.status().ToString());
        } else if (storage->sources > 0) {
          spdlog::info("gc: deleted {} unused source archive(s)",
                       storage->sources);
        }
      });
}

void KilndServer::RefreshMetrics() {
  // nodes_ is set before the API serves; api_ and controller_ only once
  // started_ says Start() no longer writes them.
  const bool started = started_.load();
  if (started) metrics_.SetWatchers(static_cast<int64_t>(api_->watchers()));
  if (StatusOr<Node> n = nodes_->Get(node_); n.ok()) {
    const NodeResources& total = n->status.capacity;
    const NodeResources& used = n->status.allocated;
    metrics_.SetCapacity(kResourceCpus, total.cpus, used.cpus);
    metrics_.SetCapacity(kResourceMemoryMib, total.memory_mib, used.memory_mib);
    metrics_.SetCapacity(kResourceBuilds, total.builds, used.builds);
  }
  if (!started || !controller_) return;
  metrics_.SetWorkqueueDepth(static_cast<int64_t>(controller_->QueueLength()));
  int64_t pending = 0, building = 0, pushing = 0;
  DecodeOptions cached;
  cached.require_type_meta = false;
  for (const auto& obj : controller_->informer().List()) {
    StatusOr<Build> build = BuildFromJson(obj->value, cached);
    if (!build.ok()) continue;
    switch (build->status.phase) {
      case BuildPhase::kUnset:
      case BuildPhase::kPending:
        ++pending;
        break;
      case BuildPhase::kBuilding:
        ++building;
        break;
      case BuildPhase::kPushing:
        ++pushing;
        break;
      case BuildPhase::kReady:
      case BuildPhase::kFailed:
      case BuildPhase::kCancelled:
        break;  // terminal: not active
    }
  }
  metrics_.SetBuildsActive(kPhasePending, pending);
  metrics_.SetBuildsActive(kPhaseBuilding, building);
  metrics_.SetBuildsActive(kPhasePushing, pushing);
}

void KilndServer::Stop() {
  if (gc_) gc_->Stop();
  if (controller_) controller_->Stop();
  if (api_) api_->Stop();
  if (registry_) registry_->Stop();
  if (registry_token_server_) registry_token_server_->Stop();
  if (event_pruner_) event_pruner_->Stop();
  if (events_) events_->Flush();
}

}  // namespace kiln
