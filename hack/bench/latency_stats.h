// Latency samples and their summary (percentiles by nearest rank), for the
// benchmarks in hack/bench. Not a test; never run by ctest.
//
// Thread-compatible: give each thread its own LatencySamples and Merge()
// them after the threads have joined.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace kiln::bench {

struct LatencySummary {
  size_t count = 0;
  double p50_us = 0;
  double p99_us = 0;
  double max_us = 0;
  double mean_us = 0;
};

class LatencySamples {
 public:
  void Reserve(size_t n) { ns_.reserve(n); }
  void Add(std::chrono::nanoseconds d) { ns_.push_back(d.count()); }
  void Merge(const LatencySamples& other);
  size_t size() const { return ns_.size(); }
  // Sorts the samples (once) and summarizes them. Empty -> all zeros.
  LatencySummary Summarize();

 private:
  std::vector<int64_t> ns_;
};

// {"count":..,"p50_us":..,"p99_us":..,"max_us":..,"mean_us":..}
nlohmann::json ToJson(const LatencySummary& s);

}  // namespace kiln::bench
