#include "controller/apiserver/retry_after.h"

#include <algorithm>
#include <utility>

#include "controller/apiserver/admission.h"

namespace kiln {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = std::chrono::system_clock::time_point;

TimePoint ExpectedRelease(const Build& build,
                          std::optional<milliseconds> typical, TimePoint now) {
  TimePoint start = now;
  if (build.status.started_at) {
    start = *build.status.started_at;
  } else if (build.metadata.creation_timestamp) {
    start = *build.metadata.creation_timestamp;
  }
  const milliseconds timeout = seconds(
      build.spec.timeout_seconds.value_or(kRetryAfterFallbackTimeoutSeconds));
  const milliseconds expected =
      std::min(typical.value_or(timeout / 2), timeout);
  if (start + expected > now) return start + expected;
  if (start + timeout <= now) return now;  // past its deadline: any moment
  // Running longer than usual: expected within another half of the typical
  // duration, and stopped at its deadline at the latest.
  const milliseconds more = std::max<milliseconds>(seconds(1), expected / 2);
  return std::min(now + more, start + timeout);
}

int64_t ComputeRetryAfterSeconds(const RetryAfterInput& input) {
  std::vector<std::pair<TimePoint, NodeResources>> releases;
  releases.reserve(input.active.size());
  for (const Build& build : input.active) {
    releases.emplace_back(
        ExpectedRelease(build, input.typical_duration, input.now),
        BuildRequest(build));
  }
  if (releases.empty()) return kMaxRetryAfterSeconds;
  std::sort(releases.begin(), releases.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  // Free figures may start negative on a skewed node; that only delays the
  // point at which the request fits.
  NodeResources free{input.capacity.cpus - input.allocated.cpus,
                     input.capacity.memory_mib - input.allocated.memory_mib,
                     input.capacity.builds - input.allocated.builds};
  TimePoint when = releases.front().first;  // fallback: earliest overall
  for (const auto& [at, resources] : releases) {
    free = NodeResources{free.cpus + resources.cpus,
                         free.memory_mib + resources.memory_mib,
                         free.builds + resources.builds};
    if (FitsWithin(input.request, free)) {
      when = at;
      break;
    }
  }
  const milliseconds wait =
      std::chrono::duration_cast<milliseconds>(when - input.now);
  // Round up: retrying a fraction of a second early would fail again.
  const int64_t wait_seconds = (wait.count() + 999) / 1000;
  return std::clamp(wait_seconds, kMinRetryAfterSeconds, kMaxRetryAfterSeconds);
}

}  // namespace kiln
