// Helpers for the controller runtime tests: waiting on conditions, a store
// in a temp dir, and an event recorder. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controller/runtime/informer.h"
#include "controller/store/sqlite_store.h"
#include "tests/controller/store/store_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {

// Liveness deadline: only expires when something never happens at all.
inline constexpr std::chrono::milliseconds kDeadline{20000};
// How long "nothing happens" is observed. Too short can only make such a
// check pass wrongly, never fail wrongly.
inline constexpr std::chrono::milliseconds kQuiet{100};

// Polls `condition` until it holds (true) or `deadline` passes (false).
inline bool Eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = kDeadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// True when `condition` stays false for `period`.
inline bool StaysFalse(const std::function<bool()>& condition,
                       std::chrono::milliseconds period = kQuiet) {
  return !Eventually(condition, period);
}

// A SqliteStore in a fresh temp dir.
class TestStore {
 public:
  explicit TestStore(size_t watcher_buffer_limit = 10000) {
    SqliteStoreOptions options;
    options.path = SqliteTestDbPath(dir_.path()).string();
    options.watcher_buffer_limit = watcher_buffer_limit;
    StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
    EXPECT_THAT(store, IsOk());
    if (store.ok()) store_ = std::move(store).value();
  }
  SqliteStore& operator*() { return *store_; }
  SqliteStore* operator->() { return store_.get(); }

 private:
  ScopedTempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

// Records informer events as strings: "add /builds/default/a@3",
// "update /builds/default/a@3->4", "delete /builds/default/a@5".
// Thread-safe.
class EventLog {
 public:
  EventHandlers Handlers() {
    return EventHandlers{
        .on_add =
            [this](const ObjectPtr& obj) {
              Record("add " + obj->key.Path() + "@" +
                     std::to_string(obj->revision));
            },
        .on_update =
            [this](const ObjectPtr& old, const ObjectPtr& cur) {
              Record("update " + cur->key.Path() + "@" +
                     std::to_string(old->revision) + "->" +
                     std::to_string(cur->revision));
            },
        .on_delete =
            [this](const ObjectPtr& last) {
              Record("delete " + last->key.Path() + "@" +
                     std::to_string(last->revision));
            },
    };
  }
  std::vector<std::string> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.size();
  }
  bool Contains(const std::string& event) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& e : events_) {
      if (e == event) return true;
    }
    return false;
  }

 private:
  void Record(std::string event) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(event));
  }

  mutable std::mutex mu_;
  std::vector<std::string> events_;
};

}  // namespace kiln
