#include "controller/runtime/work_queue.h"

#include <algorithm>

namespace kiln {

WorkQueue::WorkQueue(Clock& clock, WorkQueueOptions options)
    : clock_(clock),
      options_(options),
      backoff_(options.base_delay, options.max_delay),
      delay_thread_([this] { RunDelayLoop(); }) {}

WorkQueue::~WorkQueue() {
  ShutDown();
  delay_thread_.join();
}

void WorkQueue::Add(const ObjectKey& key) {
  MutexLock lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddLocked(const ObjectKey& key) {
  if (shutting_down_) return;
  if (!dirty_.insert(key).second) return;  // already queued or pending
  if (processing_.contains(key)) return;   // queued again by Done()
  queue_.push_back(key);
  get_cv_.Signal();
}

void WorkQueue::AddAfter(const ObjectKey& key, std::chrono::nanoseconds delay) {
  MutexLock lock(mu_);
  if (shutting_down_) return;
  if (delay <= std::chrono::nanoseconds::zero()) {
    AddLocked(key);
    return;
  }
  const TimePoint due = clock_.SteadyNow() + delay;
  auto [it, inserted] = waiting_due_.try_emplace(key, due);
  if (!inserted) {
    if (it->second <= due) return;  // already due earlier
    waiting_.erase({it->second, key});
    it->second = due;
  }
  waiting_.emplace(due, key);
  // Wake the delay thread only when this key is now the earliest.
  if (waiting_.begin()->second == key) waiting_cv_.Signal();
}

void WorkQueue::AddRateLimited(const ObjectKey& key) {
  AddAfter(key, backoff_.When(key));
}

void WorkQueue::Forget(const ObjectKey& key) { backoff_.Forget(key); }

int WorkQueue::NumRequeues(const ObjectKey& key) const {
  return backoff_.NumRequeues(key);
}

std::optional<ObjectKey> WorkQueue::Get() {
  MutexLock lock(mu_);
  while (queue_.empty() && !shutting_down_) get_cv_.Wait();
  if (shutting_down_) return std::nullopt;
  ObjectKey key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::Done(const ObjectKey& key) {
  MutexLock lock(mu_);
  processing_.erase(key);
  if (dirty_.contains(key) && !shutting_down_) {
    queue_.push_back(key);
    get_cv_.Signal();
  }
  if (processing_.empty()) drain_cv_.SignalAll();
}

size_t WorkQueue::Len() const {
  MutexLock lock(mu_);
  return queue_.size();
}

size_t WorkQueue::NumWaiting() const {
  MutexLock lock(mu_);
  return waiting_.size();
}

void WorkQueue::ShutDown() {
  MutexLock lock(mu_);
  shutting_down_ = true;
  get_cv_.SignalAll();
  waiting_cv_.SignalAll();
}

void WorkQueue::ShutDownWithDrain() {
  MutexLock lock(mu_);
  shutting_down_ = true;
  get_cv_.SignalAll();
  waiting_cv_.SignalAll();
  while (!processing_.empty()) drain_cv_.Wait();
}

bool WorkQueue::ShuttingDown() const {
  MutexLock lock(mu_);
  return shutting_down_;
}

void WorkQueue::RunDelayLoop() {
  MutexLock lock(mu_);
  while (!shutting_down_) {
    if (waiting_.empty()) {
      waiting_cv_.Wait();
      continue;
    }
    const TimePoint now = clock_.SteadyNow();
    while (!waiting_.empty() && waiting_.begin()->first <= now) {
      ObjectKey key = waiting_.begin()->second;
      waiting_.erase(waiting_.begin());
      waiting_due_.erase(key);
      AddLocked(key);
    }
    if (waiting_.empty()) continue;
    const auto until_due = waiting_.begin()->first - now;
    waiting_cv_.WaitFor(std::min<std::chrono::steady_clock::duration>(
        until_due, options_.clock_poll_interval));
  }
}

}  // namespace kiln
