#include "cmd/kilnd/server.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api_types/quantity.h"
#include "controller/apiserver/auth_bootstrap.h"
#include "controller/apiserver/host_capacity.h"
#include "controller/apiserver/kubeconfig.h"
#include "controller/apiserver/node_registry.h"
#include "controller/apiserver/tls_certs.h"

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

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

StatusOr<std::unique_ptr<KilndServer>> KilndServer::Start(
    const KilndFlags& flags) {
  std::unique_ptr<KilndServer> s(new KilndServer());
  ASSIGN_OR_RETURN(HostPort listen, ParseListen(flags.listen));
  ASSIGN_OR_RETURN(NodeResources capacity, Capacity(flags));
  std::error_code ec;
  std::filesystem::create_directories(flags.data_dir, ec);
  if (ec) {
    return UnavailableError("cannot create --data-dir " + flags.data_dir +
                            ": " + ec.message());
  }

  SqliteStoreOptions store_options;
  store_options.path = flags.data_dir + "/kiln.db";
  store_options.retained_revisions = flags.retained_revisions;
  ASSIGN_OR_RETURN(s->store_, SqliteStore::Open(store_options));
  spdlog::info("store {} at revision {}", store_options.path,
               s->store_->CurrentRevision());

  const std::string node = NodeName(flags);
  NodeRegistry nodes(*s->store_, s->clock_);
  RETURN_IF_ERROR(nodes.EnsureNode(node, capacity, "process"));
  RETURN_IF_ERROR(nodes.RepairAllocation(node));
  spdlog::info("node {}: capacity cpus={} memoryMiB={} builds={}", node,
               capacity.cpus, capacity.memory_mib, capacity.builds);

  ApiServerOptions api;
  api.http.host = listen.host;
  api.http.port = listen.port;
  api.http.max_body_bytes = static_cast<size_t>(flags.max_body_bytes);
  api.watch.max_watches_per_client =
      static_cast<size_t>(flags.max_watches_per_client);
  api.watch.default_timeout = std::chrono::seconds(flags.watch_timeout_seconds);
  api.node_name = node;
  api.image_registry =
      flags.registry.empty() ? flags.embedded_registry : flags.registry;
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
    kubeconfig.ca_pem = ReadFile(tls.ca_cert);
    kubeconfig.token = auth.admin_token;
    scheme = "https";
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
  spdlog::info("kilnd ready on {}", url);
  return s;
}

void KilndServer::Stop() {
  if (api_) api_->Stop();
}

}  // namespace kiln
