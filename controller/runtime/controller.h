// Controller: drives a Reconciler from an Informer through a WorkQueue
// (controller-runtime's Controller).
//
// Every informer event enqueues the object's key; `workers` threads take
// keys from the queue, at most one worker per key, and call
// Reconcile(key). An error re-adds the key with per-key exponential backoff;
// success forgets the backoff and, when requeue_after is set, re-adds the
// key after that delay. Workers start only once the informer has synced, so
// the first reconciles already see a complete cache.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "api_types/status.h"
#include "controller/base/clock.h"
#include "controller/base/mutex.h"
#include "controller/runtime/informer.h"
#include "controller/runtime/reconciler.h"
#include "controller/runtime/work_queue.h"
#include "controller/store/store.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace kiln {

struct ControllerOptions {
  // Shown in log lines, e.g. "build".
  std::string name = "controller";
  // Reconcile worker threads. REQUIRES: >= 1.
  int workers = 4;
  // What to watch and how (informer.logger defaults to `logger`).
  InformerOptions informer;
  WorkQueueOptions queue;
  // Called after each reconcile with "success", "requeue" (requeue_after
  // set) or "error" and its duration in seconds; and for each retry
  // scheduled after an error. Empty = not observed. Must not block.
  std::function<void(std::string_view result, double seconds)>
      observe_reconcile;
  std::function<void()> on_retry;
  // One line per failed reconcile; null = spdlog's default logger.
  std::shared_ptr<spdlog::logger> logger;
};

class Controller {
 public:
  // Keeps references to `store`, `clock` and `reconciler`, which must
  // outlive the controller.
  Controller(Store& store, Clock& clock, Reconciler& reconciler,
             ControllerOptions options);
  // Stops (as Stop()).
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Starts the informer and the workers (which wait for the informer's
  // sync). InvalidArgument when options.workers < 1; FailedPrecondition when
  // already started.
  Status Start() EXCLUDES(mu_);

  // Stops the informer, lets in-flight reconciles finish, drops keys still
  // queued, and joins the workers. Idempotent. REQUIRES: not called from
  // Reconcile().
  void Stop() EXCLUDES(mu_);

  // Queues `key` for reconciling (as an informer event would), e.g. for
  // keys of another resource or from a GC pass. Ignored once stopped.
  void Enqueue(const ObjectKey& key);

  // Keys waiting in the work queue (for metrics).
  size_t QueueLength() const;

  // The informer's cache, for reconcilers that read from it.
  const Informer& informer() const { return *informer_; }
  Informer& informer() { return *informer_; }
  // The work queue (self-synchronized), for tests that wait on its state.
  const WorkQueue& queue() const { return *queue_; }

 private:
  // Body of each worker thread.
  void RunWorker();
  // Reconciles one key handed out by the queue and requeues as needed.
  void ProcessKey(const ObjectKey& key);

  Reconciler& reconciler_;
  const ControllerOptions options_;
  const std::shared_ptr<spdlog::logger> logger_;
  const std::unique_ptr<WorkQueue> queue_;    // self-synchronized
  const std::unique_ptr<Informer> informer_;  // self-synchronized
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> next_reconcile_id_{1};

  Mutex mu_;
  bool started_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_ GUARDED_BY(mu_);
};

}  // namespace kiln
