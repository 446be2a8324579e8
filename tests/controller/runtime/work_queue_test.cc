#include "controller/runtime/work_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "controller/runtime/rate_limiter.h"
#include "tests/controller/runtime/runtime_test_util.h"
#include "tests/fakes/fake_clock.h"

namespace kiln {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

WorkQueueOptions FastPoll() {
  WorkQueueOptions options;
  options.clock_poll_interval = milliseconds(2);
  return options;
}

TEST(WorkQueueTest, AddDeduplicates) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.Add(BuildKey("ns", "a"));
  queue.Add(BuildKey("ns", "a"));
  queue.Add(BuildKey("ns", "b"));
  queue.Add(BuildKey("ns", "a"));
  EXPECT_EQ(queue.Len(), 2u);
  EXPECT_EQ(queue.Get(), BuildKey("ns", "a"));
  EXPECT_EQ(queue.Get(), BuildKey("ns", "b"));
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(WorkQueueTest, KeyAddedWhileProcessingIsQueuedAgainAtDone) {
  FakeClock clock;
  WorkQueue queue(clock);
  const ObjectKey key = BuildKey("ns", "a");
  queue.Add(key);
  ASSERT_EQ(queue.Get(), key);
  queue.Add(key);
  queue.Add(key);
  EXPECT_EQ(queue.Len(), 0u) << "a processing key must not be handed out";
  queue.Done(key);
  EXPECT_EQ(queue.Len(), 1u);
  EXPECT_EQ(queue.Get(), key);
  queue.Done(key);
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(WorkQueueTest, OneKeyNeverProcessedByTwoWorkersAtOnce) {
  FakeClock clock;
  WorkQueue queue(clock);
  const std::vector<ObjectKey> keys = {BuildKey("ns", "a"),
                                       BuildKey("ns", "b")};
  std::mutex mu;
  std::map<ObjectKey, int> in_flight;
  std::atomic<int> processed{0};
  std::atomic<bool> overlap{false};
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) {
    workers.emplace_back([&] {
      while (std::optional<ObjectKey> key = queue.Get()) {
        {
          std::lock_guard<std::mutex> lock(mu);
          if (++in_flight[*key] > 1) overlap = true;
        }
        std::this_thread::yield();
        {
          std::lock_guard<std::mutex> lock(mu);
          --in_flight[*key];
        }
        ++processed;
        queue.Done(*key);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) queue.Add(keys[i % 2]);
  ASSERT_TRUE(Eventually([&] { return queue.Len() == 0; }));
  queue.ShutDownWithDrain();
  for (std::thread& t : workers) t.join();
  EXPECT_FALSE(overlap);
  EXPECT_GE(processed.load(), 2);
}

TEST(WorkQueueTest, AddAfterWaitsForTheClock) {
  FakeClock clock;
  WorkQueue queue(clock, FastPoll());
  const ObjectKey key = BuildKey("ns", "a");
  queue.AddAfter(key, seconds(10));
  EXPECT_EQ(queue.NumWaiting(), 1u);
  EXPECT_TRUE(StaysFalse([&] { return queue.Len() > 0; }));
  clock.Advance(seconds(9));
  EXPECT_TRUE(StaysFalse([&] { return queue.Len() > 0; }));
  clock.Advance(seconds(1));
  ASSERT_TRUE(Eventually([&] { return queue.Len() == 1; }));
  EXPECT_EQ(queue.NumWaiting(), 0u);
  EXPECT_EQ(queue.Get(), key);
}

TEST(WorkQueueTest, AddAfterKeepsTheEarlierDueTime) {
  FakeClock clock;
  WorkQueue queue(clock, FastPoll());
  const ObjectKey key = BuildKey("ns", "a");
  queue.AddAfter(key, minutes(10));
  queue.AddAfter(key, seconds(1));
  queue.AddAfter(key, minutes(5));
  EXPECT_EQ(queue.NumWaiting(), 1u);
  clock.Advance(seconds(1));
  ASSERT_TRUE(Eventually([&] { return queue.Len() == 1; }));
  EXPECT_EQ(queue.NumWaiting(), 0u);
}

TEST(WorkQueueTest, AddAfterWithoutDelayAddsAtOnce) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddAfter(BuildKey("ns", "a"), milliseconds(0));
  EXPECT_EQ(queue.Len(), 1u);
}

TEST(WorkQueueTest, AddAfterWakesForAnEarlierKey) {
  // The delay thread is asleep on the later key when the earlier one comes.
  FakeClock clock;
  WorkQueue queue(clock, FastPoll());
  queue.AddAfter(BuildKey("ns", "late"), minutes(1));
  queue.AddAfter(BuildKey("ns", "early"), seconds(1));
  clock.Advance(seconds(1));
  ASSERT_TRUE(Eventually([&] { return queue.Len() == 1; }));
  EXPECT_EQ(queue.Get(), BuildKey("ns", "early"));
  EXPECT_EQ(queue.NumWaiting(), 1u);
}

TEST(ExponentialBackoffTest, DoublesUpToTheCapAndForgetResets) {
  ExponentialBackoff backoff(milliseconds(5), milliseconds(100));
  const ObjectKey a = BuildKey("ns", "a");
  const ObjectKey b = BuildKey("ns", "b");
  EXPECT_EQ(backoff.When(a), milliseconds(5));
  EXPECT_EQ(backoff.When(a), milliseconds(10));
  EXPECT_EQ(backoff.When(a), milliseconds(20));
  EXPECT_EQ(backoff.When(a), milliseconds(40));
  EXPECT_EQ(backoff.When(a), milliseconds(80));
  EXPECT_EQ(backoff.When(a), milliseconds(100));
  EXPECT_EQ(backoff.When(a), milliseconds(100));
  EXPECT_EQ(backoff.NumRequeues(a), 7);
  EXPECT_EQ(backoff.When(b), milliseconds(5)) << "backoff is per key";
  backoff.Forget(a);
  EXPECT_EQ(backoff.NumRequeues(a), 0);
  EXPECT_EQ(backoff.When(a), milliseconds(5));
}

TEST(ExponentialBackoffTest, LongStreakDoesNotOverflow) {
  ExponentialBackoff backoff(milliseconds(5), minutes(5));
  const ObjectKey a = BuildKey("ns", "a");
  std::chrono::nanoseconds last{0};
  for (int i = 0; i < 200; ++i) last = backoff.When(a);
  EXPECT_EQ(last, minutes(5));
}

TEST(WorkQueueTest, AddRateLimitedBacksOffOnTheClock) {
  FakeClock clock;
  WorkQueue queue(clock, FastPoll());
  const ObjectKey key = BuildKey("ns", "a");
  for (int attempt = 0; attempt < 4; ++attempt) {
    queue.AddRateLimited(key);
    EXPECT_EQ(queue.NumRequeues(key), attempt + 1);
    const milliseconds delay = milliseconds(5) * (1 << attempt);
    clock.Advance(delay - milliseconds(1));
    EXPECT_TRUE(StaysFalse([&] { return queue.Len() > 0; }))
        << "attempt " << attempt;
    clock.Advance(milliseconds(1));
    ASSERT_TRUE(Eventually([&] { return queue.Len() == 1; }))
        << "attempt " << attempt;
    ASSERT_EQ(queue.Get(), key);
    queue.Done(key);
  }
  queue.Forget(key);
  EXPECT_EQ(queue.NumRequeues(key), 0);
  queue.AddRateLimited(key);
  clock.Advance(milliseconds(5));
  EXPECT_TRUE(Eventually([&] { return queue.Len() == 1; }));
}

TEST(WorkQueueTest, ShutDownReleasesEveryBlockedGet) {
  FakeClock clock;
  WorkQueue queue(clock);
  std::atomic<int> returned{0};
  std::vector<std::thread> getters;
  for (int i = 0; i < 3; ++i) {
    getters.emplace_back([&] {
      EXPECT_EQ(queue.Get(), std::nullopt);
      ++returned;
    });
  }
  EXPECT_TRUE(StaysFalse([&] { return returned > 0; }));
  queue.ShutDown();
  for (std::thread& t : getters) t.join();
  EXPECT_EQ(returned.load(), 3);
  EXPECT_TRUE(queue.ShuttingDown());
}

TEST(WorkQueueTest, AddsAfterShutDownAreIgnored) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.Add(BuildKey("ns", "queued"));
  queue.ShutDown();
  queue.Add(BuildKey("ns", "a"));
  queue.AddAfter(BuildKey("ns", "b"), seconds(1));
  queue.AddRateLimited(BuildKey("ns", "c"));
  EXPECT_EQ(queue.NumWaiting(), 0u);
  EXPECT_EQ(queue.Get(), std::nullopt) << "queued keys are dropped";
}

TEST(WorkQueueTest, ShutDownWithDrainWaitsForKeysBeingProcessed) {
  FakeClock clock;
  WorkQueue queue(clock);
  const ObjectKey key = BuildKey("ns", "a");
  queue.Add(key);
  ASSERT_EQ(queue.Get(), key);
  std::atomic<bool> drained{false};
  std::thread drainer([&] {
    queue.ShutDownWithDrain();
    drained = true;
  });
  ASSERT_TRUE(Eventually([&] { return queue.ShuttingDown(); }));
  EXPECT_TRUE(StaysFalse([&] { return drained.load(); }));
  queue.Add(key);  // ignored: shutting down
  queue.Done(key);
  drainer.join();
  EXPECT_TRUE(drained);
  EXPECT_EQ(queue.Get(), std::nullopt);
}

}  // namespace
}  // namespace kiln
