// RestartBackoff: how long a supervisor waits before restarting a process
// that died. Pure arithmetic on durations, so tests need no clock.
#pragma once

#include <chrono>

namespace kiln {

// Delays start at `initial` and double after each restart up to `max`. A
// process that stayed up for at least `max` before dying counts as healthy
// again: its next delay is `initial`. Thread-compatible.
class RestartBackoff {
 public:
  using Duration = std::chrono::milliseconds;

  RestartBackoff(Duration initial = std::chrono::seconds(1),
                 Duration max = std::chrono::seconds(30));

  // Returns the delay before the next restart of a process that died after
  // running for `uptime`, and advances the sequence.
  Duration NextDelay(Duration uptime);

 private:
  const Duration initial_;
  const Duration max_;
  Duration next_;
};

}  // namespace kiln
