// The latency and overhead phases of build_bench (build_phases.h).
#include <fmt/format.h>

#include <fstream>
#include <map>
#include <sstream>

#include "hack/bench/api_proc.h"
#include "hack/bench/build_phases.h"
#include "hack/bench/build_timed.h"
#include "hack/bench/direct_buildah.h"
#include "hack/bench/latency_stats.h"

namespace kiln::bench {
namespace {

namespace http = web::http;

http::client::http_client Client(const PhaseContext& ctx) {
  return http::client::http_client(
      web::uri(ctx.endpoint.server),
      MakeClientConfig(ctx.endpoint, std::chrono::seconds(30)));
}

// "storage driver X" as kiln-agent notes it in the build log; "" if absent.
std::string AgentStorageDriver(const PhaseContext& ctx,
                               const std::string& uid) {
  std::ifstream log(ctx.data_dir + "/logs/" + uid + ".log");
  const std::string needle = "storage driver ";
  for (std::string line; std::getline(log, line);) {
    size_t at = line.find(needle);
    if (at == std::string::npos) continue;
    std::istringstream rest(line.substr(at + needle.size()));
    std::string driver;
    rest >> driver;
    return driver.substr(0, driver.find(','));
  }
  return "";
}

void AddIf(LatencySamples& samples,
           const std::optional<BuildTiming::Duration>& d) {
  if (d) samples.Add(*d);
}

}  // namespace

StatusOr<nlohmann::json> RunLatencyPhase(const PhaseContext& ctx, int builds) {
  ASSIGN_OR_RETURN(std::unique_ptr<BuildTracker> tracker,
                   BuildTracker::Start(ctx.endpoint, ctx.ns));
  http::client::http_client client = Client(ctx);
  LatencySamples post, vm, building, terminal;
  std::map<std::string, int> phases;
  CpuSplitMeter cpu(ctx.kilnd_pid);
  for (int i = 0; i < builds; ++i) {
    ASSIGN_OR_RETURN(BuildTiming t, TimedBuild(ctx, client, *tracker,
                                               fmt::format("lat-{}", i)));
    post.Add(t.post);
    AddIf(vm, t.to_vm);
    AddIf(building, t.to_building);
    AddIf(terminal, t.to_terminal);
    ++phases[t.phase.empty() ? "timeout" : t.phase];
  }
  return nlohmann::json{{"latency",
                         {{"builds", builds},
                          {"post", ToJson(post.Summarize())},
                          {"to_vm", ToJson(vm.Summarize())},
                          {"to_building", ToJson(building.Summarize())},
                          {"to_terminal", ToJson(terminal.Summarize())},
                          {"phases", phases},
                          {"cpu", ToJson(cpu.Read())},
                          {"watch_anomaly", tracker->anomaly()}}}};
}

StatusOr<nlohmann::json> RunOverheadPhase(const PhaseContext& ctx, int runs,
                                          const std::string& registry) {
  ASSIGN_OR_RETURN(std::unique_ptr<BuildTracker> tracker,
                   BuildTracker::Start(ctx.endpoint, ctx.ns));
  http::client::http_client client = Client(ctx);
  LatencySamples direct, kiln;
  nlohmann::json direct_s = nlohmann::json::array();
  nlohmann::json kiln_s = nlohmann::json::array();
  std::string direct_driver, kiln_driver;
  CpuSplitMeter cpu(ctx.kilnd_pid);
  for (int i = 0; i < 2 * runs; ++i) {
    // Alternate which goes first, so neither always follows the other.
    const bool run_direct = (i % 2 == 0) == (i / 2 % 2 == 0);
    const int run = i / 2;
    if (run_direct) {
      ASSIGN_OR_RETURN(
          DirectBuildResult d,
          RunDirectBuildah(
              registry, RegistryCredential{"admin", ctx.endpoint.token},
              fmt::format("{}/bench-direct/d{}:latest", registry, run),
              fmt::format("{}/direct-{}", ctx.work_dir, run)));
      direct.Add(std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::duration<double>(d.total_s)));
      direct_s.push_back(d.total_s);
      direct_driver = d.storage_driver;
      continue;
    }
    ASSIGN_OR_RETURN(BuildTiming t, TimedBuild(ctx, client, *tracker,
                                               fmt::format("ovh-{}", run)));
    if (t.phase != "Ready" || !t.to_terminal)
      return UnavailableError(fmt::format("ovh-{}: ended {}", run, t.phase));
    kiln.Add(*t.to_terminal);
    kiln_s.push_back(std::chrono::duration<double>(*t.to_terminal).count());
    kiln_driver = AgentStorageDriver(ctx, t.uid);
  }
  return nlohmann::json{{"overhead",
                         {{"runs", runs},
                          {"direct", ToJson(direct.Summarize())},
                          {"kiln", ToJson(kiln.Summarize())},
                          {"direct_s", direct_s},
                          {"kiln_s", kiln_s},
                          {"direct_driver", direct_driver},
                          {"kiln_driver", kiln_driver},
                          {"cpu", ToJson(cpu.Read())}}}};
}

}  // namespace kiln::bench
