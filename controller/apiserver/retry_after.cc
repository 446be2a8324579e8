#include "controller/apiserver/retry_after.h"

#include <algorithm>
#include <utility>

#include "controller/apiserver/admission.h"

namespace kiln {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = std::chrono::system_clock::time_point;

RecentDurations::RecentDurations(size_t window)
    : window_(std::max<size_t>(1, window)) {}

void RecentDurations::Add(milliseconds duration) {
  if (duration.count() < 0) return;
  MutexLock lock(mu_);
  durations_.push_back(duration);
  while (durations_.size() > window_) durations_.pop_front();
}

std::optional<milliseconds> RecentDurations::Median() const {
  std::vector<milliseconds> sorted;
  {
    MutexLock lock(mu_);
    sorted.assign(durations_.begin(), durations_.end());
  }
  if (sorted.empty()) return std::nullopt;
  const size_t middle = (sorted.size() - 1) / 2;
  std::nth_element(sorted.begin(), sorted.begin() + middle, sorted.end());
  return sorted[middle];
}

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
  // Running longer than usual: it is stopped at its deadline at the latest.
  if (start + timeout > now) return start + timeout;
  return now;
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
