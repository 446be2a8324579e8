#include "controller/runtime/informer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "tests/controller/runtime/runtime_test_util.h"
#include "tests/fakes/fake_clock.h"

namespace kiln {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::string Rev(int64_t revision) { return std::to_string(revision); }

InformerOptions BuildsInformer() {
  InformerOptions options;
  options.scope = AllNamespaces("builds");
  options.page_size = 2;  // several pages even for small tests
  options.poll_interval = milliseconds(10);
  return options;
}

std::vector<std::string> CachedPaths(const Informer& informer) {
  std::vector<std::string> paths;
  for (const ObjectPtr& obj : informer.List()) {
    paths.push_back(obj->key.Path() + "@" + Rev(obj->revision));
  }
  return paths;
}

TEST(InformerTest, SyncsTheInitialListInPagesAndReportsAdds) {
  TestStore store;
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(
      StoredObject a,
      store->Create(BuildKey("x", "a"), MakeObject(BuildKey("x", "a"))));
  ASSERT_OK_AND_ASSIGN(
      StoredObject b,
      store->Create(BuildKey("y", "b"), MakeObject(BuildKey("y", "b"))));
  ASSERT_OK_AND_ASSIGN(
      StoredObject c,
      store->Create(BuildKey("y", "c"), MakeObject(BuildKey("y", "c"))));
  ASSERT_OK(store->Create(NodeKey("n"), MakeObject(NodeKey("n"))).status());

  Informer informer(*store, clock, BuildsInformer());
  EventLog log;
  ASSERT_OK(informer.AddEventHandlers(log.Handlers()));
  EXPECT_FALSE(informer.HasSynced());
  ASSERT_OK(informer.Start());
  ASSERT_TRUE(informer.WaitForSync(kDeadline));

  EXPECT_THAT(log.events(), ElementsAre("add /builds/x/a@" + Rev(a.revision),
                                        "add /builds/y/b@" + Rev(b.revision),
                                        "add /builds/y/c@" + Rev(c.revision)))
      << "every initial add has run once HasSynced()";
  EXPECT_THAT(CachedPaths(informer),
              ElementsAre("/builds/x/a@" + Rev(a.revision),
                          "/builds/y/b@" + Rev(b.revision),
                          "/builds/y/c@" + Rev(c.revision)));
  ASSERT_NE(informer.Get(BuildKey("y", "b")), nullptr);
  EXPECT_EQ(informer.Get(BuildKey("y", "b"))->value, b.value);
  EXPECT_EQ(informer.Get(NodeKey("n")), nullptr);
  EXPECT_EQ(informer.ListCount(), 1);
  EXPECT_EQ(informer.AddEventHandlers({}).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(informer.Start().code(), StatusCode::kFailedPrecondition);
  informer.Stop();
}

TEST(InformerTest, ReportsAddUpdateDeleteFromTheWatch) {
  TestStore store;
  FakeClock clock;
  InformerOptions options = BuildsInformer();
  options.scope = InNamespace("builds", "x");
  Informer informer(*store, clock, options);
  EventLog log;
  ASSERT_OK(informer.AddEventHandlers(log.Handlers()));
  ASSERT_OK(informer.Start());
  ASSERT_TRUE(informer.WaitForSync(kDeadline));
  EXPECT_THAT(log.events(), IsEmpty());

  const ObjectKey key = BuildKey("x", "a");
  ASSERT_OK_AND_ASSIGN(StoredObject created,
                       store->Create(key, MakeObject(key)));
  ASSERT_OK(
      store->Create(BuildKey("other", "a"), MakeObject(BuildKey("other", "a")))
          .status());
  ASSERT_OK_AND_ASSIGN(
      StoredObject updated,
      store->Update(key, MakeObject(key, {}, 1), std::nullopt));
  ASSERT_TRUE(Eventually([&] {
    ObjectPtr cached = informer.Get(key);
    return cached && cached->revision == updated.revision;
  }));
  ObjectPtr snapshot = informer.Get(key);
  ASSERT_OK_AND_ASSIGN(StoredObject deleted, store->Delete(key, std::nullopt));
  ASSERT_TRUE(Eventually([&] { return log.size() == 3; }));

  EXPECT_THAT(log.events(),
              ElementsAre("add /builds/x/a@" + Rev(created.revision),
                          "update /builds/x/a@" + Rev(created.revision) + "->" +
                              Rev(updated.revision),
                          "delete /builds/x/a@" + Rev(deleted.revision)));
  EXPECT_EQ(informer.Get(key), nullptr);
  EXPECT_THAT(informer.List(), IsEmpty());
  // A snapshot handed out earlier is unaffected by later changes.
  EXPECT_EQ(snapshot->value["spec"]["v"], 1);
  EXPECT_EQ(informer.LastSyncRevision(), deleted.revision);
  informer.Stop();
}

TEST(InformerTest, ResyncRedeliversEveryObjectOnTheClock) {
  TestStore store;
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(
      StoredObject a,
      store->Create(BuildKey("x", "a"), MakeObject(BuildKey("x", "a"))));
  ASSERT_OK_AND_ASSIGN(
      StoredObject b,
      store->Create(BuildKey("x", "b"), MakeObject(BuildKey("x", "b"))));
  InformerOptions options = BuildsInformer();
  options.resync_period = minutes(1);
  Informer informer(*store, clock, options);
  EventLog log;
  ASSERT_OK(informer.AddEventHandlers(log.Handlers()));
  ASSERT_OK(informer.Start());
  ASSERT_TRUE(informer.WaitForSync(kDeadline));
  EXPECT_TRUE(StaysFalse([&] { return log.size() > 2; }));

  clock.Advance(minutes(1));
  ASSERT_TRUE(Eventually([&] { return log.size() == 4; }));
  EXPECT_THAT(
      log.events(),
      ElementsAre(
          "add /builds/x/a@" + Rev(a.revision),
          "add /builds/x/b@" + Rev(b.revision),
          "update /builds/x/a@" + Rev(a.revision) + "->" + Rev(a.revision),
          "update /builds/x/b@" + Rev(b.revision) + "->" + Rev(b.revision)));
  EXPECT_TRUE(StaysFalse([&] { return log.size() > 4; }));
  clock.Advance(minutes(1));
  EXPECT_TRUE(Eventually([&] { return log.size() == 6; }));
  informer.Stop();
}

// The watch is dropped (the informer fell behind) and the history it would
// resume from is compacted: the informer must list again and report what
// changed meanwhile, deletions included.
TEST(InformerTest, RelistsAfterCompactionAndReportsMissedDeletes) {
  constexpr size_t kBufferLimit = 4;
  TestStore store(kBufferLimit);
  FakeClock clock;
  const ObjectKey gone = BuildKey("x", "gone");
  const ObjectKey changed = BuildKey("x", "changed");
  const ObjectKey kept = BuildKey("x", "kept");
  const ObjectKey blocker = BuildKey("x", "blocker");
  ASSERT_OK_AND_ASSIGN(StoredObject gone_v0,
                       store->Create(gone, MakeObject(gone)));
  ASSERT_OK_AND_ASSIGN(StoredObject changed_v0,
                       store->Create(changed, MakeObject(changed)));
  ASSERT_OK_AND_ASSIGN(StoredObject kept_v0,
                       store->Create(kept, MakeObject(kept)));

  // The handler blocks on `blocker` until released, so the informer stops
  // reading its watch.
  std::mutex mu;
  std::condition_variable cv;
  bool blocked = false;
  bool released = false;
  Informer informer(*store, clock, BuildsInformer());
  EventLog log;
  ASSERT_OK(informer.AddEventHandlers(log.Handlers()));
  EventHandlers blocking;
  blocking.on_add = [&](const ObjectPtr& obj) {
    if (obj->key != blocker) return;
    std::unique_lock<std::mutex> lock(mu);
    blocked = true;
    cv.notify_all();
    cv.wait(lock, [&] { return released; });
  };
  ASSERT_OK(informer.AddEventHandlers(std::move(blocking)));
  ASSERT_OK(informer.Start());
  ASSERT_TRUE(informer.WaitForSync(kDeadline));
  ASSERT_OK(store->Create(blocker, MakeObject(blocker)).status());
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return blocked; }));
  }

  // Overflow the watcher's buffer, then change things it will never see.
  std::vector<StoredObject> fillers;
  for (size_t i = 0; i <= kBufferLimit; ++i) {
    const ObjectKey key = BuildKey("x", "filler" + std::to_string(i));
    ASSERT_OK_AND_ASSIGN(StoredObject filler,
                         store->Create(key, MakeObject(key)));
    fillers.push_back(filler);
  }
  ASSERT_OK(store->Delete(gone, std::nullopt).status());
  ASSERT_OK_AND_ASSIGN(
      StoredObject changed_v1,
      store->Update(changed, MakeObject(changed, {}, 1), std::nullopt));
  ASSERT_OK(store->Compact(store->CurrentRevision()));
  {
    std::lock_guard<std::mutex> lock(mu);
    released = true;
    cv.notify_all();
  }

  ASSERT_TRUE(Eventually([&] { return informer.Get(gone) == nullptr; }));
  ASSERT_TRUE(Eventually(
      [&] { return informer.LastSyncRevision() >= changed_v1.revision; }));
  EXPECT_GE(informer.ListCount(), 2);
  // Handlers run after the cache is updated, so their events may trail the
  // cache state the waits above saw.
  // The deletion is reported with the last state the cache had.
  EXPECT_TRUE(Eventually([&] {
    return log.Contains("delete /builds/x/gone@" + Rev(gone_v0.revision));
  })) << ::testing::PrintToString(log.events());
  EXPECT_TRUE(Eventually([&] {
    return log.Contains("update /builds/x/changed@" + Rev(changed_v0.revision) +
                        "->" + Rev(changed_v1.revision));
  })) << ::testing::PrintToString(log.events());
  for (const StoredObject& filler : fillers) {
    EXPECT_TRUE(Eventually([&] {
      return log.Contains("add " + filler.key.Path() + "@" +
                          Rev(filler.revision));
    })) << filler.key.Path();
  }
  EXPECT_FALSE(log.Contains("update /builds/x/kept@" + Rev(kept_v0.revision) +
                            "->" + Rev(kept_v0.revision)))
      << "unchanged objects are not reported";
  // The cache matches the store.
  ASSERT_OK_AND_ASSIGN(ListResult listed,
                       store->List(ListOf(AllNamespaces("builds"))));
  std::vector<std::string> expected;
  for (const StoredObject& obj : listed.items) {
    expected.push_back(obj.key.Path() + "@" + Rev(obj.revision));
  }
  EXPECT_EQ(CachedPaths(informer), expected);
  informer.Stop();
}

TEST(InformerTest, StopIsPromptAndWaitForSyncReturnsFalseAfterStop) {
  TestStore store;
  FakeClock clock;
  InformerOptions options = BuildsInformer();
  options.poll_interval = minutes(10);  // Stop must cancel the watch itself
  Informer informer(*store, clock, options);
  ASSERT_OK(informer.Start());
  ASSERT_TRUE(informer.WaitForSync(kDeadline));
  informer.Stop();  // would hang for 10 minutes without the cancel
  informer.Stop();  // idempotent

  Informer never_started(*store, clock, options);
  never_started.Stop();
  EXPECT_FALSE(never_started.WaitForSync(kDeadline));
}

}  // namespace
}  // namespace kiln
