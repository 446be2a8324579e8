// WatchHub: fans committed changes out to many watch streams without ever
// blocking the writer. Publish() only appends to a pending list; a dispatcher
// thread copies each change (a shared pointer, not the object) into the
// bounded queue of every stream in scope. A stream whose queue overflows is
// dropped (its consumer gets ResourcesExhausted and resumes from its last
// revision) instead of holding memory forever.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "controller/base/mutex.h"
#include "controller/store/store.h"

namespace kiln {

// One committed write, shared read-only by every stream that receives it.
struct ChangeEvent {
  WatchEventType type = WatchEventType::kAdded;
  int64_t revision = 0;
  ObjectKey key;
  std::string path;  // key.Path()
  std::shared_ptr<const nlohmann::json> value;
  std::shared_ptr<const nlohmann::json> prev_value;  // null for kAdded
};
using ChangePtr = std::shared_ptr<const ChangeEvent>;

// The receiving end of one watch: a bounded queue of changes in revision
// order. Thread-safe.
class WatchStream {
 public:
  enum class State { kOpen, kDropped, kClosed };

  // Receives changes whose path lies in [range_begin, range_end).
  WatchStream(std::string range_begin, std::string range_end, size_t limit)
      : range_begin_(std::move(range_begin)),
        range_end_(std::move(range_end)),
        limit_(limit) {}

  bool InRange(const std::string& path) const {
    return path >= range_begin_ && path < range_end_;
  }

  // Appends in-range changes; drops the stream when the queue would exceed
  // the limit. Returns the notify callback to run (outside any lock).
  std::function<void()> Enqueue(const std::vector<ChangePtr>& batch)
      EXCLUDES(mu_);

  // Waits until `deadline` for a change. Returns the change, or nullptr with
  // `*state` set (kOpen = timed out).
  ChangePtr Pop(std::chrono::steady_clock::time_point deadline, State* state)
      EXCLUDES(mu_);

  // Marks the stream closed; returns the notify callback to run.
  std::function<void()> Close() EXCLUDES(mu_);
  void SetNotify(std::function<void()> notify) EXCLUDES(mu_);

 private:
  const std::string range_begin_;
  const std::string range_end_;
  const size_t limit_;

  Mutex mu_;
  CondVar cv_{&mu_};
  std::deque<ChangePtr> queue_ GUARDED_BY(mu_);
  State state_ GUARDED_BY(mu_) = State::kOpen;
  std::function<void()> notify_ GUARDED_BY(mu_);
};

class WatchHub {
 public:
  // `published_revision`: the last revision already durable before the hub
  // starts (changes up to it are read from history, not the hub).
  explicit WatchHub(int64_t published_revision);
  // Closes every stream and joins the dispatcher.
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Hands committed changes (in revision order) to the dispatcher.
  // REQUIRES: called by one writer, after the changes are durable.
  void Publish(std::vector<ChangePtr> batch) EXCLUDES(mu_);

  // Adds a stream. Returns the last published revision P: every change
  // > P reaches the stream; changes <= P must be read from history (some may
  // arrive twice; consumers skip revisions they have seen).
  int64_t Register(const std::shared_ptr<WatchStream>& stream) EXCLUDES(mu_);

  // Number of registered, open streams (for metrics and tests).
  size_t StreamCount() EXCLUDES(mu_);

 private:
  void Dispatch() EXCLUDES(mu_);

  Mutex mu_;
  CondVar cv_{&mu_};
  bool stopping_ GUARDED_BY(mu_) = false;
  int64_t published_revision_ GUARDED_BY(mu_);
  std::vector<ChangePtr> pending_ GUARDED_BY(mu_);
  std::vector<std::weak_ptr<WatchStream>> streams_ GUARDED_BY(mu_);

  std::thread dispatcher_;  // last: starts after the fields above exist
};

}  // namespace kiln
