#include "controller/events/event_recorder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <vector>

#include "api_types/event_json.h"

namespace kiln {
namespace {

constexpr int kMaxAttempts = 5;

// FNV-1a, 64 bits: a stable short id for the de-duplication key (not a
// security boundary).
uint64_t Fnv1a(std::string_view data, uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Timestamp Now(Clock& clock) {
  return std::chrono::floor<std::chrono::seconds>(clock.SystemNow());
}

}  // namespace

EventRecorder::EventRecorder(Store& store, Clock& clock,
                             EventRecorderOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      writer_([this] { Run(); }) {}

EventRecorder::~EventRecorder() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    cv_.SignalAll();
  }
  writer_.join();
}

void EventRecorder::Flush() {
  MutexLock lock(mu_);
  const int64_t target = queued_total_;
  while (written_total_ < target) cv_.Wait();
}

void EventRecorder::Run() {
  while (true) {
    Pending e;
    {
      MutexLock lock(mu_);
      while (queue_.empty() && !stopping_) cv_.Wait();
      if (queue_.empty()) return;  // stopping, all written
      e = std::move(queue_.front());
      queue_.pop_front();
    }
    if (Status s = Write(e); !s.ok()) {
      spdlog::warn("event {}/{} {}: not recorded: {}", e.ns, e.name, e.reason,
                   s.ToString());
    }
    MutexLock lock(mu_);
    ++written_total_;
    cv_.SignalAll();
  }
}

std::string EventRecorder::EventName(const std::string& object_name,
                                     const std::string& uid,
                                     std::string_view type,
                                     std::string_view reason,
                                     std::string_view message) {
  uint64_t h = Fnv1a(uid);
  for (std::string_view part : {type, reason, message}) {
    h = Fnv1a("\x1f", h);
    h = Fnv1a(part, h);
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016" PRIx64, h);
  return object_name + "." + hex;
}

void EventRecorder::Record(const Build& build, std::string_view type,
                           std::string_view reason, std::string message) {
  RecordFor(build.metadata.namespace_, build.metadata.name, build.metadata.uid,
            type, reason, std::move(message));
}

void EventRecorder::RecordFor(const std::string& ns, const std::string& name,
                              const std::string& uid, std::string_view type,
                              std::string_view reason, std::string message) {
  Pending e{ns,
            name,
            uid,
            std::string(type),
            std::string(reason),
            std::move(message),
            Now(clock_)};
  MutexLock lock(mu_);
  if (stopping_) return;
  if (queue_.size() >= options_.max_queued) {
    if (!dropping_) {
      spdlog::warn(
          "events: {} queued; dropping new events until the writer "
          "catches up",
          queue_.size());
    }
    dropping_ = true;
    return;
  }
  dropping_ = false;
  queue_.push_back(std::move(e));
  ++queued_total_;
  cv_.SignalAll();
}

Status EventRecorder::Write(const Pending& e) {
  const std::string& ns = e.ns;
  const std::string& name = e.name;
  const std::string& uid = e.uid;
  const std::string& type = e.type;
  const std::string& reason = e.reason;
  const std::string& message = e.message;
  const ObjectKey key{"events", ns,
                      EventName(name, uid, type, reason, message)};
  const Timestamp now = e.at;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    StatusOr<StoredObject> current = store_.Get(key);
    if (current.ok()) {
      StatusOr<Event> event = EventFromJson(current->value);
      if (!event.ok()) return event.status();
      event->count += 1;
      event->last_timestamp = now;
      Status s = store_.Update(key, ToJson(*event), current->revision).status();
      if (s.code() == StatusCode::kAborted) continue;  // raced; re-read
      return s;
    }
    if (current.status().code() != StatusCode::kNotFound) {
      return current.status();
    }
    Event event;
    event.metadata.name = key.name;
    event.metadata.namespace_ = ns;
    event.metadata.creation_timestamp = now;
    event.involved_object =
        ObjectReference{"kiln.dev/v1", "Build", ns, name, uid, ""};
    event.type = std::string(type);
    event.reason = std::string(reason);
    event.message = message;
    event.count = 1;
    event.first_timestamp = now;
    event.last_timestamp = now;
    event.source_component = options_.component;
    Status s = store_.Create(key, ToJson(event)).status();
    if (s.code() == StatusCode::kAlreadyExists) continue;  // raced; count it
    return s;
  }
  return AbortedError("too many concurrent writers");
}

StatusOr<size_t> EventRecorder::Prune() {
  ListOptions options;
  options.scope.resource = "events";
  ASSIGN_OR_RETURN(ListResult list, store_.List(options));
  const Timestamp cutoff =
      Now(clock_) -
      std::chrono::duration_cast<std::chrono::seconds>(options_.ttl);
  // Per namespace: (lastTimestamp, key) of the events that stay.
  std::map<std::string, std::vector<std::pair<Timestamp, ObjectKey>>> kept;
  std::vector<ObjectKey> doomed;
  for (const StoredObject& obj : list.items) {
    StatusOr<Event> event = EventFromJson(obj.value);
    const Timestamp last = event.ok() && event->last_timestamp
                               ? *event->last_timestamp
                               : Timestamp{};
    if (last < cutoff) {
      doomed.push_back(obj.key);
    } else {
      kept[obj.key.namespace_].emplace_back(last, obj.key);
    }
  }
  for (auto& [ns, events] : kept) {
    if (events.size() <= options_.max_per_namespace) continue;
    std::sort(events.begin(), events.end());
    const size_t extra = events.size() - options_.max_per_namespace;
    for (size_t i = 0; i < extra; ++i) doomed.push_back(events[i].second);
  }
  size_t deleted = 0;
  for (const ObjectKey& key : doomed) {
    Status s = store_.Delete(key, std::nullopt).status();
    if (s.ok()) ++deleted;
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  }
  return deleted;
}

}  // namespace kiln
