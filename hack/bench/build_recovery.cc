// The recovery phases of build_bench (build_phases.h): fill a kilnd that
// runs no controllers, then time a restarted kilnd finishing every Build.
#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "hack/bench/api_create_load.h"
#include "hack/bench/api_probe.h"
#include "hack/bench/api_proc.h"
#include "hack/bench/build_phases.h"
#include "hack/bench/build_tracker.h"

namespace kiln::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Seconds from `started_at` (system clock) to `t` (steady clock).
double SecondsSince(std::chrono::system_clock::time_point started_at,
                    Clock::time_point t) {
  const auto system_t =
      std::chrono::system_clock::now() -
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          Clock::now() - t);
  return std::chrono::duration<double>(system_t - started_at).count();
}

}  // namespace

StatusOr<nlohmann::json> RunRecoveryFillPhase(const PhaseContext& ctx,
                                              int64_t builds) {
  CreateLoadOptions o;
  o.clients = 8;
  o.ns = ctx.ns;
  o.max_requests = builds;
  o.max_duration = std::chrono::seconds(120);
  BuildNamer names("rec");
  ASSIGN_OR_RETURN(CreateLoadResult r,
                   RunCreateLoad(ctx.endpoint, o, names, ctx.kilnd_pid));
  ASSIGN_OR_RETURN(int64_t stored, CountBuilds(ctx.endpoint, ctx.ns));
  if (stored != builds) {
    return UnavailableError(fmt::format("fill: {} Builds stored, want {}; {}",
                                        stored, builds, r.first_failure));
  }
  return nlohmann::json{{"recovery_fill", ToJson(r)}};
}

StatusOr<nlohmann::json> RunRecoveryPhase(
    const PhaseContext& ctx, int64_t builds,
    std::chrono::system_clock::time_point started_at) {
  const double ready_s = SecondsSince(started_at, Clock::now());
  CpuSplitMeter cpu(ctx.kilnd_pid);
  ASSIGN_OR_RETURN(std::unique_ptr<BuildTracker> tracker,
                   BuildTracker::Start(ctx.endpoint, ctx.ns));
  const int64_t terminal_at_list = tracker->WaitTerminalCount(0, Clock::now());
  const int64_t done = tracker->WaitTerminalCount(
      builds, Clock::now() + std::chrono::minutes(5));
  const CpuSplit split = cpu.Read();
  Clock::time_point first = Clock::time_point::max();
  Clock::time_point last = Clock::time_point::min();
  nlohmann::json phases = nlohmann::json::object();
  for (const auto& [phase, times] : tracker->TerminalTimes()) {
    phases[phase] = times.size();
    for (Clock::time_point t : times) {
      first = std::min(first, t);
      last = std::max(last, t);
    }
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // settle, then RSS
  ASSIGN_OR_RETURN(ProcMemory memory, ReadProcMemory(ctx.kilnd_pid));
  nlohmann::json out = {{"builds", builds},
                        {"terminal", done},
                        {"terminal_when_listed", terminal_at_list},
                        {"phases", phases},
                        {"ready_s", ready_s},
                        {"kilnd_cpu_s", ProcessCpuSeconds(ctx.kilnd_pid)},
                        {"cpu", ToJson(split)},
                        {"memory_after", ToJson(memory)},
                        {"watch_anomaly", tracker->anomaly()}};
  if (done > 0) {
    out["first_terminal_s"] = SecondsSince(started_at, first);
    out["all_terminal_s"] = SecondsSince(started_at, last);
  }
  return nlohmann::json{{"recovery", out}};
}

}  // namespace kiln::bench
