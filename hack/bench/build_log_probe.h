// What one follower of a build log (GET .../builds/NAME/log?follow=true)
// received, for the log-latency phase of build_bench: each
// "line I t=NS" line that fake_agent wrote (tests/controller/vm/
// fake_agent.cc, FAKE_LOG_LINES) is matched by I, and its latency is the
// receive time minus NS. NS is CLOCK_REALTIME in the agent; receive times
// arrive as steady-clock times and are moved to the system clock with one
// offset taken at construction (both processes run on this machine). A
// benchmark helper, never run by ctest.
//
// Thread-safe: OnLine runs on the watcher's pplx threads, the accessors on
// any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controller/base/mutex.h"
#include "hack/bench/latency_stats.h"

namespace kiln::bench {

// Counts over one or more followers; see LogProbe::Tally.
struct LogTally {
  int64_t expected = 0;      // lines written x followers
  int64_t received = 0;      // distinct timed lines received
  int64_t lost = 0;          // expected - received
  int64_t duplicated = 0;    // timed lines received more than once
  int64_t out_of_order = 0;  // a timed line after a later one
  int64_t malformed = 0;     // lines that are neither ours nor readable
  int64_t under_limit = 0;   // latencies below the limit
  LatencySamples latency;    // receive - write of every received timed line

  void Merge(const LogTally& other);
};

class LogProbe {
 public:
  using Clock = std::chrono::steady_clock;

  // `lines`: how many timed lines the agent writes; `limit`: the latency
  // the tally counts lines under.
  LogProbe(int64_t lines, std::chrono::nanoseconds limit);
  LogProbe(const LogProbe&) = delete;
  LogProbe& operator=(const LogProbe&) = delete;

  // One line of the stream (without its '\n') and when it arrived.
  void OnLine(const std::string& line, Clock::time_point now) EXCLUDES(mu_);
  // The agent's "started" line arrived: the follow is attached.
  bool started() const { return started_; }
  // The agent's "done" line arrived.
  bool done() const { return done_; }

  LogTally Tally() const EXCLUDES(mu_);

 private:
  const int64_t lines_;
  const std::chrono::nanoseconds limit_;
  const std::chrono::nanoseconds steady_to_system_;
  std::atomic<bool> started_{false};
  std::atomic<bool> done_{false};

  mutable Mutex mu_;
  std::vector<int32_t> seen_ GUARDED_BY(mu_);  // per line index: times seen
  int64_t last_index_ GUARDED_BY(mu_) = -1;
  int64_t out_of_order_ GUARDED_BY(mu_) = 0;
  int64_t malformed_ GUARDED_BY(mu_) = 0;
  int64_t under_limit_ GUARDED_BY(mu_) = 0;
  LatencySamples latency_ GUARDED_BY(mu_);
};

// {"expected":..,"received":..,"lost":..,"duplicated":..,"out_of_order":..,
//  "malformed":..,"under_limit":..,"latency":{LatencySummary}}
nlohmann::json ToJson(LogTally& t);

}  // namespace kiln::bench
