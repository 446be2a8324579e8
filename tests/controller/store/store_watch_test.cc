// Store contract: Watch (ordered, gap-free change streams).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api_types/label_selector.h"
#include "api_types/status.h"
#include "controller/store/store.h"
#include "tests/controller/store/store_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

class StoreWatchTest : public StoreTestBase {
 protected:
  StatusOr<std::unique_ptr<Watcher>> WatchBuilds(int64_t from_revision) {
    return store().Watch(WatchFrom(AllNamespaces("builds"), from_revision));
  }

  // Expects the watcher to stay open with nothing more to deliver.
  static void ExpectQuiet(Watcher& watcher) {
    StatusOr<std::optional<WatchEvent>> next = watcher.Next(kQuietPeriod);
    ASSERT_THAT(next, IsOk());
    if (next->has_value()) {
      ADD_FAILURE() << "unexpected event " << ::testing::PrintToString(**next);
    }
  }
};

TEST_P(StoreWatchTest, DeliversEveryChangeAfterFromRevisionInOrder) {
  const ObjectKey a = BuildKey("ns-a", "a");
  const ObjectKey b = BuildKey("ns-b", "b");
  const ObjectKey c = BuildKey("ns-a", "c");
  ASSERT_OK(store().Create(a, MakeObject(a)));
  ASSERT_OK_AND_ASSIGN(StoredObject b1, store().Create(b, MakeObject(b)));
  ASSERT_OK_AND_ASSIGN(StoredObject a2,
                       store().Update(a, MakeObject(a, {}, 2), std::nullopt));
  ASSERT_OK_AND_ASSIGN(StoredObject b_gone, store().Delete(b, std::nullopt));
  ASSERT_OK_AND_ASSIGN(StoredObject c1, store().Create(c, MakeObject(c)));
  ASSERT_OK_AND_ASSIGN(StoredObject c2,
                       store().Update(c, MakeObject(c, {}, 3), c1.revision));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher,
                       WatchBuilds(b1.revision));
  EXPECT_EQ(watcher->LastRevision(), b1.revision);

  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events, NextEvents(*watcher, 4));
  EXPECT_THAT(events, ElementsAre(IsEvent(WatchEventType::kModified, a2),
                                  IsEvent(WatchEventType::kDeleted, b_gone),
                                  IsEvent(WatchEventType::kAdded, c1),
                                  IsEvent(WatchEventType::kModified, c2)));
  // DELETED carries the last state (with the deletion's revision).
  EXPECT_EQ(WithoutResourceVersion(events[1].object.value),
            WithoutResourceVersion(b1.value));
  EXPECT_THAT(events[1].object, HasConsistentResourceVersion());
  EXPECT_EQ(watcher->LastRevision(), c2.revision);
  ExpectQuiet(*watcher);
}

TEST_P(StoreWatchTest, FromZeroDeliversWholeHistory) {
  const ObjectKey a = BuildKey("ns", "a");
  ASSERT_OK_AND_ASSIGN(StoredObject a1, store().Create(a, MakeObject(a)));
  ASSERT_OK_AND_ASSIGN(StoredObject a2,
                       store().Update(a, MakeObject(a, {}, 1), std::nullopt));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher, WatchBuilds(0));
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events, NextEvents(*watcher, 2));
  EXPECT_THAT(events, ElementsAre(IsEvent(WatchEventType::kAdded, a1),
                                  IsEvent(WatchEventType::kModified, a2)));
  ExpectQuiet(*watcher);
}

TEST_P(StoreWatchTest, WatcherAtCurrentRevisionSeesLaterWrites) {
  const ObjectKey a = BuildKey("ns", "a");
  ASSERT_OK(store().Create(a, MakeObject(a)));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher,
                       WatchBuilds(store().CurrentRevision()));
  ExpectQuiet(*watcher);

  const ObjectKey b = BuildKey("ns", "b");
  ASSERT_OK_AND_ASSIGN(StoredObject b1, store().Create(b, MakeObject(b)));
  ASSERT_OK_AND_ASSIGN(StoredObject a_gone, store().Delete(a, std::nullopt));

  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events, NextEvents(*watcher, 2));
  EXPECT_THAT(events, ElementsAre(IsEvent(WatchEventType::kAdded, b1),
                                  IsEvent(WatchEventType::kDeleted, a_gone)));
}

TEST_P(StoreWatchTest, WatchOnEmptyStoreSeesFirstWrite) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher, WatchBuilds(0));
  const ObjectKey a = BuildKey("ns", "a");
  ASSERT_OK_AND_ASSIGN(StoredObject a1, store().Create(a, MakeObject(a)));
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events, NextEvents(*watcher, 1));
  EXPECT_THAT(events, ElementsAre(IsEvent(WatchEventType::kAdded, a1)));
}

// Writes 10 changes to 4 objects; returns the acknowledged writes.
std::vector<StoredObject> WriteTenChanges(Store& store) {
  std::vector<StoredObject> written;
  for (int i = 0; i < 10; ++i) {
    const ObjectKey key = BuildKey("ns", "o" + std::to_string(i % 4));
    StatusOr<StoredObject> result =
        i < 4 ? store.Create(key, MakeObject(key, {}, i))
              : store.Update(key, MakeObject(key, {}, i), std::nullopt);
    EXPECT_THAT(result, IsOk());
    if (result.ok()) written.push_back(*result);
  }
  return written;
}

TEST_P(StoreWatchTest, ResumeFromLastRevisionAfterCancelHasNoGapOrDuplicate) {
  const std::vector<StoredObject> written = WriteTenChanges(store());
  ASSERT_EQ(written.size(), 10u);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> first, WatchBuilds(0));
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> head, NextEvents(*first, 4));
  EXPECT_EQ(first->LastRevision(), written[3].revision);
  first->Cancel();
  EXPECT_EQ(first->LastRevision(), written[3].revision);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> second,
                       WatchBuilds(first->LastRevision()));
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> tail, NextEvents(*second, 6));
  ExpectQuiet(*second);

  std::vector<int64_t> revisions;
  for (const WatchEvent& e : head) revisions.push_back(e.object.revision);
  for (const WatchEvent& e : tail) revisions.push_back(e.object.revision);
  std::vector<int64_t> want;
  for (const StoredObject& obj : written) want.push_back(obj.revision);
  EXPECT_THAT(revisions, ElementsAreArray(want));
}

// "Stops the stream; Next() then returns Unavailable": also when events were
// already buffered for the watcher.
TEST_P(StoreWatchTest, NextAfterCancelIsUnavailableEvenWithBufferedEvents) {
  const std::vector<StoredObject> written = WriteTenChanges(store());
  ASSERT_EQ(written.size(), 10u);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher, WatchBuilds(0));
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> head, NextEvents(*watcher, 4));

  watcher->Cancel();

  EXPECT_THAT(watcher->Next(kQuietPeriod), StatusIs(StatusCode::kUnavailable));
  watcher->Cancel();  // Idempotent.
  EXPECT_THAT(watcher->Next(kQuietPeriod), StatusIs(StatusCode::kUnavailable));
  EXPECT_EQ(watcher->LastRevision(), written[3].revision)
      << "events were delivered after Cancel()";
}

TEST_P(StoreWatchTest, NextAfterCancelOnIdleWatcherIsUnavailable) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher,
                       WatchBuilds(store().CurrentRevision()));
  watcher->Cancel();
  EXPECT_THAT(watcher->Next(kQuietPeriod), StatusIs(StatusCode::kUnavailable));
  // Writes after the cancel are not delivered either.
  const ObjectKey a = BuildKey("ns", "a");
  ASSERT_OK(store().Create(a, MakeObject(a)));
  EXPECT_THAT(watcher->Next(kQuietPeriod), StatusIs(StatusCode::kUnavailable));
}

TEST_P(StoreWatchTest, CancelUnblocksNextInAnotherThread) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher, WatchBuilds(0));
  std::optional<Status> status;
  std::thread consumer(
      [&] { status = watcher->Next(kEventDeadline).status(); });
  watcher->Cancel();
  consumer.join();
  ASSERT_TRUE(status.has_value());
  EXPECT_THAT(*status, StatusIs(StatusCode::kUnavailable));
}

TEST_P(StoreWatchTest, ClosingTheStoreEndsWatchers) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher, WatchBuilds(0));
  Close();
  EXPECT_THAT(watcher->Next(kEventDeadline),
              StatusIs(StatusCode::kUnavailable));
}

TEST_P(StoreWatchTest, FromBelowCompactedRevisionIsOutOfRange) {
  const ObjectKey a = BuildKey("ns", "a");
  const ObjectKey b = BuildKey("ns", "b");
  ASSERT_OK(store().Create(a, MakeObject(a)));
  ASSERT_OK_AND_ASSIGN(StoredObject a2,
                       store().Update(a, MakeObject(a, {}, 2), std::nullopt));
  ASSERT_OK_AND_ASSIGN(StoredObject a3,
                       store().Update(a, MakeObject(a, {}, 3), std::nullopt));
  ASSERT_OK_AND_ASSIGN(StoredObject b1, store().Create(b, MakeObject(b)));

  ASSERT_OK(Compact(a3.revision));
  EXPECT_EQ(store().CompactedRevision(), a3.revision);

  EXPECT_THAT(WatchBuilds(a2.revision), StatusIs(StatusCode::kOutOfRange));
  EXPECT_THAT(WatchBuilds(0), StatusIs(StatusCode::kOutOfRange));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher,
                       WatchBuilds(store().CompactedRevision()));
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events, NextEvents(*watcher, 1));
  EXPECT_THAT(events, ElementsAre(IsEvent(WatchEventType::kAdded, b1)));
  ExpectQuiet(*watcher);
}

TEST_P(StoreWatchTest, CompactBeyondCurrentRevisionIsOutOfRange) {
  const ObjectKey a = BuildKey("ns", "a");
  ASSERT_OK(store().Create(a, MakeObject(a)));
  EXPECT_THAT(Compact(store().CurrentRevision() + 1),
              StatusIs(StatusCode::kOutOfRange));
  EXPECT_EQ(store().CompactedRevision(), 0);
}

TEST_P(StoreWatchTest, CompactionKeepsCurrentState) {
  const ObjectKey a = BuildKey("ns", "a");
  const ObjectKey b = BuildKey("ns", "b");
  ASSERT_OK(store().Create(a, MakeObject(a)));
  ASSERT_OK(store().Create(b, MakeObject(b)));
  ASSERT_OK_AND_ASSIGN(StoredObject a2,
                       store().Update(a, MakeObject(a, {}, 2), std::nullopt));
  ASSERT_OK(store().Delete(b, std::nullopt));

  ASSERT_OK(Compact(store().CurrentRevision()));

  ASSERT_OK_AND_ASSIGN(StoredObject got, store().Get(a));
  EXPECT_EQ(got.revision, a2.revision);
  EXPECT_EQ(got.value, a2.value);
  EXPECT_THAT(store().Get(b), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(ListResult list,
                       store().List(ListOf(AllNamespaces("builds"))));
  EXPECT_THAT(Paths(list.items), ElementsAre(a.Path()));
  // b's deletion is compacted away; re-creating it works.
  ASSERT_OK(store().Create(b, MakeObject(b)));
}

// Kubernetes semantics for filtered watches: an object that starts matching
// is ADDED, one that stops matching is DELETED (carrying its last matching
// state, at the revision of the change).
TEST_P(StoreWatchTest, SelectorTransitionsAreAddedAndDeleted) {
  ASSERT_OK_AND_ASSIGN(LabelSelector web, LabelSelector::Parse("team=web"));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Watcher> watcher,
      store().Watch(
          WatchFrom(AllNamespaces("builds"), store().CurrentRevision(), web)));
  const ObjectKey x = BuildKey("ns", "x");
  const ObjectKey y = BuildKey("ns", "y");

  ASSERT_OK_AND_ASSIGN(StoredObject x1,
                       store().Create(x, MakeObject(x, {{"team", "web"}})));
  ASSERT_OK_AND_ASSIGN(StoredObject y1,
                       store().Create(y, MakeObject(y, {{"team", "db"}})));
  ASSERT_OK_AND_ASSIGN(
      StoredObject x2,
      store().Update(x, MakeObject(x, {{"team", "web"}, {"tier", "a"}}),
                     std::nullopt));
  ASSERT_OK_AND_ASSIGN(
      StoredObject x3,
      store().Update(x, MakeObject(x, {{"team", "db"}}), std::nullopt));
  ASSERT_OK(
      store().Update(x, MakeObject(x, {{"team", "db"}}, 1), std::nullopt));
  ASSERT_OK_AND_ASSIGN(
      StoredObject x5,
      store().Update(x, MakeObject(x, {{"team", "web"}}, 2), std::nullopt));
  ASSERT_OK_AND_ASSIGN(
      StoredObject y2,
      store().Update(y, MakeObject(y, {{"team", "web"}}), y1.revision));
  ASSERT_OK_AND_ASSIGN(StoredObject x_gone, store().Delete(x, std::nullopt));
  const ObjectKey z = BuildKey("ns", "z");
  ASSERT_OK(store().Create(z, MakeObject(z, {{"team", "db"}})));
  ASSERT_OK(store().Delete(z, std::nullopt));

  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events, NextEvents(*watcher, 6));
  ExpectQuiet(*watcher);

  ASSERT_EQ(events.size(), 6u);
  EXPECT_THAT(events[0], IsEvent(WatchEventType::kAdded, x1));
  EXPECT_THAT(events[1], IsEvent(WatchEventType::kModified, x2));
  // Leaving the selector: DELETED at x3's revision with the last matching
  // state (x2's content).
  EXPECT_EQ(events[2].type, WatchEventType::kDeleted);
  EXPECT_EQ(events[2].object.key, x);
  EXPECT_EQ(events[2].object.revision, x3.revision);
  EXPECT_EQ(WithoutResourceVersion(events[2].object.value),
            WithoutResourceVersion(x2.value));
  EXPECT_THAT(events[2].object, HasConsistentResourceVersion());
  // Entering it again: ADDED with the new state.
  EXPECT_THAT(events[3], IsEvent(WatchEventType::kAdded, x5));
  EXPECT_THAT(events[4], IsEvent(WatchEventType::kAdded, y2));
  EXPECT_THAT(events[5], IsEvent(WatchEventType::kDeleted, x_gone));
}

TEST_P(StoreWatchTest, ScopeFiltersNamespaceAndResource) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Watcher> ns_a,
      store().Watch(WatchFrom(InNamespace("builds", "ns-a"), 0)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> builds, WatchBuilds(0));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> nodes,
                       store().Watch(WatchFrom(AllNamespaces("nodes"), 0)));

  std::vector<StoredObject> in_ns_a, in_builds, in_nodes;
  for (const ObjectKey& key :
       {BuildKey("ns-a", "1"), BuildKey("ns-a-2", "2"), BuildKey("ns-b", "3"),
        ObjectKey{"events", "ns-a", "4"}, ObjectKey{"build", "ns-a", "5"},
        ObjectKey{"buildsx", "ns-a", "6"}, NodeKey("7"),
        BuildKey("ns-a", "8")}) {
    ASSERT_OK_AND_ASSIGN(StoredObject obj,
                         store().Create(key, MakeObject(key)));
    if (key.resource == "builds") in_builds.push_back(obj);
    if (key.resource == "builds" && key.namespace_ == "ns-a")
      in_ns_a.push_back(obj);
    if (key.resource == "nodes") in_nodes.push_back(obj);
  }

  auto revisions = [](const std::vector<WatchEvent>& events) {
    std::vector<int64_t> out;
    for (const WatchEvent& e : events) out.push_back(e.object.revision);
    return out;
  };
  auto want = [](const std::vector<StoredObject>& objects) {
    std::vector<int64_t> out;
    for (const StoredObject& o : objects) out.push_back(o.revision);
    return out;
  };
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> ns_a_events,
                       NextEvents(*ns_a, in_ns_a.size()));
  EXPECT_THAT(revisions(ns_a_events), ElementsAreArray(want(in_ns_a)));
  ExpectQuiet(*ns_a);
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> builds_events,
                       NextEvents(*builds, in_builds.size()));
  EXPECT_THAT(revisions(builds_events), ElementsAreArray(want(in_builds)));
  ExpectQuiet(*builds);
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> nodes_events,
                       NextEvents(*nodes, in_nodes.size()));
  EXPECT_THAT(revisions(nodes_events), ElementsAreArray(want(in_nodes)));
  ExpectQuiet(*nodes);
}

// A watcher that is never read overflows its buffer and is dropped; a
// watcher read after every write keeps up; the writer never waits for either.
TEST_P(StoreWatchTest, SlowWatcherIsDroppedWhileFastWatcherKeepsUp) {
  constexpr size_t kLimit = 8;
  constexpr int kWrites = 100;
  ASSERT_NO_FATAL_FAILURE(Open({.watcher_buffer_limit = kLimit}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> slow, WatchBuilds(0));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> fast, WatchBuilds(0));

  std::vector<StoredObject> written;
  for (int i = 0; i < kWrites; ++i) {
    const ObjectKey key = BuildKey("ns", "o" + std::to_string(i));
    ASSERT_OK_AND_ASSIGN(StoredObject obj,
                         store().Create(key, MakeObject(key)));
    written.push_back(obj);
    ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events, NextEvents(*fast, 1));
    ASSERT_THAT(events, ElementsAre(IsEvent(WatchEventType::kAdded, obj)))
        << "write " << i;
  }
  ExpectQuiet(*fast);

  // The slow watcher yields an in-order prefix of the history, then
  // ResourcesExhausted.
  std::vector<WatchEvent> prefix;
  Status end;
  for (;;) {
    StatusOr<std::optional<WatchEvent>> next = slow->Next(kEventDeadline);
    if (!next.ok()) {
      end = next.status();
      break;
    }
    ASSERT_TRUE(next->has_value()) << "slow watcher stalled, not dropped";
    prefix.push_back(std::move(**next));
    ASSERT_LT(prefix.size(), static_cast<size_t>(kWrites))
        << "slow watcher was never dropped";
  }
  EXPECT_THAT(end, StatusIs(StatusCode::kResourcesExhausted));
  for (size_t i = 0; i < prefix.size(); ++i) {
    EXPECT_THAT(prefix[i], IsEvent(WatchEventType::kAdded, written[i]));
  }
  const int64_t resume_at = prefix.empty() ? 0 : prefix.back().object.revision;
  EXPECT_EQ(slow->LastRevision(), resume_at);

  // Resuming from LastRevision() (read as it arrives) yields the rest.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> resumed,
                       WatchBuilds(resume_at));
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> rest,
                       NextEvents(*resumed, written.size() - prefix.size()));
  for (size_t i = 0; i < rest.size(); ++i) {
    EXPECT_THAT(rest[i],
                IsEvent(WatchEventType::kAdded, written[prefix.size() + i]));
  }
  ExpectQuiet(*resumed);
}

TEST_P(StoreWatchTest, SetNotifyIsCalledWhenAnEventArrives) {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  // Declared after what the callback uses, so it is destroyed first.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher,
                       WatchBuilds(store().CurrentRevision()));
  watcher->SetNotify([&] {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    cv.notify_all();
  });

  const ObjectKey a = BuildKey("ns", "a");
  ASSERT_OK_AND_ASSIGN(StoredObject a1, store().Create(a, MakeObject(a)));

  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kEventDeadline, [&] { return calls > 0; }))
        << "notify callback never called";
  }
  // After the notification the event is there without waiting.
  StatusOr<std::optional<WatchEvent>> next =
      watcher->Next(std::chrono::milliseconds(0));
  ASSERT_THAT(next, IsOk());
  ASSERT_TRUE(next->has_value());
  EXPECT_THAT(**next, IsEvent(WatchEventType::kAdded, a1));
  watcher->Cancel();
}

TEST_P(StoreWatchTest, HistorySurvivesReopen) {
  std::vector<StoredObject> written;
  for (int i = 0; i < 4; ++i) {
    const ObjectKey key = BuildKey("ns", "o" + std::to_string(i));
    ASSERT_OK_AND_ASSIGN(StoredObject obj,
                         store().Create(key, MakeObject(key)));
    written.push_back(obj);
  }
  ASSERT_OK_AND_ASSIGN(StoredObject gone,
                       store().Delete(written[1].key, std::nullopt));

  ASSERT_NO_FATAL_FAILURE(Open());

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher,
                       WatchBuilds(written[0].revision));
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events, NextEvents(*watcher, 4));
  EXPECT_THAT(events, ElementsAre(IsEvent(WatchEventType::kAdded, written[1]),
                                  IsEvent(WatchEventType::kAdded, written[2]),
                                  IsEvent(WatchEventType::kAdded, written[3]),
                                  IsEvent(WatchEventType::kDeleted, gone)));
  // New writes after the reopen continue the same stream.
  const ObjectKey key = BuildKey("ns", "after");
  ASSERT_OK_AND_ASSIGN(StoredObject after,
                       store().Create(key, MakeObject(key)));
  EXPECT_GT(after.revision, gone.revision);
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> more, NextEvents(*watcher, 1));
  EXPECT_THAT(more, ElementsAre(IsEvent(WatchEventType::kAdded, after)));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreWatchTest,
                         ::testing::ValuesIn(AllStoreBackends()),
                         StoreBackendName);

}  // namespace
}  // namespace kiln
