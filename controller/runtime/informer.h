// Informer: keeps a read-only, eventually consistent cache of one resource
// scope of a Store and tells registered handlers about every change
// (client-go's SharedIndexInformer, in-process over Store).
//
// Its thread lists the scope (in pages, all read at one revision), then
// watches from the list's revision. When the watch breaks it resumes from
// the watcher's LastRevision(); when that revision has been compacted away
// (OutOfRange, HTTP 410) it lists again and diffs the new list against the
// cache, so objects deleted meanwhile are reported as deletions and changed
// ones as updates. Other errors (store closed, I/O) are retried with
// exponential backoff until Stop().
//
// Cache entries are immutable snapshots: readers get shared_ptrs to
// const objects that stay valid however the cache changes afterwards.
//
// Handlers run on the informer thread, one at a time, in revision order,
// with no lock held; the cache already reflects the change when they run.
// They must not block for long (they delay all later events) and must not
// throw.
//
// Time: resync and retry delays are measured on the injected Clock, read at
// least every `poll_interval` of real time (the Clock has no timers), so a
// FakeClock's Advance() is noticed within one interval.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api_types/label_selector.h"
#include "api_types/status.h"
#include "controller/base/clock.h"
#include "controller/base/mutex.h"
#include "controller/store/store.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace kiln {

using ObjectPtr = std::shared_ptr<const StoredObject>;

// Callbacks for cache changes. Any may be empty.
struct EventHandlers {
  // An object appeared (initial list, watch, or relist).
  std::function<void(const ObjectPtr& obj)> on_add;
  // An object changed; on resync old == cur (the same snapshot).
  std::function<void(const ObjectPtr& old, const ObjectPtr& cur)> on_update;
  // An object went away; `last` is its last known state (from the cache
  // when the deletion was found by a relist).
  std::function<void(const ObjectPtr& last)> on_delete;
};

struct InformerOptions {
  ResourceScope scope;
  LabelSelector selector;
  // Objects per List page.
  int64_t page_size = 500;
  // Every period, on_update(obj, obj) for each cached object. 0 = never.
  std::chrono::milliseconds resync_period{0};
  // Longest real-time wait in Watcher::Next and between clock readings;
  // bounds how long Stop() and a FakeClock advance take to be noticed.
  std::chrono::milliseconds poll_interval{200};
  // Backoff between failed list/watch attempts (doubling, capped).
  std::chrono::milliseconds retry_base_delay{100};
  std::chrono::milliseconds retry_max_delay{std::chrono::seconds(10)};
  // Logger for warnings (failed lists and watches); null = spdlog's default.
  std::shared_ptr<spdlog::logger> logger;
};

class Informer {
 public:
  // Keeps references to `store` and `clock`, which must outlive the
  // informer.
  Informer(Store& store, Clock& clock, InformerOptions options);
  // Stops (as Stop()).
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Registers handlers for every later change. FailedPrecondition once
  // Start() has been called (handlers registered late would miss the
  // initial list).
  Status AddEventHandlers(EventHandlers handlers) EXCLUDES(mu_);

  // Starts the list/watch thread. FailedPrecondition when already started.
  Status Start() EXCLUDES(mu_);

  // Stops the thread and joins it; a handler running now finishes first.
  // Idempotent. The cache keeps its contents. REQUIRES: not called from a
  // handler.
  void Stop() EXCLUDES(mu_);

  // True once the first full list is in the cache and its on_add handlers
  // have run.
  bool HasSynced() const EXCLUDES(mu_);

  // Waits up to `timeout` (real time: a liveness bound) for HasSynced().
  // Returns false on timeout, or at once when the informer is stopped.
  bool WaitForSync(std::chrono::milliseconds timeout) EXCLUDES(mu_);

  // The cached object, or nullptr.
  ObjectPtr Get(const ObjectKey& key) const EXCLUDES(mu_);

  // Every cached object, ordered by key.
  std::vector<ObjectPtr> List() const EXCLUDES(mu_);

  // The store revision the cache reflects (0 before the first list).
  int64_t LastSyncRevision() const EXCLUDES(mu_);

  // How many full lists have completed (1 after the initial sync; more
  // after relists). For tests and diagnostics.
  int64_t ListCount() const EXCLUDES(mu_);

 private:
  // One change to report to the handlers.
  struct Delta {
    enum class Type { kAdd, kUpdate, kDelete } type;
    ObjectPtr old;  // kUpdate: previous; kDelete: last state
    ObjectPtr cur;  // kAdd / kUpdate: new state
  };

  // Thread body: list/watch until Stop().
  void Run() EXCLUDES(mu_);
  // Lists the whole scope and replaces the cache, reporting the diff.
  // Returns the list's revision.
  StatusOr<int64_t> ListAndReplace() EXCLUDES(mu_);
  // Watches from `revision`, applying events until the watch fails or
  // Stop(). Returns OutOfRange when `revision` is compacted (relist), the
  // watch error otherwise, OK on Stop().
  Status WatchFrom(int64_t revision) EXCLUDES(mu_);
  // Applies one watch event to the cache and returns what to report.
  Delta ApplyEvent(WatchEvent event) EXCLUDES(mu_);
  // Calls the handlers for each delta. No lock held.
  void Dispatch(const std::vector<Delta>& deltas) EXCLUDES(mu_);
  // Reports every cached object as on_update(obj, obj) when the resync
  // period has passed.
  void MaybeResync() EXCLUDES(mu_);
  // Sleeps `delay` of clock time; false when Stop() came first.
  bool SleepFor(std::chrono::milliseconds delay) EXCLUDES(mu_);
  bool Stopping() const EXCLUDES(mu_);

  Store& store_;
  Clock& clock_;
  const InformerOptions options_;
  const std::shared_ptr<spdlog::logger> logger_;

  // Informer thread only.
  std::vector<EventHandlers> dispatch_handlers_;  // handlers_ copied at start
  std::chrono::steady_clock::time_point next_resync_;

  mutable Mutex mu_;
  CondVar cv_{&mu_};  // synced_ or stopping_ changed; Stop() wakes sleeps
  bool started_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  bool synced_ GUARDED_BY(mu_) = false;
  int64_t revision_ GUARDED_BY(mu_) = 0;
  int64_t list_count_ GUARDED_BY(mu_) = 0;
  std::vector<EventHandlers> handlers_ GUARDED_BY(mu_);
  std::map<ObjectKey, ObjectPtr> cache_ GUARDED_BY(mu_);
  // The open watcher, so Stop() can cancel a Next() in progress.
  Watcher* watcher_ GUARDED_BY(mu_) = nullptr;

  std::thread thread_ GUARDED_BY(mu_);  // taken and joined by Stop()
};

}  // namespace kiln
