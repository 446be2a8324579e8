#include "controller/store/watch_hub.h"

#include <algorithm>
#include <utility>

namespace kiln {

std::function<void()> WatchStream::Enqueue(
    const std::vector<ChangePtr>& batch) {
  MutexLock lock(mu_);
  if (state_ != State::kOpen) return nullptr;
  size_t added = 0;
  for (const ChangePtr& c : batch) {
    if (!InRange(c->path)) continue;
    if (queue_.size() >= limit_) {
      state_ = State::kDropped;
      queue_.clear();
      break;
    }
    queue_.push_back(c);
    ++added;
  }
  if (added == 0 && state_ == State::kOpen) return nullptr;
  cv_.SignalAll();
  return notify_;
}

ChangePtr WatchStream::Pop(std::chrono::steady_clock::time_point deadline,
                           State* state) {
  MutexLock lock(mu_);
  while (queue_.empty() && state_ == State::kOpen) {
    if (!cv_.WaitUntil(deadline) &&
        std::chrono::steady_clock::now() >= deadline) {
      break;
    }
  }
  *state = state_;
  if (state_ != State::kOpen || queue_.empty()) return nullptr;
  ChangePtr c = std::move(queue_.front());
  queue_.pop_front();
  return c;
}

std::function<void()> WatchStream::Close() {
  MutexLock lock(mu_);
  if (state_ == State::kOpen) state_ = State::kClosed;
  queue_.clear();
  cv_.SignalAll();
  return notify_;
}

void WatchStream::SetNotify(std::function<void()> notify) {
  MutexLock lock(mu_);
  notify_ = std::move(notify);
}

WatchHub::WatchHub(int64_t published_revision)
    : published_revision_(published_revision),
      dispatcher_([this] { Dispatch(); }) {}

WatchHub::~WatchHub() {
  std::vector<std::weak_ptr<WatchStream>> streams;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    streams.swap(streams_);
    cv_.SignalAll();
  }
  dispatcher_.join();
  for (auto& weak : streams) {
    if (auto s = weak.lock()) {
      if (auto notify = s->Close()) notify();
    }
  }
}

void WatchHub::Publish(std::vector<ChangePtr> batch) {
  if (batch.empty()) return;
  MutexLock lock(mu_);
  published_revision_ = batch.back()->revision;
  for (auto& c : batch) pending_.push_back(std::move(c));
  cv_.Signal();
}

int64_t WatchHub::Register(const std::shared_ptr<WatchStream>& stream) {
  MutexLock lock(mu_);
  if (stopping_) {
    (void)stream->Close();
  } else {
    streams_.push_back(stream);
  }
  return published_revision_;
}

size_t WatchHub::StreamCount() {
  MutexLock lock(mu_);
  return static_cast<size_t>(std::count_if(
      streams_.begin(), streams_.end(),
      [](const std::weak_ptr<WatchStream>& w) { return !w.expired(); }));
}

void WatchHub::Dispatch() {
  while (true) {
    std::vector<ChangePtr> batch;
    std::vector<std::shared_ptr<WatchStream>> targets;
    {
      MutexLock lock(mu_);
      while (pending_.empty() && !stopping_) cv_.Wait();
      if (stopping_) return;
      batch.swap(pending_);
      // Prune streams whose consumers are gone, and take the live ones.
      std::erase_if(streams_, [](const std::weak_ptr<WatchStream>& w) {
        return w.expired();
      });
      targets.reserve(streams_.size());
      for (auto& w : streams_) {
        if (auto s = w.lock()) targets.push_back(std::move(s));
      }
    }
    for (auto& stream : targets) {
      if (auto notify = stream->Enqueue(batch)) notify();
    }
  }
}

}  // namespace kiln
