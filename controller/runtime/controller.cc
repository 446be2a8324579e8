#include "controller/runtime/controller.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

#include "controller/runtime/reconcile_scope.h"

namespace kiln {

namespace {

// How often a worker waiting for the informer's sync checks for Stop().
constexpr std::chrono::milliseconds kSyncPoll{200};

InformerOptions WithLogger(InformerOptions options,
                           const std::shared_ptr<spdlog::logger>& logger) {
  if (!options.logger) options.logger = logger;
  return options;
}

}  // namespace

Controller::Controller(Store& store, Clock& clock, Reconciler& reconciler,
                       ControllerOptions options)
    : reconciler_(reconciler),
      options_(std::move(options)),
      logger_(options_.logger ? options_.logger : spdlog::default_logger()),
      queue_(std::make_unique<WorkQueue>(clock, options_.queue)),
      informer_(std::make_unique<Informer>(
          store, clock, WithLogger(options_.informer, logger_))) {
  // Level-triggered: every event just says "look at this key again".
  WorkQueue& queue = *queue_;
  Status status = informer_->AddEventHandlers(EventHandlers{
      .on_add = [&queue](const ObjectPtr& obj) { queue.Add(obj->key); },
      .on_update = [&queue](const ObjectPtr&,
                            const ObjectPtr& cur) { queue.Add(cur->key); },
      .on_delete = [&queue](const ObjectPtr& last) { queue.Add(last->key); },
  });
  // Cannot fail: the informer was created above and is not started.
  (void)status;
}

Controller::~Controller() { Stop(); }

Status Controller::Start() {
  if (options_.workers < 1) {
    return InvalidArgumentError("controller " + options_.name +
                                ": workers must be >= 1");
  }
  MutexLock lock(mu_);
  if (started_ || stopping_) {
    return FailedPreconditionError("controller " + options_.name +
                                   " already started");
  }
  started_ = true;
  RETURN_IF_ERROR(informer_->Start());
  for (int i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this] { RunWorker(); });
  }
  logger_->info("controller {}: started with {} workers", options_.name,
                options_.workers);
  return OkStatus();
}

void Controller::Stop() {
  stopping_ = true;
  informer_->Stop();
  queue_->ShutDownWithDrain();
  std::vector<std::thread> workers;
  {
    MutexLock lock(mu_);
    workers.swap(workers_);
  }
  for (std::thread& worker : workers) worker.join();
}

void Controller::Enqueue(const ObjectKey& key) { queue_->Add(key); }

void Controller::RunWorker() {
  while (!informer_->WaitForSync(kSyncPoll)) {
    if (stopping_) return;
  }
  while (std::optional<ObjectKey> key = queue_->Get()) {
    ProcessKey(*key);
    queue_->Done(*key);
  }
}

size_t Controller::QueueLength() const { return queue_->Len(); }

void Controller::ProcessKey(const ObjectKey& key) {
  const uint64_t id = next_reconcile_id_++;
  // Log lines from here on (the reconciler's too) carry the key and id.
  const ReconcileScope scope(
      {options_.name,
       key.namespace_.empty() ? key.name : key.namespace_ + "/" + key.name,
       id});
  const auto started = std::chrono::steady_clock::now();
  auto observe = [&](std::string_view outcome) {
    if (!options_.observe_reconcile) return;
    options_.observe_reconcile(outcome,
                               std::chrono::duration<double>(
                                   std::chrono::steady_clock::now() - started)
                                   .count());
  };
  StatusOr<ReconcileResult> result = [&]() -> StatusOr<ReconcileResult> {
    // A reconciler must not throw; if it does, the key is retried like any
    // failure rather than taking the worker (and the process) down.
    try {
      return reconciler_.Reconcile(key);
    } catch (const std::exception& e) {
      return InternalError(std::string("reconciler threw: ") + e.what());
    }
  }();
  if (!result.ok()) {
    observe("error");
    if (options_.on_retry) options_.on_retry();
    queue_->AddRateLimited(key);
    logger_->warn("{} {}: reconcile failed (retry {}): {}", options_.name,
                  CurrentReconcile()->object, queue_->NumRequeues(key),
                  result.status().ToString());
    return;
  }
  observe(result->requeue_after ? "requeue" : "success");
  queue_->Forget(key);
  if (result->requeue_after) queue_->AddAfter(key, *result->requeue_after);
  SPDLOG_LOGGER_DEBUG(logger_, "{} {}: reconciled", options_.name,
                      CurrentReconcile()->object);
}

}  // namespace kiln
