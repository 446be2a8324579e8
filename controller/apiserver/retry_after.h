// Retry-After for a Build that does not fit now: computed from when the
// running Builds are expected to release their resources, not a constant.
//
// A Build's expected release is start + min(typical, timeout): start is
// status.startedAt (else metadata.creationTimestamp), typical is the median
// of recently completed build durations on its node (RecentDurations, seeded
// from the store at start; else timeout / 2). A Build already running past
// that is expected within another half of the typical duration (at least
// 1 s), and by its deadline at the latest; one past its deadline any moment
// now. Retry-After is the time until the earliest release after which the
// request fits (releases accumulate in time order), else until the earliest
// release at all, clamped to [kMinRetryAfterSeconds, kMaxRetryAfterSeconds].
//
// The cap is short on purpose (30 s, hypeman's constant): stock kubectl and
// generated SDKs sleep exactly Retry-After and retry; a refused create costs
// kilnd nothing, while a long answer stalls the client long after the slot
// has freed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "api_types/build.h"
#include "api_types/node.h"

namespace kiln {

inline constexpr int64_t kMinRetryAfterSeconds = 1;
inline constexpr int64_t kMaxRetryAfterSeconds = 30;
// Timeout assumed for a Build whose spec.timeoutSeconds is unset.
inline constexpr int64_t kRetryAfterFallbackTimeoutSeconds = 600;

struct RetryAfterInput {
  // The node's figures and the request that did not fit.
  NodeResources capacity;
  NodeResources allocated;
  NodeResources request;
  // The Builds holding allocations on the node (non-terminal).
  std::vector<Build> active;
  // RecentDurations::Median() of the node; nullopt = no history.
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
