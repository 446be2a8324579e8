// Periodic: runs a task on its own thread at once and then every `interval`
// until stopped (GC passes, housekeeping). Thread-safe; the task runs on one
// thread only, never concurrently with itself.
#pragma once

#include <chrono>
#include <functional>
#include <thread>
#include <utility>

#include "controller/base/mutex.h"

namespace kiln {

class Periodic {
 public:
  Periodic(std::chrono::milliseconds interval, std::function<void()> task)
      : interval_(interval),
        task_(std::move(task)),
        thread_([this] { Run(); }) {}
  ~Periodic() { Stop(); }
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  // Waits for a running pass to finish; no pass starts afterwards.
  // Idempotent.
  void Stop() EXCLUDES(mu_) {
    {
      MutexLock lock(mu_);
      stopping_ = true;
      cv_.SignalAll();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() EXCLUDES(mu_) {
    while (true) {
      {
        MutexLock lock(mu_);
        if (stopping_) return;
      }
      task_();
      MutexLock lock(mu_);
      const auto until = std::chrono::steady_clock::now() + interval_;
      while (!stopping_ && cv_.WaitUntil(until)) {
      }
      if (stopping_) return;
    }
  }

  const std::chrono::milliseconds interval_;
  const std::function<void()> task_;
  Mutex mu_;
  CondVar cv_{&mu_};
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts after the fields above
};

}  // namespace kiln
