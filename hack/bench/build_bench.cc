// build_bench: builds end to end through the real binaries — create ->
// Building and create -> VM process latency, builds/minute at full
// capacity, the overhead over buildah alone, and recovery of 1,000
// unfinished Builds after a restart, and build log lines from the agent's
// write to a follower of the log. A benchmark, not a test: never run by
// ctest. Driven by hack/bench/build_bench.sh, which builds kilnd, kiln-agent,
// fake_agent and this tool, starts kilnd for each phase and records the
// figures in docs/benchmarks.md.
//
//   build_bench run --phase latency|overhead|throughput|recovery-fill|
//                   recovery|log-latency --kubeconfig K --ca CA
//                   --kilnd-pid PID --data-dir DIR --work-dir DIR
//                   [phase options]
//       one phase; progress on stderr, one JSON object on stdout
//       ({"<phase>": {...}} or {"error": ...}); exit 0, or 1 on error
//   build_bench markdown --in PHASE.json [--in ...]
//       the Markdown of the "Builds" section (or, for log-latency, of
//       the "Build log latency" section)
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "hack/bench/build_phases.h"
#include "hack/bench/build_report.h"

namespace kiln::bench {
namespace {

struct RunFlags {
  std::string phase;
  std::string kubeconfig;
  std::string ca;
  PhaseContext ctx;
  int builds = 30;
  int overhead_runs = 5;
  std::string registry;
  int window_s = 60;
  int poll_ms = 200;
  int64_t recovery_builds = 1000;
  int64_t started_at_ns = 0;
  LogLatencyOptions log;
  int log_interval_ms = 20;
};

void AddRunFlags(CLI::App& run, RunFlags& f) {
  run.add_option("--phase", f.phase, "The phase to run")
      ->required()
      ->check(CLI::IsMember({"latency", "overhead", "throughput",
                             "recovery-fill", "recovery", "log-latency"}));
  run.add_option("--kubeconfig", f.kubeconfig, "kubeconfig kilnd wrote")
      ->required();
  run.add_option("--ca", f.ca, "CA of kilnd's serving cert")->required();
  run.add_option("--kilnd-pid", f.ctx.kilnd_pid, "for /proc")->required();
  run.add_option("--data-dir", f.ctx.data_dir, "kilnd's --data-dir")
      ->required();
  run.add_option("--work-dir", f.ctx.work_dir, "scratch for buildah alone")
      ->required();
  run.add_option("--ns", f.ctx.ns, "namespace")->capture_default_str();
  run.add_option("--builds", f.builds, "latency: sequential builds")
      ->capture_default_str();
  run.add_option("--overhead-runs", f.overhead_runs, "overhead: runs each way")
      ->capture_default_str();
  run.add_option("--registry", f.registry,
                 "overhead: HOST:PORT buildah alone pushes to");
  run.add_option("--window-seconds", f.window_s, "throughput: window")
      ->capture_default_str();
  run.add_option("--poll-ms", f.poll_ms, "throughput: wait after a 503")
      ->capture_default_str();
  run.add_option("--recovery-builds", f.recovery_builds,
                 "recovery(-fill): Builds")
      ->capture_default_str();
  run.add_option("--started-at-ns", f.started_at_ns,
                 "recovery: when kilnd was started (ns since the epoch)");
  run.add_option("--log-lines", f.log.lines, "log-latency: lines per agent")
      ->capture_default_str();
  run.add_option("--log-interval-ms", f.log_interval_ms,
                 "log-latency: ms between lines")
      ->capture_default_str();
  run.add_option("--log-followers", f.log.followers,
                 "log-latency: followers of the loaded run")
      ->capture_default_str();
  run.add_option("--log-builds", f.log.builds,
                 "log-latency: Builds those followers follow")
      ->capture_default_str();
}

StatusOr<nlohmann::json> RunPhase(RunFlags& f) {
  // As api_bench: trust only kilnd's CA, so a TLS connection costs a
  // handshake, not a parse of the system CA bundle.
  setenv("SSL_CERT_FILE", f.ca.c_str(), 1);
  setenv("SSL_CERT_DIR", f.ctx.work_dir.c_str(), 1);
  ASSIGN_OR_RETURN(f.ctx.endpoint, LoadEndpoint(f.kubeconfig, f.ca));
  const PhaseContext& ctx = f.ctx;
  if (f.phase == "latency") return RunLatencyPhase(ctx, f.builds);
  if (f.phase == "overhead") {
    if (f.registry.empty())
      return InvalidArgumentError("overhead: --registry is required");
    return RunOverheadPhase(ctx, f.overhead_runs, f.registry);
  }
  if (f.phase == "throughput") {
    return RunThroughputPhase(ctx, std::chrono::seconds(f.window_s),
                              std::chrono::milliseconds(f.poll_ms));
  }
  if (f.phase == "log-latency") {
    f.log.interval = std::chrono::milliseconds(f.log_interval_ms);
    return RunLogLatencyPhase(ctx, f.log);
  }
  if (f.phase == "recovery-fill")
    return RunRecoveryFillPhase(ctx, f.recovery_builds);
  const std::chrono::system_clock::time_point started_at{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(f.started_at_ns))};
  return RunRecoveryPhase(ctx, f.recovery_builds, started_at);
}

int Main(int argc, char** argv) {
  CLI::App app{"Kiln builds benchmark (not a test)"};
  app.require_subcommand(1);
  CLI::App* run = app.add_subcommand("run", "One phase against kilnd");
  RunFlags flags;
  AddRunFlags(*run, flags);
  CLI::App* md = app.add_subcommand("markdown", "Render phases as Markdown");
  std::vector<std::string> in;
  md->add_option("--in", in, "JSON of `build_bench run` (one per phase)")
      ->required();
  CLI11_PARSE(app, argc, argv);

  if (run->parsed()) {
    StatusOr<nlohmann::json> out = RunPhase(flags);
    if (!out.ok()) {
      std::cerr << "build_bench: " << out.status().ToString() << std::endl;
      std::cout << nlohmann::json{{"error", out.status().ToString()}}.dump()
                << std::endl;
      return 1;
    }
    std::cout << out->dump() << std::endl;
    return 0;
  }
  nlohmann::json merged = nlohmann::json::object();
  for (const std::string& path : in) {
    std::ifstream file(path);
    // Each file holds one phase under its own key; a bad file is an error
    // in the output, not a crash.
    nlohmann::json part = nlohmann::json::parse(file, nullptr, false);
    if (part.is_discarded() || !part.is_object()) {
      std::cerr << "build_bench: cannot read " << path << std::endl;
      return 1;
    }
    merged.update(part);
  }
  try {
    std::cout << RenderBuildsMarkdown(merged);
  } catch (const nlohmann::json::exception& e) {  // a field of the wrong type
    std::cerr << "build_bench: render: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace kiln::bench

int main(int argc, char** argv) { return kiln::bench::Main(argc, argv); }
