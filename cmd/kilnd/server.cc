#include "cmd/kilnd/server.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "api_types/quantity.h"
#include "controller/apiserver/auth_bootstrap.h"
#include "controller/apiserver/host_capacity.h"
#include "controller/apiserver/kubeconfig.h"
#include "controller/apiserver/node_storage.h"
#include "controller/apiserver/tls_certs.h"
#include "controller/base/files.h"
#include "controller/image_registry/base_image.h"
#include "controller/vm/process_driver.h"
#include "controller/vm/qemu_command.h"
#include "controller/vm/qemu_driver.h"
#include "reconcilers/vm_gc.h"

namespace kiln {
namespace {

struct HostPort {
  std::string host;
  int port = 0;
};

StatusOr<HostPort> ParseListen(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgumentError("--listen: want HOST:PORT, got \"" + text +
                                "\"");
  }
  HostPort hp;
  hp.host = text.substr(0, colon);
  if (hp.host.size() > 2 && hp.host.front() == '[') {
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  }
  try {
    size_t used = 0;
    hp.port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1)
      throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    return InvalidArgumentError("--listen: bad port in \"" + text + "\"");
  }
  if (hp.port < 0 || hp.port > 65535) {
    return InvalidArgumentError("--listen: port out of range in \"" + text +
                                "\"");
  }
  return hp;
}

StatusOr<NodeResources> Capacity(const KilndFlags& flags) {
  NodeResources c = HostCapacity();
  if (flags.capacity_cpus > 0) c.cpus = flags.capacity_cpus;
  if (!flags.capacity_memory.empty()) {
    ASSIGN_OR_RETURN(c.memory_mib, ParseMemoryMiB(flags.capacity_memory));
  }
  c.builds = flags.max_builds > 0 ? flags.max_builds : c.cpus;
  return c;
}

std::string NodeName(const KilndFlags& flags) {
  if (!flags.node_name.empty()) return flags.node_name;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    return "node-a";
  }
  std::string name(host);
  for (char& c : name) c = static_cast<char>(std::tolower(c));
  return name;
}

// The kiln-agent binary: --agent-path, else next to kilnd (installed), else
// in the build tree (build/cmd/kilnd/kilnd -> build/cmd/kiln-agent/).
StatusOr<std::string> FindAgent(const std::string& flag) {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  if (!flag.empty()) {
    candidates.push_back(flag);
  } else {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
      candidates.push_back(self.parent_path() / "kiln-agent");
      candidates.push_back(self.parent_path().parent_path() / "kiln-agent" /
                           "kiln-agent");
    }
    candidates.push_back("/usr/lib/kiln/kiln-agent");
  }
  for (const fs::path& p : candidates) {
    if (access(p.c_str(), X_OK) == 0) return fs::absolute(p).string();
  }
  return InvalidArgumentError(
      flag.empty() ? "kiln-agent not found next to kilnd or in the build "
                     "tree; pass --agent-path"
                   : "--agent-path " + flag + ": not an executable file");
}

// The driver kilnd runs (logged once). API-only kilnd runs none and
// reports process, as before the qemu driver existed.
StatusOr<DriverChoice> ResolveDriver(const KilndFlags& flags) {
  if (!flags.controllers) return DriverChoice{"process", "", "no controllers"};
  std::string kvm_why;
  const bool kvm = HardwareKvmUsable(&kvm_why);
  ASSIGN_OR_RETURN(DriverChoice choice,
                   ChooseDriver(flags.driver, kvm, kvm_why, flags.guest_image));
  spdlog::info("driver: {}{} ({})", choice.driver,
               choice.accelerator.empty() ? "" : "/" + choice.accelerator,
               choice.why);
  return choice;
}

StatusOr<std::unique_ptr<VmDriver>> NewDriver(const KilndFlags& flags,
                                              const DriverChoice& choice,
                                              Clock& clock) {
  if (choice.driver == "qemu") {
    QemuDriver::Options options;
    options.state_dir = flags.data_dir + "/vms";
    options.guest_image = flags.guest_image;
    options.qemu_binary = flags.qemu_binary;
    options.accel = choice.accelerator;
    ASSIGN_OR_RETURN(std::unique_ptr<QemuDriver> driver,
                     QemuDriver::New(options, clock));
    return std::unique_ptr<VmDriver>(std::move(driver));
  }
  ASSIGN_OR_RETURN(std::string agent, FindAgent(flags.agent_path));
  ProcessDriver::Options options;
  options.state_dir = flags.data_dir + "/vms";
  options.agent_path = agent;
  ASSIGN_OR_RETURN(std::unique_ptr<ProcessDriver> driver,
                   ProcessDriver::New(options, clock));
  spdlog::info("driver: process (agent {})", agent);
  return std::unique_ptr<VmDriver>(std::move(driver));
}

}  // namespace

StatusOr<std::string> KilndServer::StartRegistry(const KilndFlags& flags) {
  if (!flags.controllers) {
    return flags.registry.empty() ? flags.embedded_registry : flags.registry;
  }
  if (!flags.registry.empty()) {
    spdlog::info("registry: using {} (--registry)", flags.registry);
    return flags.registry;
  }
  EmbeddedRegistryOptions options;
  options.listen = flags.embedded_registry;
  options.data_dir = flags.data_dir;
  ASSIGN_OR_RETURN(registry_, EmbeddedRegistry::Start(options, clock_));
  const auto start = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(
      SeedBaseImage(flags.embedded_registry, flags.data_dir + "/seed"));
  spdlog::info("registry: embedded on {}, base image {}:{} ready in {} ms",
               flags.embedded_registry, kBaseImageRepository, kBaseImageTag,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count());
  return flags.embedded_registry;
}

Status KilndServer::StartControllers(const KilndFlags& flags,
                                     const DriverChoice& choice,
                                     const std::string& node,
                                     const std::string& registry) {
  ASSIGN_OR_RETURN(driver_, NewDriver(flags, choice, clock_));

  build_client_ = std::make_unique<StorageBuildClient>(api_->builds());
  BuildReconcilerOptions options;
  options.node_name = node;
  options.registry = registry;
  options.logs_dir = flags.data_dir + "/logs";
  options.log_max_bytes = flags.log_max_bytes;
  options.sources_dir = flags.data_dir + "/sources";  // sources_ stores here
  options.vm_delete_grace = std::chrono::seconds(flags.vm_delete_grace_seconds);
  options.metrics = &metrics_;
  options.on_active = [logs = logs_.get()](const Build& b) {
    logs->BuildActive(b.metadata.uid);
  };
  options.on_terminal = [logs = logs_.get()](const Build& b) {
    logs->BuildFinished(b.metadata.uid);
  };
  std::error_code ec;
  std::filesystem::create_directories(options.logs_dir, ec);
  reconciler_ = std::make_unique<BuildReconciler>(
      *build_client_, *driver_, clock_, options, events_.get());
  ControllerOptions controller;
  controller.name = "build";
  controller.workers = static_cast<int>(flags.workers);
  controller.informer.scope = ResourceScope{"builds", std::nullopt};
  controller.observe_reconcile = [this](std::string_view result,
                                        double seconds) {
    metrics_.ObserveReconcile(result, seconds);
  };
  controller.on_retry = [this] { metrics_.AddWorkqueueRetry(); };
  controller_ =
      std::make_unique<Controller>(*store_, clock_, *reconciler_, controller);
  RETURN_IF_ERROR(controller_->Start());

  const auto grace = options.vm_delete_grace;
  const auto source_retention =
      std::chrono::seconds(flags.source_retention_seconds);
  gc_ = std::make_unique<Periodic>(
      std::chrono::seconds(flags.gc_interval_seconds),
      [this, grace, source_retention] {
        VmGarbageCollector gc(*build_client_, *driver_, grace);
        StatusOr<size_t> deleted = gc.Collect();
        if (!deleted.ok()) {
          spdlog::warn("gc: {}", deleted.status().ToString());
        }
        // Logs live as long as their Build (the informer has synced: the
        // controller's workers only start after it).
        if (controller_->informer().HasSynced()) {
          std::set<std::string> live;
          // Sources live while a Build names them, and for
          // --source-retention-seconds after their last use (an upload
          // waiting for its Build, a Build deleted and re-applied).
          std::set<std::string> sources;
          for (const auto& obj : controller_->informer().List()) {
            live.insert(obj->value.value("/metadata/uid"_json_pointer, ""));
            sources.insert(obj->value.value(
                "/spec/source/archive/digest"_json_pointer, ""));
          }
          logs_->DeleteAllBut(live);
          StatusOr<size_t> removed = sources_->DeleteUnused(
              sources, clock_.SystemNow() - source_retention);
          if (!removed.ok()) {
            spdlog::warn("gc: sources: {}", removed.status().ToString());
          } else if (*removed > 0) {
            spdlog::info("gc: deleted {} unused source archive(s)", *removed);
          }
        }
      });
  return OkStatus();
}

void KilndServer::RefreshMetrics(const std::string& node) {
  if (api_) metrics_.SetWatchers(static_cast<int64_t>(api_->watchers()));
  NodeStorage nodes(*store_, clock_);
  if (StatusOr<Node> n = nodes.Get(node); n.ok()) {
    const NodeResources& total = n->status.capacity;
    const NodeResources& used = n->status.allocated;
    metrics_.SetCapacity(kResourceCpus, total.cpus, used.cpus);
    metrics_.SetCapacity(kResourceMemoryMib, total.memory_mib, used.memory_mib);
    metrics_.SetCapacity(kResourceBuilds, total.builds, used.builds);
  }
  if (!controller_) return;
  metrics_.SetWorkqueueDepth(static_cast<int64_t>(controller_->QueueLength()));
  int64_t pending = 0, building = 0, pushing = 0;
  for (const auto& obj : controller_->informer().List()) {
    const std::string phase =
        obj->value.value("/status/phase"_json_pointer, "");
    if (phase == "Pending" || phase.empty()) ++pending;
    if (phase == "Building") ++building;
    if (phase == "Pushing") ++pushing;
  }
  metrics_.SetBuildsActive(kPhasePending, pending);
  metrics_.SetBuildsActive(kPhaseBuilding, building);
  metrics_.SetBuildsActive(kPhasePushing, pushing);
}

StatusOr<std::unique_ptr<KilndServer>> KilndServer::Start(
    const KilndFlags& given) {
  // Every path kilnd hands to a child (builder VMs chdir into their work
  // dir, the registry reads its config) must not depend on kilnd's cwd.
  KilndFlags flags = given;
  {
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(flags.data_dir, ec);
    if (ec) {
      return InvalidArgumentError("--data-dir " + flags.data_dir + ": " +
                                  ec.message());
    }
    flags.data_dir = absolute.lexically_normal().string();
    while (flags.data_dir.size() > 1 && flags.data_dir.back() == '/') {
      flags.data_dir.pop_back();
    }
  }
  std::unique_ptr<KilndServer> s(new KilndServer());
  ASSIGN_OR_RETURN(HostPort listen, ParseListen(flags.listen));
  ASSIGN_OR_RETURN(NodeResources capacity, Capacity(flags));
  // Before anything is written: a forced qemu without a guest image fails
  // here, with the command that builds one.
  ASSIGN_OR_RETURN(const DriverChoice choice, ResolveDriver(flags));
  std::error_code ec;
  std::filesystem::create_directories(flags.data_dir, ec);
  if (ec) {
    return UnavailableError("cannot create --data-dir " + flags.data_dir +
                            ": " + ec.message());
  }

  SqliteStoreOptions store_options;
  store_options.path = flags.data_dir + "/kiln.db";
  store_options.retained_revisions = flags.retained_revisions;
  store_options.observe_commit = [m = &s->metrics_](double seconds) {
    m->ObserveStoreWrite(seconds);
  };
  ASSIGN_OR_RETURN(s->store_, SqliteStore::Open(store_options));
  spdlog::info("store {} at revision {}", store_options.path,
               s->store_->CurrentRevision());

  s->events_ = std::make_unique<EventRecorder>(*s->store_, s->clock_);
  s->event_pruner_ = std::make_unique<Periodic>(
      std::chrono::minutes(1), [events = s->events_.get()] {
        StatusOr<size_t> pruned = events->Prune();
        if (!pruned.ok()) {
          spdlog::warn("events: prune failed: {}", pruned.status().ToString());
        }
      });

  const std::string node = NodeName(flags);
  NodeStorage nodes(*s->store_, s->clock_);
  RETURN_IF_ERROR(
      nodes.EnsureNode(node, capacity, choice.driver, choice.accelerator));
  RETURN_IF_ERROR(nodes.RepairAllocation(node));
  spdlog::info("node {}: capacity cpus={} memoryMiB={} builds={}", node,
               capacity.cpus, capacity.memory_mib, capacity.builds);

  ASSIGN_OR_RETURN(const std::string registry, s->StartRegistry(flags));

  ApiServerOptions api;
  api.http.host = listen.host;
  api.http.port = listen.port;
  api.http.max_body_bytes = static_cast<size_t>(flags.max_body_bytes);
  api.max_source_bytes = static_cast<size_t>(flags.max_source_bytes);
  ASSIGN_OR_RETURN(s->sources_, FileSourceStore::Open(
                                    flags.data_dir + "/sources", s->clock_));
  api.sources = s->sources_.get();
  api.watch.max_watches_per_client =
      static_cast<size_t>(flags.max_watches_per_client);
  api.watch.default_timeout = std::chrono::seconds(flags.watch_timeout_seconds);
  api.node_name = node;
  api.image_registry = registry;
  api.events = s->events_.get();
  api.metrics = &s->metrics_;
  {
    LogServiceOptions logs;
    logs.logs_dir = flags.data_dir + "/logs";
    logs.max_bytes = flags.log_max_bytes;
    std::error_code dir_ec;
    std::filesystem::create_directories(logs.logs_dir, dir_ec);
    s->logs_ = std::make_unique<LogService>(s->clock_, logs);
    api.logs = s->logs_.get();
  }
  api.refresh_metrics = [server = s.get(), node] {
    server->RefreshMetrics(node);
  };
  api.defaults.cpus = flags.default_cpus;
  api.defaults.memory_mib = flags.default_memory_mib;
  api.defaults.timeout_seconds = flags.default_timeout_seconds;

  KubeconfigParams kubeconfig;
  std::string scheme = "http";
  if (flags.insecure_dev) {
    api.allow_anonymous = true;
    spdlog::warn("--insecure-dev: plain HTTP, no authentication");
  } else {
    ASSIGN_OR_RETURN(BootstrapResult auth, EnsureAuthFiles(flags.data_dir));
    api.token_file =
        flags.token_file.empty() ? auth.token_file : flags.token_file;
    const std::string pki = flags.data_dir + "/pki";
    RETURN_IF_ERROR(EnsureTlsCertificates(pki, {listen.host}));
    TlsFiles tls = TlsFilesIn(pki);
    api.http.tls_cert_file = tls.server_cert;
    api.http.tls_key_file = tls.server_key;
    ASSIGN_OR_RETURN(kubeconfig.ca_pem, ReadWholeFile(tls.ca_cert));
    kubeconfig.token = auth.admin_token;
    scheme = "https";
  }
  {
    KilndServer* server = s.get();
    api.readiness.push_back({"store", [server, node] {
                               NodeStorage nodes(*server->store_,
                                                 server->clock_);
                               return nodes.Get(node).status();
                             }});
    if (flags.controllers) {
      api.readiness.push_back(
          {"informer-sync", [server] {
             if (server->started_.load() &&
                 server->controller_->informer().HasSynced()) {
               return OkStatus();
             }
             return UnavailableError("the build informer has not synced");
           }});
      api.readiness.push_back({"driver", [server] {
                                 if (!server->started_.load()) {
                                   return UnavailableError(
                                       "kilnd is still starting");
                                 }
                                 return server->driver_->List().status();
                               }});
    }
  }
  ASSIGN_OR_RETURN(s->api_, ApiServer::Start(*s->store_, s->clock_, api));

  std::string host = listen.host.find(':') != std::string::npos
                         ? "[" + listen.host + "]"
                         : listen.host;
  const std::string url =
      scheme + "://" + host + ":" + std::to_string(s->api_->port());
  kubeconfig.server_url = url;
  const std::string kubeconfig_path = flags.data_dir + "/kubeconfig";
  RETURN_IF_ERROR(
      WriteKubeconfig(kubeconfig_path, RenderKubeconfig(kubeconfig)));
  spdlog::info("kubeconfig written to {} (export KUBECONFIG={})",
               kubeconfig_path, kubeconfig_path);
  if (flags.controllers) {
    RETURN_IF_ERROR(s->StartControllers(flags, choice, node, registry));
  } else {
    spdlog::warn(
        "--controllers=false: serving the API only; Builds are "
        "admitted but not run");
  }
  s->started_ = true;
  spdlog::info("kilnd ready on {}", url);
  return s;
}

void KilndServer::Stop() {
  if (gc_) gc_->Stop();
  if (controller_) controller_->Stop();
  if (api_) api_->Stop();
  if (registry_) registry_->Stop();
  if (event_pruner_) event_pruner_->Stop();
  if (events_) events_->Flush();
}

}  // namespace kiln
