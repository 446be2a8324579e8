#include "controller/apiserver/recent_durations.h"

#include <algorithm>

namespace kiln {

using std::chrono::milliseconds;

RecentDurations::RecentDurations(size_t window)
    : window_(std::max<size_t>(1, window)) {}

void RecentDurations::Add(const std::string& node, milliseconds duration) {
  if (duration.count() < 0) return;
  MutexLock lock(mu_);
  std::deque<milliseconds>& window = durations_[node];
  window.push_back(duration);
  while (window.size() > window_) window.pop_front();
}

std::optional<milliseconds> RecentDurations::Median(
    const std::string& node) const {
  std::vector<milliseconds> sorted;
  {
    MutexLock lock(mu_);
    const auto it = durations_.find(node);
    if (it == durations_.end()) return std::nullopt;
    sorted.assign(it->second.begin(), it->second.end());
  }
  if (sorted.empty()) return std::nullopt;
  const size_t middle = (sorted.size() - 1) / 2;
  std::nth_element(sorted.begin(), sorted.begin() + middle, sorted.end());
  return sorted[middle];
}

void RecentDurations::Seed(
    std::vector<Build> finished,
    const std::function<std::string(const Build&)>& node_of) {
  // Builds without completedAt sort first (they are the oldest data).
  std::stable_sort(finished.begin(), finished.end(),
                   [](const Build& a, const Build& b) {
                     return a.status.completed_at < b.status.completed_at;
                   });
  for (const Build& build : finished) {
    if (!IsTerminal(build.status.phase) || !build.status.duration_ms) continue;
    Add(node_of(build), milliseconds(*build.status.duration_ms));
  }
}

}  // namespace kiln
