#include "controller/runtime/controller.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "controller/runtime/reconcile_scope.h"
#include "tests/controller/runtime/runtime_test_util.h"
#include "tests/fakes/fake_clock.h"

namespace kiln {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

ControllerOptions BuildsController() {
  ControllerOptions options;
  options.name = "test";
  options.informer.scope = AllNamespaces("builds");
  options.informer.poll_interval = milliseconds(10);
  options.queue.clock_poll_interval = milliseconds(2);
  return options;
}

// A Reconciler whose behaviour per call is set by the test. Records calls
// and checks that one key is never reconciled twice at once. Thread-safe.
class TestReconciler final : public Reconciler {
 public:
  using Behaviour =
      std::function<StatusOr<ReconcileResult>(const ObjectKey&, int call)>;

  explicit TestReconciler(Behaviour behaviour = nullptr)
      : behaviour_(std::move(behaviour)) {}

  StatusOr<ReconcileResult> Reconcile(const ObjectKey& key) override {
    int call;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!in_flight_.insert(key).second) overlap_ = true;
      call = ++calls_[key];
    }
    StatusOr<ReconcileResult> result =
        behaviour_ ? behaviour_(key, call) : ReconcileResult{};
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_.erase(key);
    return result;
  }

  int Calls(const ObjectKey& key) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = calls_.find(key);
    return it == calls_.end() ? 0 : it->second;
  }
  bool overlap() const {
    std::lock_guard<std::mutex> lock(mu_);
    return overlap_;
  }

 private:
  const Behaviour behaviour_;
  mutable std::mutex mu_;
  std::map<ObjectKey, int> calls_;
  std::set<ObjectKey> in_flight_;
  bool overlap_ = false;
};

TEST(ControllerTest, ReconcilesExistingAndNewObjectsAfterSync) {
  TestStore store;
  FakeClock clock;
  const ObjectKey a = BuildKey("x", "a");
  const ObjectKey b = BuildKey("x", "b");
  ASSERT_OK(store->Create(a, MakeObject(a)).status());
  ASSERT_OK(store->Create(b, MakeObject(b)).status());

  Controller* controller_ptr = nullptr;
  std::atomic<bool> saw_unsynced_cache{false};
  std::atomic<bool> saw_wrong_scope{false};
  TestReconciler reconciler([&](const ObjectKey& key, int) {
    // Every reconcile runs in a scope naming it (for log lines).
    const ReconcileContext* r = CurrentReconcile();
    if (r == nullptr || r->controller != "test" ||
        r->object != key.namespace_ + "/" + key.name || r->id == 0) {
      saw_wrong_scope = true;
    }
    // Workers start only after the sync: the whole initial list is cached.
    const Informer& informer = controller_ptr->informer();
    if (!informer.HasSynced() || informer.List().size() < 2) {
      saw_unsynced_cache = true;
    }
    return StatusOr<ReconcileResult>(ReconcileResult{});
  });
  Controller controller(*store, clock, reconciler, BuildsController());
  controller_ptr = &controller;
  ASSERT_OK(controller.Start());
  ASSERT_TRUE(Eventually(
      [&] { return reconciler.Calls(a) == 1 && reconciler.Calls(b) == 1; }));

  const ObjectKey c = BuildKey("y", "c");
  ASSERT_OK(store->Create(c, MakeObject(c)).status());
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls(c) == 1; }));
  ASSERT_OK(store->Update(c, MakeObject(c, {}, 1), std::nullopt).status());
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls(c) == 2; }));
  ASSERT_OK(store->Delete(c, std::nullopt).status());
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls(c) == 3; }));
  EXPECT_EQ(controller.Start().code(), StatusCode::kFailedPrecondition);
  controller.Stop();
  EXPECT_FALSE(saw_unsynced_cache);
  EXPECT_FALSE(saw_wrong_scope);
}

TEST(ControllerTest, RetriesAnErroringReconcilerWithBackoff) {
  TestStore store;
  FakeClock clock;
  const ObjectKey key = BuildKey("x", "flaky");
  constexpr int kFailures = 4;
  TestReconciler reconciler([&](const ObjectKey&, int call) {
    if (call <= kFailures) {
      return StatusOr<ReconcileResult>(UnavailableError("not yet"));
    }
    return StatusOr<ReconcileResult>(ReconcileResult{});
  });
  ControllerOptions options = BuildsController();
  options.workers = 2;
  Controller controller(*store, clock, reconciler, options);
  ASSERT_OK(controller.Start());
  ASSERT_TRUE(controller.informer().WaitForSync(kDeadline));
  ASSERT_OK(store->Create(key, MakeObject(key)).status());

  // Each retry waits for its backoff (5, 10, 20, 40 ms) on the clock.
  for (int call = 1; call <= kFailures; ++call) {
    ASSERT_TRUE(Eventually([&] { return reconciler.Calls(key) == call; }))
        << "call " << call;
    // The worker schedules the retry after the reconcile returns: advance
    // the clock only once the key waits for its backoff.
    ASSERT_TRUE(Eventually([&] {
      return controller.queue().NumWaiting() == 1;
    })) << "retry not scheduled, call "
        << call;
    const milliseconds backoff = milliseconds(5) * (1 << (call - 1));
    clock.Advance(backoff - milliseconds(1));
    EXPECT_TRUE(StaysFalse([&] { return reconciler.Calls(key) > call; }))
        << "retried before its backoff, call " << call;
    clock.Advance(milliseconds(1));
  }
  ASSERT_TRUE(
      Eventually([&] { return reconciler.Calls(key) == kFailures + 1; }));
  // Success forgets the backoff: nothing more happens, however long.
  clock.Advance(std::chrono::hours(1));
  EXPECT_TRUE(
      StaysFalse([&] { return reconciler.Calls(key) > kFailures + 1; }));
  controller.Stop();
}

TEST(ControllerTest, HonoursRequeueAfter) {
  TestStore store;
  FakeClock clock;
  const ObjectKey key = BuildKey("x", "waiting");
  TestReconciler reconciler([&](const ObjectKey&, int call) {
    ReconcileResult result;
    if (call == 1) result.requeue_after = seconds(30);
    return StatusOr<ReconcileResult>(result);
  });
  Controller controller(*store, clock, reconciler, BuildsController());
  ASSERT_OK(controller.Start());
  ASSERT_OK(store->Create(key, MakeObject(key)).status());
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls(key) == 1; }));
  clock.Advance(seconds(29));
  EXPECT_TRUE(StaysFalse([&] { return reconciler.Calls(key) > 1; }));
  clock.Advance(seconds(1));
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls(key) == 2; }));
  clock.Advance(std::chrono::hours(1));
  EXPECT_TRUE(StaysFalse([&] { return reconciler.Calls(key) > 2; }));
  controller.Stop();
}

TEST(ControllerTest, EnqueueReconcilesAKeyWithoutAnObject) {
  TestStore store;
  FakeClock clock;
  TestReconciler reconciler;
  Controller controller(*store, clock, reconciler, BuildsController());
  ASSERT_OK(controller.Start());
  const ObjectKey key = BuildKey("x", "absent");
  controller.Enqueue(key);
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls(key) == 1; }));
  controller.Stop();
}

TEST(ControllerTest, NeverReconcilesOneKeyConcurrently) {
  TestStore store;
  FakeClock clock;
  const ObjectKey key = BuildKey("x", "hot");
  ASSERT_OK(store->Create(key, MakeObject(key)).status());
  TestReconciler reconciler([](const ObjectKey&, int) {
    std::this_thread::sleep_for(milliseconds(1));  // widen the window
    return StatusOr<ReconcileResult>(ReconcileResult{});
  });
  ControllerOptions options = BuildsController();
  options.workers = 4;
  Controller controller(*store, clock, reconciler, options);
  ASSERT_OK(controller.Start());
  for (int i = 0; i < 50; ++i) {
    controller.Enqueue(key);
    ASSERT_OK(
        store->Update(key, MakeObject(key, {}, i), std::nullopt).status());
  }
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls(key) >= 2; }));
  controller.Stop();
  EXPECT_FALSE(reconciler.overlap());
}

TEST(ControllerTest, StopLetsInFlightReconcilesFinish) {
  TestStore store;
  FakeClock clock;
  const ObjectKey key = BuildKey("x", "slow");
  ASSERT_OK(store->Create(key, MakeObject(key)).status());
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  bool release = false;
  std::atomic<bool> finished{false};
  TestReconciler reconciler([&](const ObjectKey&, int) {
    std::unique_lock<std::mutex> lock(mu);
    started = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    finished = true;
    return StatusOr<ReconcileResult>(ReconcileResult{});
  });
  Controller controller(*store, clock, reconciler, BuildsController());
  ASSERT_OK(controller.Start());
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return started; }));
  }
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    controller.Stop();
    stopped = true;
  });
  EXPECT_TRUE(StaysFalse([&] { return stopped.load(); }));
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
    cv.notify_all();
  }
  stopper.join();
  EXPECT_TRUE(finished);
  EXPECT_EQ(reconciler.Calls(key), 1);
}

TEST(ControllerTest, StopBeforeSyncAndWithoutStartReturns) {
  TestStore store;
  FakeClock clock;
  TestReconciler reconciler;
  Controller never_started(*store, clock, reconciler, BuildsController());
  never_started.Stop();
  EXPECT_EQ(never_started.Start().code(), StatusCode::kFailedPrecondition);

  ControllerOptions bad = BuildsController();
  bad.workers = 0;
  Controller no_workers(*store, clock, reconciler, bad);
  EXPECT_EQ(no_workers.Start().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln
