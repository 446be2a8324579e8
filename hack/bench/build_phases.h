// The phases of build_bench, each against a running kilnd whose controllers
// run real builds (latency, overhead, throughput) or against the recovery
// setup (recovery-fill with --controllers=false, then recovery after a
// restart with a stand-in agent) or against a kilnd whose agent is
// fake_agent (log-latency). Each returns its figures as JSON under
// its own key. A benchmark helper, never run by ctest.
//
// Thread-compatible: one phase at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "api_types/status.h"
#include "hack/bench/api_endpoint.h"

namespace kiln::bench {

struct PhaseContext {
  ApiEndpoint endpoint;
  pid_t kilnd_pid = 0;
  std::string data_dir;  // kilnd's: VMs live in DATA_DIR/vms/<vm>
  std::string work_dir;  // scratch for the direct buildah runs
  std::string ns = "bench";
  std::chrono::seconds build_timeout{180};  // per build, create -> terminal
};

// `builds` sequential creates, each waited for until terminal: 201 ->
// VM process running (pid.json), 201 -> Building (watch), 201 -> terminal.
StatusOr<nlohmann::json> RunLatencyPhase(const PhaseContext& ctx, int builds);

// `runs` interleaved pairs: buildah alone (direct_buildah.h) pushing to
// `registry`, then the same Dockerfile through Kiln (201 -> Ready).
StatusOr<nlohmann::json> RunOverheadPhase(const PhaseContext& ctx, int runs,
                                          const std::string& registry);

// Keeps kilnd full for `window`: submits again at once after a 201, after
// `poll` on a 503; counts Builds that became Ready within the window, then
// waits for the rest to finish.
StatusOr<nlohmann::json> RunThroughputPhase(const PhaseContext& ctx,
                                            std::chrono::seconds window,
                                            std::chrono::milliseconds poll);

// Creates `builds` Builds (api_create_load.h, 8 clients) into ctx.ns.
StatusOr<nlohmann::json> RunRecoveryFillPhase(const PhaseContext& ctx,
                                              int64_t builds);

// Waits until `builds` Builds of ctx.ns are terminal; times are measured
// from `started_at` (when kilnd was started, system clock).
StatusOr<nlohmann::json> RunRecoveryPhase(
    const PhaseContext& ctx, int64_t builds,
    std::chrono::system_clock::time_point started_at);

struct LogLatencyOptions {
  // Timed lines each agent writes, and the time between two of them.
  int64_t lines = 200;
  std::chrono::milliseconds interval{20};
  // The loaded run: `followers` in all, followers / builds on each Build.
  int followers = 100;
  int builds = 10;
};

// Write -> receive latency of build log lines seen through
// ?follow=true: first one follower of one Build, then `followers` spread
// evenly over `builds` Builds (kilnd's agent must be fake_agent). Errors:
// InvalidArgument (followers not a multiple of builds), Unavailable
// (create failed, followers not attached within 60 s).
StatusOr<nlohmann::json> RunLogLatencyPhase(const PhaseContext& ctx,
                                            const LogLatencyOptions& options);

}  // namespace kiln::bench
