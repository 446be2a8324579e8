// How long Builds have recently taken, per node: the "typical duration" that
// Retry-After estimates from (retry_after.h). Seeded from the stored terminal
// Builds when kilnd starts, so a restart does not forget it.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api_types/build.h"
#include "api_types/phase.h"
#include "controller/base/mutex.h"
#include "controller/base/thread_annotations.h"

namespace kiln {

// A bounded window of the most recent build durations of each node.
// Thread-safe.
class RecentDurations {
 public:
  static constexpr size_t kDefaultWindow = 64;
  explicit RecentDurations(size_t window = kDefaultWindow);
  RecentDurations(const RecentDurations&) = delete;
  RecentDurations& operator=(const RecentDurations&) = delete;

  // Records one finished build's duration on `node`; the node's oldest falls
  // out when its window is full. Negative durations are ignored.
  void Add(const std::string& node, std::chrono::milliseconds duration)
      EXCLUDES(mu_);

  // Records the durations of `finished` (terminal Builds with
  // status.durationMs; others are skipped) in the order they completed
  // (status.completedAt), each on the node `node_of` names for it.
  void Seed(std::vector<Build> finished,
            const std::function<std::string(const Build&)>& node_of)
      EXCLUDES(mu_);

  // The median of `node`'s window (the lower middle for an even count), or
  // nullopt when nothing has been recorded for it.
  std::optional<std::chrono::milliseconds> Median(const std::string& node) const
      EXCLUDES(mu_);

 private:
  const size_t window_;
  mutable Mutex mu_;
  std::map<std::string, std::deque<std::chrono::milliseconds>> durations_
      GUARDED_BY(mu_);
};

}  // namespace kiln
