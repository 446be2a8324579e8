#include "hack/bench/latency_stats.h"

#include <algorithm>
#include <cmath>

namespace kiln::bench {
namespace {

double Us(int64_t ns) { return static_cast<double>(ns) / 1000.0; }

// Nearest-rank percentile of sorted, non-empty `v`.
int64_t Percentile(const std::vector<int64_t>& v, double p) {
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * v.size()));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

}  // namespace

void LatencySamples::Merge(const LatencySamples& other) {
  ns_.insert(ns_.end(), other.ns_.begin(), other.ns_.end());
}

LatencySummary LatencySamples::Summarize() {
  LatencySummary s;
  if (ns_.empty()) return s;
  std::sort(ns_.begin(), ns_.end());
  double sum = 0;
  for (int64_t v : ns_) sum += static_cast<double>(v);
  s.count = ns_.size();
  s.p50_us = Us(Percentile(ns_, 50));
  s.p99_us = Us(Percentile(ns_, 99));
  s.max_us = Us(ns_.back());
  s.mean_us = sum / static_cast<double>(ns_.size()) / 1000.0;
  return s;
}

nlohmann::json ToJson(const LatencySummary& s) {
  return {{"count", s.count},
          {"p50_us", s.p50_us},
          {"p99_us", s.p99_us},
          {"max_us", s.max_us},
          {"mean_us", s.mean_us}};
}

}  // namespace kiln::bench
