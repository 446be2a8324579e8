// EventRecorder against the real SQLite store: de-duplication by count,
// asynchronous writes with Flush, pruning by TTL and by number.
#include "controller/events/event_recorder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_types/event_json.h"
#include "tests/controller/store/store_test_util.h"
#include "tests/fakes/fake_clock.h"

namespace kiln {
namespace {

class EventRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStoreOptions options;
    options.path = (dir_.path() / "kiln.db").string();
    ASSERT_OK_AND_ASSIGN(store_, SqliteStore::Open(options));
  }

  std::vector<Event> Events(const std::string& ns = "default") {
    ListOptions o;
    o.scope = ResourceScope{"events", ns};
    StatusOr<ListResult> list = store_->List(o);
    EXPECT_OK(list);
    std::vector<Event> out;
    for (const StoredObject& obj : list->items) {
      StatusOr<Event> e = EventFromJson(obj.value);
      EXPECT_OK(e);
      if (e.ok()) out.push_back(*e);
    }
    return out;
  }

  static Build NamedBuild(const std::string& name) {
    Build b;
    b.metadata.name = name;
    b.metadata.namespace_ = "default";
    b.metadata.uid = "uid-" + name;
    return b;
  }

  ScopedTempDir dir_;
  FakeClock clock_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(EventRecorderTest, SameEventTwiceIsCountedNotDuplicated) {
  EventRecorder events(*store_, clock_);
  events.Record(NamedBuild("a"), kEventNormal, "Ready", "pushed x");
  clock_.Advance(std::chrono::seconds(5));
  events.Record(NamedBuild("a"), kEventNormal, "Ready", "pushed x");
  events.Record(NamedBuild("a"), kEventWarning, "Failed", "BuildError: y");
  events.Flush();
  std::vector<Event> got = Events();
  ASSERT_EQ(got.size(), 2u);
  const Event& ready = got[0].reason == "Ready" ? got[0] : got[1];
  EXPECT_EQ(ready.count, 2);
  EXPECT_EQ(ready.type, "Normal");
  EXPECT_EQ(ready.involved_object.name, "a");
  EXPECT_EQ(ready.involved_object.uid, "uid-a");
  EXPECT_EQ(ready.involved_object.kind, "Build");
  ASSERT_TRUE(ready.first_timestamp && ready.last_timestamp);
  EXPECT_EQ(*ready.last_timestamp - *ready.first_timestamp,
            std::chrono::seconds(5));
}

TEST_F(EventRecorderTest, NamesAreDeterministicAndPerObject) {
  EXPECT_EQ(EventRecorder::EventName("a", "u", "Normal", "Ready", "m"),
            EventRecorder::EventName("a", "u", "Normal", "Ready", "m"));
  EXPECT_NE(EventRecorder::EventName("a", "u", "Normal", "Ready", "m"),
            EventRecorder::EventName("a", "u2", "Normal", "Ready", "m"));
  EXPECT_THAT(EventRecorder::EventName("a", "u", "Normal", "Ready", "m"),
              ::testing::StartsWith("a."));
}

TEST_F(EventRecorderTest, PruneDropsOldAndExcessEvents) {
  EventRecorderOptions options;
  options.ttl = std::chrono::minutes(10);
  options.max_per_namespace = 3;
  EventRecorder events(*store_, clock_, options);
  events.Record(NamedBuild("old"), kEventNormal, "Ready", "m");
  events.Flush();
  clock_.Advance(std::chrono::minutes(11));
  for (int i = 0; i < 5; ++i) {
    events.Record(NamedBuild("b" + std::to_string(i)), kEventNormal, "Ready",
                  "m");
    events.Flush();
    clock_.Advance(std::chrono::seconds(1));
  }
  ASSERT_OK_AND_ASSIGN(size_t pruned, events.Prune());
  EXPECT_EQ(pruned, 3u);  // the expired one, then the two oldest of five
  std::vector<std::string> names;
  for (const Event& e : Events()) names.push_back(e.involved_object.name);
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("b2", "b3", "b4"));
}

TEST_F(EventRecorderTest, FullQueueDropsInsteadOfBlocking) {
  EventRecorderOptions options;
  options.max_queued = 1;
  EventRecorder events(*store_, clock_, options);
  for (int i = 0; i < 200; ++i) {
    events.Record(NamedBuild("n" + std::to_string(i)), kEventNormal, "Ready",
                  "m");
  }
  events.Flush();
  const size_t stored = Events().size();
  EXPECT_GE(stored, 1u);
  EXPECT_LT(stored, 200u);
}

}  // namespace
}  // namespace kiln
