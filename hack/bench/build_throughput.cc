// The throughput phase of build_bench (build_phases.h).
#include <fmt/format.h>

#include <map>
#include <thread>

#include "hack/bench/api_proc.h"
#include "hack/bench/build_phases.h"
#include "hack/bench/build_submit.h"
#include "hack/bench/build_tracker.h"

namespace kiln::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct SubmitTally {
  int64_t created = 0;
  int64_t unavailable = 0;  // 503
  int64_t other = 0;        // any other answer, or none
  std::string first_other;
  std::map<int, int64_t> retry_after;  // Retry-After of a 503 -> count
};

// Submits until `end`: again at once after a 201, after `poll` otherwise.
SubmitTally Submit(const PhaseContext& ctx, Clock::time_point end,
                   std::chrono::milliseconds poll) {
  web::http::client::http_client client(
      web::uri(ctx.endpoint.server),
      MakeClientConfig(ctx.endpoint, std::chrono::seconds(30)));
  SubmitTally tally;
  for (int i = 0; Clock::now() < end; ++i) {
    const SubmitResult r =
        SubmitBuild(client, ctx.endpoint, ctx.ns, fmt::format("tp-{}", i));
    if (!r.uid.empty()) {
      ++tally.created;
      continue;
    }
    if (r.status == 503) {
      ++tally.unavailable;
      ++tally.retry_after[r.retry_after_s];
    } else {
      ++tally.other;
      if (tally.first_other.empty()) tally.first_other = r.failure;
    }
    std::this_thread::sleep_until(std::min(end, Clock::now() + poll));
  }
  return tally;
}

}  // namespace

StatusOr<nlohmann::json> RunThroughputPhase(const PhaseContext& ctx,
                                            std::chrono::seconds window,
                                            std::chrono::milliseconds poll) {
  ASSIGN_OR_RETURN(std::unique_ptr<BuildTracker> tracker,
                   BuildTracker::Start(ctx.endpoint, ctx.ns));
  CpuSplitMeter cpu(ctx.kilnd_pid);
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + window;
  const SubmitTally tally = Submit(ctx, end, poll);
  const CpuSplit split = cpu.Read();
  // Count at the end of the window, then let the last builds finish so
  // that no builder outlives this phase.
  std::map<std::string, int64_t> in_window;
  for (const auto& [phase, times] : tracker->TerminalTimes()) {
    for (Clock::time_point t : times)
      in_window[phase] += t >= start && t <= end ? 1 : 0;
  }
  const int64_t done = tracker->WaitTerminalCount(
      tally.created, Clock::now() + ctx.build_timeout);
  nlohmann::json retry_after = nlohmann::json::object();
  for (auto [seconds, n] : tally.retry_after)
    retry_after[std::to_string(seconds)] = n;
  const double minutes = std::chrono::duration<double>(window).count() / 60;
  return nlohmann::json{{"throughput",
                         {{"window_s", window.count()},
                          {"poll_ms", poll.count()},
                          {"created", tally.created},
                          {"unavailable_503", tally.unavailable},
                          {"retry_after_s", retry_after},
                          {"other_failures", tally.other},
                          {"first_other", tally.first_other},
                          {"terminal_in_window", in_window},
                          {"ready_per_minute", in_window["Ready"] / minutes},
                          {"finished_after", done},
                          {"cpu", ToJson(split)},
                          {"watch_anomaly", tracker->anomaly()}}}};
}

}  // namespace kiln::bench
