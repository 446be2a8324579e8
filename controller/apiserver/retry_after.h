// Retry-After for a Build that does not fit now: computed from when the
// running Builds are expected to release their resources, not a constant.
//
// A Build's expected release is start + min(typical, timeout): start is
// status.startedAt (else metadata.creationTimestamp), typical is the median
// of recently completed build durations (else timeout / 2). A Build already
// running past that is expected at its deadline (start + timeout); one past
// its deadline any moment now. Retry-After is the time until the earliest
// release after which the request fits (releases accumulate in time order),
// else until the earliest release at all, clamped to
// [kMinRetryAfterSeconds, kMaxRetryAfterSeconds].
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "api_types/build.h"
#include "api_types/node.h"
#include "controller/base/mutex.h"
#include "controller/base/thread_annotations.h"

namespace kiln {

inline constexpr int64_t kMinRetryAfterSeconds = 1;
inline constexpr int64_t kMaxRetryAfterSeconds = 300;
// Timeout assumed for a Build whose spec.timeoutSeconds is unset.
inline constexpr int64_t kRetryAfterFallbackTimeoutSeconds = 600;

// A bounded window of the most recent build durations. Thread-safe.
class RecentDurations {
 public:
  static constexpr size_t kDefaultWindow = 64;
  explicit RecentDurations(size_t window = kDefaultWindow);
  RecentDurations(const RecentDurations&) = delete;
  RecentDurations& operator=(const RecentDurations&) = delete;

  // Records one completed build's duration; the oldest falls out when the
  // window is full. Negative durations are ignored.
  void Add(std::chrono::milliseconds duration) EXCLUDES(mu_);

  // The median of the window (the lower middle for an even count), or
  // nullopt when nothing has been recorded.
  std::optional<std::chrono::milliseconds> Median() const EXCLUDES(mu_);

 private:
  const size_t window_;
  mutable Mutex mu_;
  std::deque<std::chrono::milliseconds> durations_ GUARDED_BY(mu_);
};

struct RetryAfterInput {
  // The node's figures and the request that did not fit.
  NodeResources capacity;
  NodeResources allocated;
  NodeResources request;
  // The Builds holding allocations on the node (non-terminal).
  std::vector<Build> active;
  // RecentDurations::Median(); nullopt = no history.
  std::optional<std::chrono::milliseconds> typical_duration;
  std::chrono::system_clock::time_point now;
};

// Seconds a client should wait before retrying, per the file comment. With no
// active Builds (nothing is scheduled to free anything, e.g. a skewed
// allocation awaiting repair) returns kMaxRetryAfterSeconds.
int64_t ComputeRetryAfterSeconds(const RetryAfterInput& input);

// When `build` is expected to release its allocation (see the file comment).
std::chrono::system_clock::time_point ExpectedRelease(
    const Build& build, std::optional<std::chrono::milliseconds> typical,
    std::chrono::system_clock::time_point now);

}  // namespace kiln
