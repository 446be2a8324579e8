// ThreadPool: a fixed set of threads running posted tasks in FIFO order.
// Thread-safe. The destructor finishes queued tasks, then joins.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "controller/base/mutex.h"

namespace kiln {

class ThreadPool {
 public:
  explicit ThreadPool(size_t threads) {
    for (size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { Run(); });
    }
  }
  ~ThreadPool() {
    {
      MutexLock lock(mu_);
      stopping_ = true;
      cv_.SignalAll();
    }
    for (auto& t : threads_) t.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `task`. Tasks must not throw. Ignored after destruction began.
  void Post(std::function<void()> task) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (stopping_) return;
    tasks_.push_back(std::move(task));
    cv_.Signal();
  }

 private:
  void Run() EXCLUDES(mu_) {
    while (true) {
      std::function<void()> task;
      {
        MutexLock lock(mu_);
        while (tasks_.empty() && !stopping_) cv_.Wait();
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  Mutex mu_;
  CondVar cv_{&mu_};
  bool stopping_ GUARDED_BY(mu_) = false;
  std::deque<std::function<void()>> tasks_ GUARDED_BY(mu_);
  std::vector<std::thread> threads_;  // last: started after the fields above
};

}  // namespace kiln
