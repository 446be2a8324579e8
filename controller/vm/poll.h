// PollUntil: waits for a condition that nothing signals (a process exit, a
// file appearing) by calling it with growing pauses. Thread-compatible, as
// the predicate is.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

#include "controller/base/clock.h"

namespace kiln {

// Calls `done` until it returns true or `timeout` has passed on `clock`,
// sleeping 5 ms after the first miss and doubling up to `max_pause`.
// Returns done()'s last result.
template <typename Pred>
bool PollUntil(Clock& clock, std::chrono::milliseconds timeout,
               std::chrono::milliseconds max_pause, Pred done) {
  const auto deadline = clock.SteadyNow() + timeout;
  auto pause = std::chrono::milliseconds(5);
  while (!done()) {
    if (clock.SteadyNow() >= deadline) return done();
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, max_pause);
  }
  return true;
}

}  // namespace kiln
