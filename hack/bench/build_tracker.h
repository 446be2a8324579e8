// The phases of every Build in one namespace as kilnd reports them: a
// paged list (current state and resourceVersion) followed by one watch
// stream from that resourceVersion (api_watcher.h), recording for each
// Build the steady-clock time each phase was first seen. build_bench waits
// on it for "Building", "Ready" and terminal phases. A benchmark helper,
// never run by ctest.
//
// Thread-safe: the watch feeds it from pplx threads; the Wait* methods
// block the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/base/mutex.h"
#include "hack/bench/api_endpoint.h"
#include "hack/bench/api_watcher.h"

namespace kiln::bench {

// Ready, Failed or Cancelled.
bool IsTerminalPhase(const std::string& phase);

class BuildTracker {
 public:
  using Clock = std::chrono::steady_clock;

  // Lists the builds of `ns` and starts the watch. Errors: Unavailable
  // (list failed). Keeps no reference to `endpoint`.
  static StatusOr<std::unique_ptr<BuildTracker>> Start(
      const ApiEndpoint& endpoint, const std::string& ns);
  ~BuildTracker();
  BuildTracker(const BuildTracker&) = delete;
  BuildTracker& operator=(const BuildTracker&) = delete;

  // When `name` was first seen in one of `phases`; nullopt when that did
  // not happen by `deadline` (or the watch ended).
  std::optional<Clock::time_point> WaitForPhase(
      const std::string& name, const std::vector<std::string>& phases,
      Clock::time_point deadline) EXCLUDES(mu_);
  // The phase `name` reached once terminal, waiting up to `deadline`;
  // empty when not terminal by then.
  std::string WaitTerminal(const std::string& name, Clock::time_point deadline)
      EXCLUDES(mu_);
  // Blocks until at least `n` Builds are terminal or `deadline`; returns
  // how many are.
  int64_t WaitTerminalCount(int64_t n, Clock::time_point deadline)
      EXCLUDES(mu_);
  // Blocks until a terminal transition is seen after the call or `deadline`.
  void WaitAnyTerminal(Clock::time_point deadline) EXCLUDES(mu_);

  // Terminal phase -> times it was first seen, over all Builds.
  std::map<std::string, std::vector<Clock::time_point>> TerminalTimes() const
      EXCLUDES(mu_);
  // The last phase seen of `name`, "" when not seen.
  std::string Phase(const std::string& name) const EXCLUDES(mu_);
  // Builds seen (list + watch).
  int64_t seen() const EXCLUDES(mu_);
  // Watch trouble (stream ended, ERROR events), empty when none.
  std::string anomaly() const;

 private:
  struct Seen {
    std::string phase;
    std::map<std::string, Clock::time_point> first;  // phase -> time
  };
  BuildTracker() = default;
  void Observe(const std::string& name, const std::string& phase,
               Clock::time_point now) EXCLUDES(mu_);
  void OnLine(const std::string& line, Clock::time_point now);
  // Waits (releasing mu_) until done() or `deadline` or the watch ended;
  // returns done().
  bool Await(const std::function<bool()>& done, Clock::time_point deadline)
      REQUIRES(mu_);

  std::shared_ptr<StreamWatcher> watcher_;  // set once, in Start

  mutable Mutex mu_;
  CondVar changed_{&mu_};  // signalled on every change of builds_
  std::map<std::string, Seen> builds_ GUARDED_BY(mu_);
  int64_t terminal_ GUARDED_BY(mu_) = 0;  // Builds seen terminal
};

}  // namespace kiln::bench
