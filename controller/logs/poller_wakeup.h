// PollerWakeup: how followers and callers wake the LogPoller's thread
// early, and how the poller is told to stop. Shared (shared_ptr) between the
// poller and its followers so a follower handle that outlives the poller can
// still call Wake safely. Internal to controller/logs. Thread-safe.
#pragma once

#include <chrono>

#include "controller/base/mutex.h"
#include "controller/base/thread_annotations.h"

namespace kiln {

class PollerWakeup {
 public:
  PollerWakeup() = default;
  PollerWakeup(const PollerWakeup&) = delete;
  PollerWakeup& operator=(const PollerWakeup&) = delete;

  // Ends the current or next Wait early.
  void Wake() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    pending_ = true;
    cv_.Signal();
  }
  // Makes Wait return false from now on.
  void Stop() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    stopping_ = true;
    cv_.SignalAll();
  }
  // Waits up to `timeout` or until woken. Returns false once stopping.
  bool Wait(std::chrono::milliseconds timeout) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (!pending_ && !stopping_) cv_.WaitFor(timeout);
    pending_ = false;
    return !stopping_;
  }
  bool stopping() const EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return stopping_;
  }

 private:
  mutable Mutex mu_;
  CondVar cv_{&mu_};
  bool pending_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
};

}  // namespace kiln
