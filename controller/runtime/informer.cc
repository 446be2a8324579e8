#include "controller/runtime/informer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>

namespace kiln {

namespace {

std::string ScopeName(const ResourceScope& scope) {
  return scope.resource + (scope.namespace_ ? "/" + *scope.namespace_ : "");
}

}  // namespace

Informer::Informer(Store& store, Clock& clock, InformerOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      logger_(options_.logger ? options_.logger : spdlog::default_logger()) {}

Informer::~Informer() { Stop(); }

Status Informer::AddEventHandlers(EventHandlers handlers) {
  MutexLock lock(mu_);
  if (started_) {
    return FailedPreconditionError("informer " + ScopeName(options_.scope) +
                                   ": handlers must be added before Start()");
  }
  handlers_.push_back(std::move(handlers));
  return OkStatus();
}

Status Informer::Start() {
  MutexLock lock(mu_);
  if (started_) {
    return FailedPreconditionError("informer " + ScopeName(options_.scope) +
                                   " already started");
  }
  started_ = true;
  dispatch_handlers_ = handlers_;  // before the thread exists
  thread_ = std::thread([this] { Run(); });
  return OkStatus();
}

void Informer::Stop() {
  std::thread thread;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    if (watcher_ != nullptr) watcher_->Cancel();
    cv_.SignalAll();
    thread = std::move(thread_);
  }
  if (thread.joinable()) thread.join();
}

bool Informer::HasSynced() const {
  MutexLock lock(mu_);
  return synced_;
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(mu_);
  while (!synced_ && !stopping_) {
    if (!cv_.WaitUntil(deadline) &&
        std::chrono::steady_clock::now() >= deadline) {
      break;
    }
  }
  return synced_;
}

ObjectPtr Informer::Get(const ObjectKey& key) const {
  MutexLock lock(mu_);
  auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Informer::List() const {
  MutexLock lock(mu_);
  std::vector<ObjectPtr> objects;
  objects.reserve(cache_.size());
  for (const auto& [key, obj] : cache_) objects.push_back(obj);
  return objects;
}

int64_t Informer::LastSyncRevision() const {
  MutexLock lock(mu_);
  return revision_;
}

int64_t Informer::ListCount() const {
  MutexLock lock(mu_);
  return list_count_;
}

bool Informer::Stopping() const {
  MutexLock lock(mu_);
  return stopping_;
}

void Informer::Run() {
  // Last-resort catch of the thread entry point: handlers must not throw.
  try {
    next_resync_ = clock_.SteadyNow() + options_.resync_period;
    std::chrono::milliseconds retry_delay = options_.retry_base_delay;
    while (!Stopping()) {
      Status status;
      StatusOr<int64_t> revision = ListAndReplace();
      if (revision.ok()) {
        retry_delay = options_.retry_base_delay;
        status = WatchFrom(*revision);
        if (status.ok() || status.code() == StatusCode::kOutOfRange) {
          continue;  // stopped, or relist at once
        }
      } else {
        status = revision.status();
      }
      if (Stopping()) break;
      logger_->warn("informer {}: {}; retrying in {} ms",
                    ScopeName(options_.scope), status.ToString(),
                    retry_delay.count());
      if (!SleepFor(retry_delay)) break;
      retry_delay = std::min(retry_delay * 2, options_.retry_max_delay);
    }
  } catch (const std::exception& e) {
    logger_->critical("informer {}: uncaught exception: {}",
                      ScopeName(options_.scope), e.what());
    std::terminate();
  }
}

StatusOr<int64_t> Informer::ListAndReplace() {
  ListOptions list_options;
  list_options.scope = options_.scope;
  list_options.selector = options_.selector;
  list_options.limit = options_.page_size;
  std::vector<StoredObject> items;
  int64_t revision = 0;
  do {
    StatusOr<ListResult> page = store_.List(list_options);
    if (!page.ok()) return page.status().WithPrefix("list");
    if (list_options.continue_token.empty()) revision = page->revision;
    for (StoredObject& obj : page->items) items.push_back(std::move(obj));
    list_options.continue_token = std::move(page->continue_token);
    if (Stopping()) return UnavailableError("informer stopped");
  } while (!list_options.continue_token.empty());

  std::vector<Delta> deltas;
  {
    MutexLock lock(mu_);
    std::map<ObjectKey, ObjectPtr> next;
    for (StoredObject& item : items) {
      auto cur = std::make_shared<const StoredObject>(std::move(item));
      auto it = cache_.find(cur->key);
      if (it == cache_.end()) {
        deltas.push_back({Delta::Type::kAdd, nullptr, cur});
      } else if (it->second->revision != cur->revision) {
        deltas.push_back({Delta::Type::kUpdate, it->second, cur});
      } else {
        cur = it->second;  // unchanged: keep the snapshot readers hold
      }
      next.emplace(cur->key, std::move(cur));
    }
    for (const auto& [key, last] : cache_) {
      if (!next.contains(key)) {
        deltas.push_back({Delta::Type::kDelete, last, nullptr});
      }
    }
    cache_.swap(next);
    revision_ = revision;
    ++list_count_;
  }
  Dispatch(deltas);
  MutexLock lock(mu_);
  if (!synced_) {
    synced_ = true;
    cv_.SignalAll();
  }
  return revision;
}

Status Informer::WatchFrom(int64_t revision) {
  while (true) {
    WatchOptions watch_options;
    watch_options.scope = options_.scope;
    watch_options.selector = options_.selector;
    watch_options.from_revision = revision;
    StatusOr<std::unique_ptr<Watcher>> opened = store_.Watch(watch_options);
    if (!opened.ok()) return opened.status().WithPrefix("watch");
    std::unique_ptr<Watcher> watcher = std::move(opened).value();
    {
      MutexLock lock(mu_);
      if (stopping_) return OkStatus();
      watcher_ = watcher.get();
    }
    Status status;
    while (status.ok()) {
      StatusOr<std::optional<WatchEvent>> next =
          watcher->Next(options_.poll_interval);
      if (!next.ok()) {
        status = next.status();
      } else if (next->has_value()) {
        Dispatch({ApplyEvent(std::move(**next))});
      }
      MaybeResync();
    }
    revision = watcher->LastRevision();
    {
      MutexLock lock(mu_);
      watcher_ = nullptr;
      if (stopping_) return OkStatus();
    }
    if (status.code() != StatusCode::kResourcesExhausted) {
      return status.WithPrefix("watch");
    }
    // Dropped for falling behind: resume where it stopped (OutOfRange from
    // the new watch, if that point is compacted, leads to a relist).
    logger_->info("informer {}: watch dropped ({}); resuming from {}",
                  ScopeName(options_.scope), status.message(), revision);
  }
}

Informer::Delta Informer::ApplyEvent(WatchEvent event) {
  auto obj = std::make_shared<const StoredObject>(std::move(event.object));
  MutexLock lock(mu_);
  revision_ = obj->revision;
  auto it = cache_.find(obj->key);
  if (event.type == WatchEventType::kDeleted) {
    if (it != cache_.end()) cache_.erase(it);
    return {Delta::Type::kDelete, obj, nullptr};
  }
  if (it == cache_.end()) {
    cache_.emplace(obj->key, obj);
    return {Delta::Type::kAdd, nullptr, obj};
  }
  ObjectPtr old = std::exchange(it->second, obj);
  return {Delta::Type::kUpdate, std::move(old), obj};
}

void Informer::Dispatch(const std::vector<Delta>& deltas) {
  for (const Delta& delta : deltas) {
    for (const EventHandlers& h : dispatch_handlers_) {
      switch (delta.type) {
        case Delta::Type::kAdd:
          if (h.on_add) h.on_add(delta.cur);
          break;
        case Delta::Type::kUpdate:
          if (h.on_update) h.on_update(delta.old, delta.cur);
          break;
        case Delta::Type::kDelete:
          if (h.on_delete) h.on_delete(delta.old);
          break;
      }
    }
  }
}

void Informer::MaybeResync() {
  if (options_.resync_period <= std::chrono::milliseconds::zero()) return;
  const auto now = clock_.SteadyNow();
  if (now < next_resync_) return;
  next_resync_ = now + options_.resync_period;
  std::vector<Delta> deltas;
  for (ObjectPtr& obj : List()) {
    deltas.push_back({Delta::Type::kUpdate, obj, obj});
  }
  Dispatch(deltas);
}

bool Informer::SleepFor(std::chrono::milliseconds delay) {
  const auto deadline = clock_.SteadyNow() + delay;
  MutexLock lock(mu_);
  while (!stopping_) {
    const auto now = clock_.SteadyNow();
    if (now >= deadline) return true;
    cv_.WaitFor(std::min<std::chrono::steady_clock::duration>(
        deadline - now, options_.poll_interval));
  }
  return false;
}

}  // namespace kiln
