// api_bench: what kilnd's HTTPS API sustains — creates/s and latency at
// 1/16/64 clients, `kubectl get` time and kilnd's memory with 10,000 Builds
// stored, and watch event latency with 1/100/1000 watchers. A benchmark,
// not a test: never run by ctest. Driven by hack/bench/api_bench.sh, which
// builds kilnd and this tool, starts kilnd on a scratch data dir and
// records the figures in docs/benchmarks.md.
//
//   api_bench run --kubeconfig K --ca CA --kilnd-pid PID --work-dir DIR
//                 [--phases creates,fill,kubectl,watch]
//       the phases in order; progress on stderr, one JSON object on stdout
//       (also after a failure: what was measured, plus "error"); exit 0,
//       1 on error, 3 when kilnd stopped answering after a create level
//   api_bench markdown --in RUN.json [--in RUN2.json]
//       the Markdown tables of the "API server" section
//
// The client is cpprestsdk's http_client (asio); TLS is verified against
// kilnd's CA, authentication is the kubeconfig's bearer token.
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "hack/bench/api_create_load.h"
#include "hack/bench/api_kubectl.h"
#include "hack/bench/api_probe.h"
#include "hack/bench/api_report.h"
#include "hack/bench/api_watch_load.h"

namespace kiln::bench {
namespace {

struct RunFlags {
  std::string kubeconfig;
  std::string ca;
  pid_t kilnd_pid = 0;
  std::string work_dir;
  std::string kubectl = "kubectl";
  std::string ns = "bench";
  std::vector<int> clients = {1, 16, 64};
  int64_t level_max = 3000;
  int level_seconds = 6;
  std::vector<std::string> phases = {"creates", "fill", "kubectl", "watch"};
  int64_t stored = 10000;
  // 16: well below the 32 concurrent requests that can wedge kilnd (see the
  // "API server" section of docs/benchmarks.md).
  int fill_clients = 16;
  int kubectl_runs = 5;
  std::vector<int> watchers = {1, 100, 1000};
  int64_t watch_writes = 200;
  double watch_rate = 50;
  int watch_after_close = 0;
};

void AddRunFlags(CLI::App& run, RunFlags& f) {
  run.add_option("--kubeconfig", f.kubeconfig, "kubeconfig kilnd wrote")
      ->required();
  run.add_option("--ca", f.ca, "CA of kilnd's serving cert")->required();
  run.add_option("--kilnd-pid", f.kilnd_pid, "for /proc")->required();
  run.add_option("--work-dir", f.work_dir, "scratch (kubectl cache, output)")
      ->required();
  run.add_option("--phases", f.phases,
                 "Subset of creates,fill,kubectl,watch, run in that order")
      ->delimiter(',')
      ->capture_default_str();
  run.add_option("--kubectl", f.kubectl, "kubectl binary")
      ->capture_default_str();
  run.add_option("--clients", f.clients, "Create concurrency levels")
      ->delimiter(',')
      ->capture_default_str();
  run.add_option("--level-max", f.level_max, "Requests per create level, max")
      ->capture_default_str();
  run.add_option("--level-seconds", f.level_seconds, "Create level, max s")
      ->capture_default_str();
  run.add_option("--stored", f.stored, "Builds stored before kubectl/RSS")
      ->capture_default_str();
  run.add_option("--fill-clients", f.fill_clients, "Clients of the fill")
      ->capture_default_str();
  run.add_option("--kubectl-runs", f.kubectl_runs, "Timed runs per command")
      ->capture_default_str();
  run.add_option("--watchers", f.watchers, "Watcher counts")
      ->delimiter(',')
      ->capture_default_str();
  run.add_option("--watch-writes", f.watch_writes, "Writes per watch level")
      ->capture_default_str();
  run.add_option("--watch-rate", f.watch_rate, "Paced writes/s")
      ->capture_default_str();
  run.add_option("--watch-after-close", f.watch_after_close,
                 "Then a level with this many watchers while the last "
                 "level's streams, closed by the client, may still be open "
                 "in kilnd (0 = skip)")
      ->capture_default_str();
}

void Progress(const std::string& line) {
  std::cerr << "api_bench: " << line << std::endl;
}

// Open fds: 1000 watchers need more than a default soft limit of 1024.
void RaiseFileLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

constexpr int kExitServerStuck = 3;

// Create levels; stops early (and says so in `out`) when kilnd no longer
// answers /healthz after a level. Returns false in that case.
StatusOr<bool> CreatePhase(const ApiEndpoint& endpoint, const RunFlags& f,
                           nlohmann::json& out) {
  BuildNamer names("b");
  ASSIGN_OR_RETURN(ProcMemory empty, ReadProcMemory(f.kilnd_pid));
  out["rss_start_empty"] = ToJson(empty);
  out["creates"] = nlohmann::json::array();
  for (int clients : f.clients) {
    CreateLoadOptions o;
    o.clients = clients;
    o.ns = f.ns;
    o.max_requests = f.level_max;
    o.max_duration = std::chrono::seconds(f.level_seconds);
    ASSIGN_OR_RETURN(CreateLoadResult r,
                     RunCreateLoad(endpoint, o, names, f.kilnd_pid));
    const bool healthy = Healthy(endpoint, std::chrono::seconds(5));
    Progress(fmt::format(
        "creates, {} clients: {:.0f}/s, p99 {:.2f} ms, "
        "{} non-201, {} without response{}",
        clients, r.created_per_s, r.latency.p99_us / 1000, r.rejected, r.errors,
        healthy ? "" : "; kilnd no longer answers /healthz"));
    nlohmann::json level = ToJson(r);
    level["healthy_after"] = healthy;
    out["creates"].push_back(level);
    if (!healthy) return false;
  }
  return true;
}

// cpprestsdk builds a fresh OpenSSL context for every TLS connection and
// calls set_default_verify_paths() on it, which parses the whole system CA
// bundle: ~40 ms of CPU per connection here, so 1000 watchers took ~47 s to
// connect and the client, not kilnd, dominated the machine. Pointing
// OpenSSL's defaults at kilnd's CA (the only root we trust anyway) makes a
// connection cost a handshake only. Must run before the first connection.
void TrustOnlyKilndCa(const RunFlags& f) {
  setenv("SSL_CERT_FILE", f.ca.c_str(), 1);
  setenv("SSL_CERT_DIR", f.work_dir.c_str(), 1);  // no hashed certs there
}

// Creates (with --fill-clients) until --stored Builds exist in the
// namespace, counted on the server.
Status FillPhase(const ApiEndpoint& endpoint, const RunFlags& f,
                 nlohmann::json& out) {
  BuildNamer names("f");
  ASSIGN_OR_RETURN(int64_t stored, CountBuilds(endpoint, f.ns));
  out["stored_before_fill"] = stored;
  while (stored < f.stored) {
    CreateLoadOptions o;
    o.clients = f.fill_clients;
    o.ns = f.ns;
    o.max_requests = f.stored - stored;
    o.max_duration = std::chrono::seconds(120);
    ASSIGN_OR_RETURN(CreateLoadResult fill,
                     RunCreateLoad(endpoint, o, names, f.kilnd_pid));
    out["fill"] = ToJson(fill);
    if (fill.created == 0) return UnavailableError("fill: nothing created");
    ASSIGN_OR_RETURN(stored, CountBuilds(endpoint, f.ns));
  }
  out["stored"] = stored;
  Progress(fmt::format("{} Builds stored (counted by listing)", stored));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ASSIGN_OR_RETURN(ProcMemory idle, ReadProcMemory(f.kilnd_pid));
  out["rss_idle"] = ToJson(idle);
  return OkStatus();
}

Status KubectlPhase(const RunFlags& f, nlohmann::json& out) {
  KubectlOptions k{f.kubectl, f.kubeconfig, f.work_dir, f.kubectl_runs};
  out["kubectl_runs"] = f.kubectl_runs;
  out["kubectl"] = nlohmann::json::array();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"get", "builds", "-A"},
           {"get", "builds", "-A", "-o", "json"},
           {"get", "builds", "-A", "--chunk-size=0"}}) {
    ASSIGN_OR_RETURN(KubectlResult r, TimeKubectl(k, args, f.kilnd_pid));
    Progress(fmt::format("{}: median {:.2f} s, {} objects", r.command,
                         r.median_s, r.objects));
    out["kubectl"].push_back(ToJson(r));
  }
  return OkStatus();
}

// One watch level; `after_close_of` > 0 marks the level that runs right
// after that many watchers were closed by the client.
Status WatchLevel(const ApiEndpoint& endpoint, const RunFlags& f, int watchers,
                  int after_close_of, nlohmann::json& out) {
  const std::string tag =
      (after_close_of > 0 ? "a" : "w") + std::to_string(watchers);
  BuildNamer names(tag);
  WatchLoadOptions o;
  o.watchers = watchers;
  o.ns = f.ns;
  o.tag = tag;
  o.writes = f.watch_writes;
  o.rate_per_s = f.watch_rate;
  ASSIGN_OR_RETURN(WatchLoadResult r,
                   RunWatchLoad(endpoint, o, names, f.kilnd_pid));
  Progress(fmt::format(
      "watch, {} watchers ({} connected in {:.1f} s): {}/{} events, "
      "p50 {:.2f} ms, p99 {:.2f} ms, kilnd CPU {:.0f}%, {} anomalies {}",
      watchers, r.connected, r.connect_seconds, r.received, r.expected,
      r.delivery.p50_us / 1000, r.delivery.p99_us / 1000, 100 * r.cpu.server,
      r.anomalies, r.first_anomaly));
  nlohmann::json level = ToJson(r);
  if (after_close_of > 0) level["after_close_of"] = after_close_of;
  out["watch"].push_back(level);
  return OkStatus();
}

Status WatchPhase(const ApiEndpoint& endpoint, const RunFlags& f,
                  nlohmann::json& out) {
  out["watch_writes"] = f.watch_writes;
  out["watch_rate"] = f.watch_rate;
  out["watch"] = nlohmann::json::array();
  for (int watchers : f.watchers)
    RETURN_IF_ERROR(WatchLevel(endpoint, f, watchers, 0, out));
  if (f.watch_after_close > 0 && !f.watchers.empty()) {
    RETURN_IF_ERROR(
        WatchLevel(endpoint, f, f.watch_after_close, f.watchers.back(), out));
  }
  return OkStatus();
}

bool Wants(const RunFlags& f, const std::string& phase) {
  return std::find(f.phases.begin(), f.phases.end(), phase) != f.phases.end();
}

// Runs the phases in order, filling `out` as it goes (a failed phase leaves
// what was measured before it). Returns the exit code.
int Run(const RunFlags& f, nlohmann::json& out) {
  RaiseFileLimit();
  TrustOnlyKilndCa(f);
  StatusOr<ApiEndpoint> endpoint = LoadEndpoint(f.kubeconfig, f.ca);
  Status status = endpoint.status();
  if (status.ok()) out["tls"] = "verified against " + f.ca;
  if (status.ok() && Wants(f, "creates")) {
    StatusOr<bool> answering = CreatePhase(*endpoint, f, out);
    status = answering.status();
    if (status.ok() && !*answering) {
      out["error"] = "kilnd stopped answering during the create levels";
      return kExitServerStuck;
    }
  }
  if (status.ok() && Wants(f, "fill")) status = FillPhase(*endpoint, f, out);
  if (status.ok() && Wants(f, "kubectl")) status = KubectlPhase(f, out);
  if (status.ok() && Wants(f, "watch")) status = WatchPhase(*endpoint, f, out);
  if (status.ok()) return 0;
  out["error"] = status.ToString();
  std::cerr << "api_bench: " << status.ToString() << std::endl;
  return 1;
}

int Fail(const Status& s) {
  std::cerr << "api_bench: " << s.ToString() << std::endl;
  return 1;
}

int Main(int argc, char** argv) {
  CLI::App app{"Kiln API server benchmark (not a test)"};
  app.require_subcommand(1);
  CLI::App* run = app.add_subcommand("run", "Load a running kilnd");
  RunFlags flags;
  AddRunFlags(*run, flags);
  CLI::App* md = app.add_subcommand("markdown", "Render a run as Markdown");
  std::vector<std::string> in;
  md->add_option(
        "--in", in,
        "JSON of `api_bench run`; several are merged: arrays (levels) are "
        "concatenated, other keys: the later file wins")
      ->required();
  CLI11_PARSE(app, argc, argv);

  if (run->parsed()) {
    nlohmann::json out = nlohmann::json::object();
    const int code = Run(flags, out);
    std::cout << out.dump() << std::endl;
    return code;
  }
  nlohmann::json merged = nlohmann::json::object();
  for (const std::string& path : in) {
    std::ifstream file(path);
    if (!file) return Fail(UnavailableError("cannot read " + path));
    try {
      // Named: a temporary's items() would dangle in the range-for.
      nlohmann::json part = nlohmann::json::parse(file);
      for (auto& [key, value] : part.items()) {
        if (value.is_array() && merged.contains(key) &&
            merged[key].is_array()) {
          merged[key].insert(merged[key].end(), value.begin(), value.end());
        } else {
          merged[key] = value;
        }
      }
    } catch (const nlohmann::json::exception& e) {
      return Fail(InvalidArgumentError(path + ": " + e.what()));
    }
  }
  try {
    std::cout << RenderApiMarkdown(merged);
  } catch (const nlohmann::json::exception& e) {  // a field of the wrong type
    return Fail(InvalidArgumentError(std::string("render: ") + e.what()));
  }
  return 0;
}

}  // namespace
}  // namespace kiln::bench

int main(int argc, char** argv) { return kiln::bench::Main(argc, argv); }
