// WorkQueue: the controller's queue of object keys, with client-go's
// workqueue semantics (a rate-limiting, delaying queue).
//
//   * A key is queued at most once, however often it is added.
//   * A key handed out by Get() is "processing" until Done(). Adding it
//     meanwhile marks it dirty: it is queued again at Done(), so one key is
//     never handed to two workers at once.
//   * AddAfter() queues a key once a delay on the injected Clock has passed;
//     AddRateLimited() does so with per-key exponential backoff
//     (ExponentialBackoff), reset by Forget().
//
// Time: delays are measured on the Clock's steady time. The Clock has no
// timers, so the delay thread sleeps in real-time slices of at most
// `clock_poll_interval` and re-reads the clock; a FakeClock's Advance() is
// therefore noticed within one slice.
//
// Thread-safe. The class owns one background thread (delayed adds), joined
// by the destructor.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "controller/base/clock.h"
#include "controller/base/mutex.h"
#include "controller/runtime/rate_limiter.h"
#include "controller/store/store.h"

namespace kiln {

struct WorkQueueOptions {
  // Backoff of AddRateLimited(): base_delay * 2^(failures-1), capped.
  std::chrono::milliseconds base_delay{5};
  std::chrono::milliseconds max_delay{std::chrono::minutes(5)};
  // Longest real-time sleep of the delay thread between clock readings.
  std::chrono::milliseconds clock_poll_interval{100};
};

class WorkQueue {
 public:
  // Keeps a reference to `clock`, which must outlive the queue.
  explicit WorkQueue(Clock& clock, WorkQueueOptions options = {});
  // Shuts the queue down (as ShutDown()) and joins the delay thread.
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `key` unless it is already queued; if it is processing, it is
  // queued again when Done(key) is called. Ignored after shutdown.
  void Add(const ObjectKey& key) EXCLUDES(mu_);

  // Queues `key` once `delay` has passed on the clock (at once when
  // delay <= 0). A key already waiting keeps the earlier of its two due
  // times. Ignored after shutdown.
  void AddAfter(const ObjectKey& key, std::chrono::nanoseconds delay)
      EXCLUDES(mu_);

  // AddAfter(key, backoff) where backoff grows with each call for `key`
  // (5 ms, 10 ms, 20 ms, ... up to options.max_delay) until Forget(key).
  void AddRateLimited(const ObjectKey& key) EXCLUDES(mu_);

  // Resets the backoff of `key`. Does not remove it from the queue.
  void Forget(const ObjectKey& key);

  // AddRateLimited() calls for `key` since the last Forget(key).
  int NumRequeues(const ObjectKey& key) const;

  // Blocks until a key is queued and returns it, now marked processing;
  // the caller must call Done(key) when finished. Returns nullopt once the
  // queue is shut down — at once, to every caller, blocked or not. Keys
  // still queued then are dropped (controllers are level-triggered: the
  // next start lists everything again).
  std::optional<ObjectKey> Get() EXCLUDES(mu_);

  // Ends processing of `key` (handed out by Get()); queues it again if it
  // was added meanwhile.
  void Done(const ObjectKey& key) EXCLUDES(mu_);

  // Keys queued and ready for Get() (not those processing or waiting for a
  // delay).
  size_t Len() const EXCLUDES(mu_);

  // Keys waiting for a delay (AddAfter / AddRateLimited).
  size_t NumWaiting() const EXCLUDES(mu_);

  // Stops the queue: Get() returns nullopt, adds are ignored. Idempotent;
  // does not wait.
  void ShutDown() EXCLUDES(mu_);

  // ShutDown(), then blocks until every key being processed is Done().
  // REQUIRES: not called from a thread that holds a key it has not Done().
  void ShutDownWithDrain() EXCLUDES(mu_);

  bool ShuttingDown() const EXCLUDES(mu_);

 private:
  using TimePoint = std::chrono::steady_clock::time_point;

  void AddLocked(const ObjectKey& key) REQUIRES(mu_);
  // Body of delay_thread_: moves due keys from waiting_ to the queue.
  void RunDelayLoop() EXCLUDES(mu_);

  Clock& clock_;
  const WorkQueueOptions options_;
  ExponentialBackoff backoff_;  // self-synchronized

  mutable Mutex mu_;
  CondVar get_cv_{&mu_};      // queue_ non-empty or shutting down
  CondVar drain_cv_{&mu_};    // processing_ became empty
  CondVar waiting_cv_{&mu_};  // waiting_ gained an earlier key, or shutdown
  bool shutting_down_ GUARDED_BY(mu_) = false;
  std::deque<ObjectKey> queue_ GUARDED_BY(mu_);  // FIFO of ready keys
  std::set<ObjectKey> dirty_ GUARDED_BY(mu_);    // keys needing processing
  std::set<ObjectKey> processing_ GUARDED_BY(mu_);
  // Delayed keys: due time by key, and the same pairs ordered by due time.
  std::map<ObjectKey, TimePoint> waiting_due_ GUARDED_BY(mu_);
  std::set<std::pair<TimePoint, ObjectKey>> waiting_ GUARDED_BY(mu_);

  std::thread delay_thread_;  // last: started once the fields above exist
};

}  // namespace kiln
