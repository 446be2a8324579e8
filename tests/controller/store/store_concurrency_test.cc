// Store contract under concurrency: optimistic concurrency, global revision
// order, watchers seeing every revision exactly once, consistent reads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api_types/status.h"
#include "controller/store/store.h"
#include "tests/controller/store/store_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::ElementsAreArray;

// Reads a watcher on its own thread while the test writes, until Finish().
class WatchCollector {
 public:
  explicit WatchCollector(Watcher& watcher)
      : watcher_(watcher),
        thread_([this](std::stop_token stop) { Run(stop); }) {}

  // Waits until an event at or beyond `revision` arrived (or the stream
  // failed or stalled for kEventDeadline) and returns all events.
  StatusOr<std::vector<WatchEvent>> Finish(int64_t revision) {
    target_.store(revision);
    thread_.join();
    if (!status_.ok()) return status_;
    return std::move(events_);
  }

 private:
  void Run(std::stop_token stop) {
    auto last_progress = std::chrono::steady_clock::now();
    while (!stop.stop_requested()) {
      const int64_t target = target_.load();
      if (target == 0 ||
          (!events_.empty() && events_.back().object.revision >= target)) {
        return;
      }
      StatusOr<std::optional<WatchEvent>> next =
          watcher_.Next(std::chrono::milliseconds(100));
      if (!next.ok()) {
        status_ = next.status();
        return;
      }
      if (next->has_value()) {
        events_.push_back(std::move(**next));
        last_progress = std::chrono::steady_clock::now();
      } else if (target != kUnset &&
                 std::chrono::steady_clock::now() - last_progress >
                     kEventDeadline) {
        status_ = UnavailableError("watch stalled before revision " +
                                   std::to_string(target));
        return;
      }
    }
  }

  static constexpr int64_t kUnset = std::numeric_limits<int64_t>::max();
  Watcher& watcher_;
  std::atomic<int64_t> target_{kUnset};
  // Owned by the thread until it is joined.
  std::vector<WatchEvent> events_;
  Status status_;
  std::jthread thread_;  // Last: started after, stopped before the rest.
};

// Every acknowledged write, by revision, from any thread.
class AckLog {
 public:
  void Add(const StoredObject& obj) {
    std::lock_guard<std::mutex> lock(mu_);
    const bool inserted = acks_.emplace(obj.revision, obj).second;
    EXPECT_TRUE(inserted) << "revision " << obj.revision
                          << " acknowledged twice";
  }
  std::map<int64_t, StoredObject> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(acks_);
  }

 private:
  std::mutex mu_;
  std::map<int64_t, StoredObject> acks_;
};

// Adds 1 to counter `key`'s spec.v with Get + Update(expected_revision),
// retrying on Aborted. Returns the successful update.
StatusOr<StoredObject> Increment(Store& store, const ObjectKey& key,
                                 int* conflicts) {
  for (;;) {
    StatusOr<StoredObject> current = store.Get(key);
    if (!current.ok()) return current.status();
    nlohmann::json value = current->value;
    value["spec"]["v"] = value["spec"]["v"].get<int64_t>() + 1;
    StatusOr<StoredObject> updated =
        store.Update(key, std::move(value), current->revision);
    if (updated.ok() || updated.status().code() != StatusCode::kAborted) {
      return updated;
    }
    ++*conflicts;
  }
}

// Expects `events` to be exactly the acknowledged writes, in revision order,
// each carrying the acknowledged value.
void ExpectEventsMatchAcks(const std::vector<WatchEvent>& events,
                           const std::map<int64_t, StoredObject>& acks) {
  std::vector<int64_t> seen;
  seen.reserve(events.size());
  for (const WatchEvent& e : events) seen.push_back(e.object.revision);
  std::vector<int64_t> want;
  want.reserve(acks.size());
  for (const auto& [revision, obj] : acks) want.push_back(revision);
  ASSERT_EQ(seen.size(), want.size());
  ASSERT_EQ(seen, want) << "watch stream is not the acknowledged revisions in "
                           "order, each once";
  for (const WatchEvent& e : events) {
    const StoredObject& ack = acks.at(e.object.revision);
    ASSERT_EQ(e.object.key, ack.key) << "revision " << ack.revision;
    ASSERT_EQ(e.object.value, ack.value) << "revision " << ack.revision;
  }
}

class StoreConcurrencyTest : public StoreTestBase {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StoreTestBase::SetUp());
    // Big enough that a watcher consumer lagging behind under load is never
    // dropped: these tests check ordering, not back-pressure.
    ASSERT_NO_FATAL_FAILURE(Open({.watcher_buffer_limit = 1 << 20}));
  }
};

TEST_P(StoreConcurrencyTest, CreatesAndContendedUpdatesAreSeenOnceInOrder) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 200;
  constexpr int kCounters = 4;
  for (int c = 0; c < kCounters; ++c) {
    const ObjectKey key = BuildKey("counters", "c" + std::to_string(c));
    ASSERT_OK(store().Create(key, MakeObject(key, {}, 0)));
  }
  const int64_t start = store().CurrentRevision();
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Watcher> watcher,
      store().Watch(WatchFrom(AllNamespaces("builds"), start)));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Watcher> counter_watcher,
      store().Watch(WatchFrom(InNamespace("builds", "counters"), start)));
  WatchCollector all_events(*watcher);
  WatchCollector counter_events(*counter_watcher);

  AckLog acks;
  std::atomic<int> conflicts{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        int my_conflicts = 0;
        const ObjectKey counter =
            BuildKey("counters", "c" + std::to_string(t % kCounters));
        for (int i = 0; i < kPerThread; ++i) {
          const ObjectKey key =
              BuildKey("ns-" + std::to_string(t % 3),
                       "t" + std::to_string(t) + "-" + std::to_string(i));
          StatusOr<StoredObject> created =
              store().Create(key, MakeObject(key, {}, i));
          ASSERT_THAT(created, IsOk()) << key.Path();
          acks.Add(*created);
          StatusOr<StoredObject> incremented =
              Increment(store(), counter, &my_conflicts);
          ASSERT_THAT(incremented, IsOk()) << counter.Path();
          acks.Add(*incremented);
        }
        conflicts += my_conflicts;
      });
    }
  }
  const int64_t end = store().CurrentRevision();
  std::map<int64_t, StoredObject> acked = acks.Take();
  ASSERT_EQ(acked.size(), static_cast<size_t>(2 * kThreads * kPerThread));
  EXPECT_GT(acked.begin()->first, start);
  EXPECT_EQ(acked.rbegin()->first, end);

  for (int c = 0; c < kCounters; ++c) {
    ASSERT_OK_AND_ASSIGN(
        StoredObject counter,
        store().Get(BuildKey("counters", "c" + std::to_string(c))));
    EXPECT_EQ(counter.value["spec"]["v"], kThreads / kCounters * kPerThread)
        << "counter " << c << " (" << conflicts.load() << " conflicts overall)";
  }

  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events, all_events.Finish(end));
  ExpectEventsMatchAcks(events, acked);

  // The counter-only watcher sees exactly the counter updates, in order.
  std::map<int64_t, StoredObject> counter_acks;
  for (const auto& [revision, obj] : acked) {
    if (obj.key.namespace_ == "counters") counter_acks.emplace(revision, obj);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> counter_stream,
                       counter_events.Finish(counter_acks.rbegin()->first));
  ExpectEventsMatchAcks(counter_stream, counter_acks);
}

TEST_P(StoreConcurrencyTest, OptimisticIncrementsOfOneCounterAreExact) {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 100;
  const ObjectKey counter = BuildKey("default", "counter");
  ASSERT_OK_AND_ASSIGN(StoredObject created,
                       store().Create(counter, MakeObject(counter, {}, 0)));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Watcher> watcher,
      store().Watch(WatchFrom(AllNamespaces("builds"), created.revision)));
  WatchCollector collector(*watcher);

  std::atomic<int> conflicts{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        int my_conflicts = 0;
        for (int i = 0; i < kIncrements; ++i) {
          ASSERT_THAT(Increment(store(), counter, &my_conflicts), IsOk());
        }
        conflicts += my_conflicts;
      });
    }
  }

  ASSERT_OK_AND_ASSIGN(StoredObject final_state, store().Get(counter));
  EXPECT_EQ(final_state.value["spec"]["v"], kThreads * kIncrements)
      << conflicts.load() << " conflicts";
  EXPECT_EQ(final_state.revision, store().CurrentRevision());

  // The watcher sees 1, 2, ..., 800: every increment once, in order.
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events,
                       collector.Finish(final_state.revision));
  ASSERT_EQ(events.size(), static_cast<size_t>(kThreads * kIncrements));
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].type, WatchEventType::kModified) << i;
    ASSERT_EQ(events[i].object.value["spec"]["v"], static_cast<int64_t>(i + 1));
    if (i > 0) {
      ASSERT_GT(events[i].object.revision, events[i - 1].object.revision);
    }
  }
}

TEST_P(StoreConcurrencyTest, ConcurrentTxnsGetConsecutiveRevisions) {
  constexpr int kTxnThreads = 4;
  constexpr int kTxnsPerThread = 50;
  constexpr int kSingleThreads = 2;
  constexpr int kSinglesPerThread = 100;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher,
                       store().Watch(WatchFrom(AllNamespaces("builds"), 0)));
  WatchCollector collector(*watcher);

  AckLog acks;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kTxnThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kTxnsPerThread; ++i) {
          std::vector<TxnOp> ops;
          for (int k = 0; k < 3; ++k) {
            const ObjectKey key = BuildKey("txn", "t" + std::to_string(t) +
                                                      "-" + std::to_string(i) +
                                                      "-" + std::to_string(k));
            ops.push_back(TxnOp::Create(key, MakeObject(key)));
          }
          StatusOr<TxnResult> result = store().Txn(std::move(ops));
          ASSERT_THAT(result, IsOk());
          ASSERT_EQ(result->objects.size(), 3u);
          for (int k = 0; k < 3; ++k) {
            EXPECT_EQ(result->objects[k].revision,
                      result->objects[0].revision + k)
                << "txn writes are not consecutive";
            acks.Add(result->objects[k]);
          }
          // "The store revision after the txn": with group commit this may
          // be the end of the batch holding it, so only a lower bound.
          EXPECT_GE(result->revision, result->objects[2].revision);
        }
      });
    }
    for (int t = 0; t < kSingleThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kSinglesPerThread; ++i) {
          const ObjectKey key = BuildKey(
              "single", "s" + std::to_string(t) + "-" + std::to_string(i));
          StatusOr<StoredObject> created = store().Create(key, MakeObject(key));
          ASSERT_THAT(created, IsOk());
          acks.Add(*created);
        }
      });
    }
  }
  std::map<int64_t, StoredObject> acked = acks.Take();
  ASSERT_EQ(acked.size(),
            static_cast<size_t>(kTxnThreads * kTxnsPerThread * 3 +
                                kSingleThreads * kSinglesPerThread));
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events,
                       collector.Finish(store().CurrentRevision()));
  ExpectEventsMatchAcks(events, acked);
}

// An unpaged List is a snapshot: it holds exactly the objects created at or
// before its revision, whatever is committed while it runs.
TEST_P(StoreConcurrencyTest, ListsDuringWritesAreSnapshots) {
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 100;
  AckLog acks;
  std::vector<ListResult> lists;
  {
    std::atomic<int> writers_done{0};
    std::vector<std::jthread> threads;
    for (int t = 0; t < kWriters; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerWriter; ++i) {
          const ObjectKey key =
              BuildKey("ns-" + std::to_string(i % 2),
                       "w" + std::to_string(t) + "-" + std::to_string(i));
          StatusOr<StoredObject> created = store().Create(key, MakeObject(key));
          ASSERT_THAT(created, IsOk());
          acks.Add(*created);
        }
        ++writers_done;
      });
    }
    threads.emplace_back([&] {
      // At least a few lists, and keep listing while writers run.
      while (writers_done.load() < kWriters || lists.size() < 5) {
        StatusOr<ListResult> list =
            store().List(ListOf(AllNamespaces("builds")));
        ASSERT_THAT(list, IsOk());
        lists.push_back(std::move(list).value());
      }
    });
  }
  std::map<int64_t, StoredObject> acked = acks.Take();
  for (const ListResult& list : lists) {
    std::vector<std::string> want;
    for (const auto& [revision, obj] : acked) {
      if (revision <= list.revision) want.push_back(obj.key.Path());
    }
    std::sort(want.begin(), want.end());
    ASSERT_THAT(Paths(list.items), ElementsAreArray(want))
        << "list at revision " << list.revision;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConcurrencyTest,
                         ::testing::ValuesIn(AllStoreBackends()),
                         StoreBackendName);

}  // namespace
}  // namespace kiln
