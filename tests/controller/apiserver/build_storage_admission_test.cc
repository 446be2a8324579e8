// Capacity admission through BuildStorage::Create: fits, does not fit now
// (503 material), can never fit (422 material), and the concurrent-create
// test the design exists for (no TOCTOU).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "api_types/node_json.h"
#include "controller/apiserver/retry_after.h"
#include "tests/controller/apiserver/storage_test_util.h"

namespace kiln {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::Ge;
using ::testing::HasSubstr;
using ::testing::Le;

class BuildStorageAdmissionTest : public RegistryTest {};

TEST_F(BuildStorageAdmissionTest, ChargesTheNode) {
  MustCreate("a", 2, 1024);
  MustCreate("b", 3, 2048);
  EXPECT_EQ(Allocated(), (NodeResources{5, 3072, 2}));
}

TEST_F(BuildStorageAdmissionTest, DoesNotFitNowWritesNothing) {
  MustCreate("a", 7, 1024);
  const int64_t before = store().CurrentRevision();
  StatusOr<BuildWriteResult> result =
      builds().Create("default", BuildBody("b", 2, 1024), {});
  ASSERT_THAT(result, StatusIs(StatusCode::kResourcesExhausted,
                               HasSubstr("insufficient capacity")));
  const ErrorDetails* details = result.status().details();
  ASSERT_NE(details, nullptr);
  ASSERT_TRUE(details->retry_after_seconds.has_value());
  EXPECT_THAT(*details->retry_after_seconds,
              AllOf(Ge(kMinRetryAfterSeconds), Le(kMaxRetryAfterSeconds)));
  EXPECT_THAT(
      details->causes,
      ElementsAre(AllOf(Field(&ErrorCause::reason, "ResourcesExhausted"),
                        Field(&ErrorCause::message,
                              "requested cpus=2 memoryMiB=1024; free cpus=1 "
                              "memoryMiB=15360 builds=3 of 4"),
                        Field(&ErrorCause::field, ""))));
  EXPECT_EQ(store().CurrentRevision(), before);
  EXPECT_THAT(builds().Get("default", "b"), StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(Allocated(), (NodeResources{7, 1024, 1}));
}

TEST_F(BuildStorageAdmissionTest, BuildSlotsAreCapacityToo) {
  for (const char* name : {"a", "b", "c", "d"}) MustCreate(name);
  StatusOr<BuildWriteResult> result =
      builds().Create("default", BuildBody("e"), {});
  ASSERT_THAT(result, StatusIs(StatusCode::kResourcesExhausted));
  EXPECT_THAT(result.status().details()->causes[0].message,
              HasSubstr("builds=0 of 4"));
}

TEST_F(BuildStorageAdmissionTest, RetryAfterFollowsRunningBuilds) {
  // One build running for 290 s with a 600 s timeout and no history: its
  // expected release is at 300 s (timeout / 2), 10 s from now.
  MustCreate("a", 8, 1024);
  clock_.Advance(std::chrono::seconds(290));
  StatusOr<BuildWriteResult> result =
      builds().Create("default", BuildBody("b", 1, 1024), {});
  ASSERT_THAT(result, StatusIs(StatusCode::kResourcesExhausted));
  EXPECT_EQ(result.status().details()->retry_after_seconds, 10);
}

// Issue 12 "Retry-After that clients can trust": a restarted kilnd answers
// from the stored history, not from half the timeout (300 s).
TEST_F(BuildStorageAdmissionTest, RetryAfterHistorySurvivesARestart) {
  MustCreate("done", 8, 1024);
  Finish("done", BuildPhase::kReady, /*duration_ms=*/5000);
  BuildStorageOptions options;
  options.node_name = kTestNode;
  options.image_registry = "127.0.0.1:5000";
  BuildStorage restarted(store(), clock_, options);
  ASSERT_OK(restarted.LoadRecentDurations());
  ASSERT_OK(restarted.Create("default", BuildBody("a", 8, 1024), {}));
  clock_.Advance(std::chrono::seconds(1));
  StatusOr<BuildWriteResult> result =
      restarted.Create("default", BuildBody("b", 1, 1024), {});
  ASSERT_THAT(result, StatusIs(StatusCode::kResourcesExhausted));
  EXPECT_EQ(result.status().details()->retry_after_seconds, 4);
  // Without the history the same question gets the cap.
  BuildStorage forgetful(store(), clock_, options);
  result = forgetful.Create("default", BuildBody("b", 1, 1024), {});
  EXPECT_EQ(result.status().details()->retry_after_seconds,
            kMaxRetryAfterSeconds);
}

TEST_F(BuildStorageAdmissionTest, RetryAfterLearnsFromFinishedBuilds) {
  MustCreate("done", 8, 1024);
  Finish("done", BuildPhase::kReady, /*duration_ms=*/40000);
  MustCreate("a", 8, 1024);
  clock_.Advance(std::chrono::seconds(10));
  StatusOr<BuildWriteResult> result =
      builds().Create("default", BuildBody("b", 1, 1024), {});
  ASSERT_THAT(result, StatusIs(StatusCode::kResourcesExhausted));
  EXPECT_EQ(result.status().details()->retry_after_seconds, 30);
}

TEST_F(BuildStorageAdmissionTest, CanNeverFitNamesTheField) {
  const int64_t before = store().CurrentRevision();
  StatusOr<BuildWriteResult> result =
      builds().Create("default", BuildBody("big", 9, 1024), {});
  ASSERT_THAT(result, StatusIs(StatusCode::kInvalidArgument,
                               "spec.resources.cpus: must be <= 8 (the "
                               "node's capacity)"));
  EXPECT_THAT(result.status().details()->causes,
              ElementsAre(Field(&ErrorCause::field, "spec.resources.cpus")));
  EXPECT_EQ(store().CurrentRevision(), before);

  EXPECT_THAT(
      builds().Create("default", BuildBody("big", 1, 32768), {}),
      StatusIs(StatusCode::kInvalidArgument,
               HasSubstr("spec.resources.memoryMiB: must be <= 16384")));
}

TEST_F(BuildStorageAdmissionTest, CanNeverFitWinsOverFull) {
  MustCreate("a", 8, 1024);
  EXPECT_THAT(builds().Create("default", BuildBody("big", 9, 1024), {}),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(BuildStorageAdmissionTest, DryRunChecksCapacity) {
  MustCreate("a", 8, 1024);
  WriteOptions options;
  options.dry_run = true;
  EXPECT_THAT(builds().Create("default", BuildBody("b"), options),
              StatusIs(StatusCode::kResourcesExhausted));
}

TEST_F(BuildStorageAdmissionTest, UnregisteredNodeIsUnavailable) {
  BuildStorageOptions options;
  options.node_name = "node-z";
  BuildStorage registry(store(), clock_, options);
  EXPECT_THAT(registry.Create("default", BuildBody("a"), {}),
              StatusIs(StatusCode::kUnavailable, HasSubstr("node-z")));
}

// The bug this design exists to prevent: a capacity check that reserves
// nothing lets concurrent creates oversubscribe the node.
TEST_F(BuildStorageAdmissionTest, ConcurrentCreatesNeverOversubscribe) {
  constexpr int kSlots = 10;
  constexpr int kClients = 200;
  const NodeResources capacity{kSlots, kSlots * 1024, kSlots};
  ASSERT_OK(nodes().EnsureNode(kTestNode, capacity, "process"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Watcher> watcher,
                       store().Watch(WatchFrom(AllNamespaces(kNodesResource),
                                               store().CurrentRevision())));

  std::atomic<int> admitted{0};
  std::atomic<int> exhausted{0};
  std::atomic<int> other{0};
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      StatusOr<BuildWriteResult> result = builds().Create(
          "default", BuildBody("b" + std::to_string(i), 1, 1024), {});
      if (result.ok()) {
        ++admitted;
      } else if (result.status().code() == StatusCode::kResourcesExhausted) {
        ++exhausted;
      } else {
        ++other;
        ADD_FAILURE() << result.status().ToString();
      }
    });
  }
  for (std::thread& t : clients) t.join();

  EXPECT_EQ(admitted, kSlots);
  EXPECT_EQ(exhausted, kClients - kSlots);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(Allocated(), capacity);
  ASSERT_OK_AND_ASSIGN(BuildList list,
                       builds().List(std::nullopt, LabelSelector(), 0, ""));
  EXPECT_EQ(list.items.size(), static_cast<size_t>(kSlots));

  // Every version of the Node ever written stayed within capacity.
  ASSERT_OK_AND_ASSIGN(std::vector<WatchEvent> events,
                       EventsThrough(*watcher, store().CurrentRevision()));
  ASSERT_EQ(events.size(), static_cast<size_t>(kSlots));
  for (const WatchEvent& event : events) {
    ASSERT_OK_AND_ASSIGN(Node node, NodeFromJson(event.object.value));
    EXPECT_LE(node.status.allocated.cpus, capacity.cpus);
    EXPECT_LE(node.status.allocated.memory_mib, capacity.memory_mib);
    EXPECT_LE(node.status.allocated.builds, capacity.builds);
  }
}

}  // namespace
}  // namespace kiln
