// Ctrl-C handling. kilnctl blocks SIGINT/SIGTERM in every thread
// (InstallInterruptThread, first thing in main, before any thread starts)
// and handles them on one thread with sigwait, so a handler may take locks,
// prompt and make requests. By default an interrupt exits with 130, as a
// shell expects; a command that has something better to do (kilnctl build
// asks whether to cancel the build) sets its own handler for its duration.
//
// Thread-safe.
#pragma once

#include <functional>

namespace kiln::kilnctl {

void InstallInterruptThread();

// Runs `handler` on the signal thread for each interrupt while the returned
// scope lives; handlers do not nest (the previous one is restored).
class InterruptScope {
 public:
  explicit InterruptScope(std::function<void()> handler);
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  std::function<void()> previous_;
};

}  // namespace kiln::kilnctl
