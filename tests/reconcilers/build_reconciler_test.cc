// BuildReconciler against the real SQLite store and BuildStorage (in a temp
// dir), a FakeVmDriver and a FakeClock: every rule of docs/design.md
// "Reconcile loop", and the races between a finishing VM and a user.
#include "reconcilers/build_reconciler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "api_types/phase.h"
#include "reconcilers/storage_build_client.h"
#include "reconcilers/vm_gc.h"
#include "tests/controller/apiserver/storage_test_util.h"
#include "tests/fakes/fake_vm_driver.h"

namespace kiln {
namespace {

using ::std::chrono::seconds;
using ::testing::HasSubstr;

class BuildReconcilerTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    client_ = std::make_unique<StorageBuildClient>(builds());
    BuildReconcilerOptions options;
    options.node_name = kTestNode;
    options.registry = "127.0.0.1:5000";
    options.logs_dir = (dir_.path() / "logs").string();
    options.sources_dir = (dir_.path() / "sources").string();
    reconciler_ =
        std::make_unique<BuildReconciler>(*client_, driver_, clock_, options);
  }

  StatusOr<ReconcileResult> Reconcile(const std::string& name) {
    return reconciler_->Reconcile(ObjectKey{"builds", "default", name});
  }
  Build Get(const std::string& name) {
    StatusOr<Build> b = builds().Get("default", name);
    EXPECT_OK(b);
    return b.ok() ? *b : Build{};
  }
  std::string VmOf(const Build& b) { return VmNameForBuild(b.metadata.uid); }

  // Creates `name` and reconciles it once (VM created, Building).
  Build Started(const std::string& name) {
    Build b = MustCreate(name);
    EXPECT_OK(Reconcile(name));
    return Get(name);
  }

  static AgentResult Success() {
    AgentResult r;
    r.succeeded = true;
    r.image_ref = "127.0.0.1:5000/default/x:1";
    r.image_digest = "sha256:" + std::string(64, 'a');
    r.source_digest = "sha256:" + std::string(64, 'b');
    r.dockerfile_digest = "sha256:" + std::string(64, 'c');
    r.builder = "kiln-agent test";
    return r;
  }

  FakeVmDriver driver_;
  std::unique_ptr<StorageBuildClient> client_;
  std::unique_ptr<BuildReconciler> reconciler_;
};

TEST_F(BuildReconcilerTest, PendingBuildGetsAVmAndBecomesBuilding) {
  Build created = MustCreate("a");
  EXPECT_EQ(created.status.phase, BuildPhase::kPending);
  ASSERT_OK_AND_ASSIGN(ReconcileResult r, Reconcile("a"));
  EXPECT_TRUE(r.requeue_after.has_value());
  Build b = Get("a");
  EXPECT_EQ(b.status.phase, BuildPhase::kBuilding);
  ASSERT_TRUE(b.status.vm.has_value());
  EXPECT_EQ(b.status.vm->name, VmOf(b));
  EXPECT_EQ(b.status.vm->driver, "fake");
  EXPECT_EQ(b.status.node_name, kTestNode);
  EXPECT_TRUE(b.status.started_at.has_value());
  EXPECT_TRUE(driver_.Has(VmOf(b)));
  VmSpec spec = driver_.SpecOf(VmOf(b));
  EXPECT_EQ(spec.owner_key, "default/a");
  EXPECT_EQ(spec.job.image, b.spec.output->image);
  EXPECT_EQ(spec.job.inline_files.at("Dockerfile"), "FROM kiln/busybox:1\n");
  EXPECT_THAT(spec.job.log_path, HasSubstr(b.metadata.uid + ".log"));
}

TEST_F(BuildReconcilerTest, ReconcileIsIdempotent) {
  Build b = Started("a");
  const std::string rv = b.metadata.resource_version;
  ASSERT_OK(Reconcile("a"));
  ASSERT_OK(Reconcile("a"));
  EXPECT_EQ(driver_.creates(), 1);
  EXPECT_EQ(Get("a").metadata.resource_version, rv);  // nothing rewritten
}

TEST_F(BuildReconcilerTest, MirrorsPushingProgress) {
  Build b = Started("a");
  driver_.SetProgress(VmOf(b), "Pushing");
  ASSERT_OK(Reconcile("a"));
  EXPECT_EQ(Get("a").status.phase, BuildPhase::kPushing);
  driver_.SetProgress(VmOf(b), "Building");  // stale progress: no way back
  ASSERT_OK(Reconcile("a"));
  EXPECT_EQ(Get("a").status.phase, BuildPhase::kPushing);
}

TEST_F(BuildReconcilerTest, ExitedWithResultIsReadyAndReleasesAllocation) {
  Build b = Started("a");
  EXPECT_EQ(Allocated().builds, 1);
  clock_.Advance(seconds(7));
  driver_.Exit(VmOf(b), Success());
  ASSERT_OK_AND_ASSIGN(ReconcileResult r, Reconcile("a"));
  EXPECT_FALSE(r.requeue_after.has_value());
  Build done = Get("a");
  EXPECT_EQ(done.status.phase, BuildPhase::kReady);
  ASSERT_TRUE(done.status.image.has_value());
  EXPECT_EQ(done.status.image->digest, Success().image_digest);
  ASSERT_TRUE(done.status.provenance.has_value());
  EXPECT_EQ(done.status.provenance->builder, "kiln-agent test");
  EXPECT_EQ(done.status.duration_ms, 7000);
  const Condition* ready = FindCondition(done.status.conditions, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, ConditionStatus::kTrue);
  EXPECT_FALSE(driver_.Has(VmOf(b)));  // VM removed after the write
  EXPECT_EQ(Allocated().builds, 0);
  EXPECT_EQ(Allocated().cpus, 0);
}

TEST_F(BuildReconcilerTest, FailedResultCarriesReasonAndStep) {
  Build b = Started("a");
  AgentResult r;
  r.reason = "BuildError";
  r.step = "STEP 2/3: RUN false";
  r.message = "exit status 1";
  driver_.Exit(VmOf(b), r);
  ASSERT_OK(Reconcile("a"));
  Build done = Get("a");
  EXPECT_EQ(done.status.phase, BuildPhase::kFailed);
  EXPECT_EQ(done.status.reason, "BuildError");
  EXPECT_EQ(done.status.message, "STEP 2/3: RUN false: exit status 1");
  EXPECT_EQ(Allocated().builds, 0);
}

TEST_F(BuildReconcilerTest, VmThatDiedWithoutResultIsVmLost) {
  Build b = Started("a");
  driver_.Exit(VmOf(b), std::nullopt, false, "killed by signal 9");
  ASSERT_OK(Reconcile("a"));
  Build done = Get("a");
  EXPECT_EQ(done.status.reason, "VMLost");
  EXPECT_THAT(done.status.message, HasSubstr("killed by signal 9"));
}

TEST_F(BuildReconcilerTest, OomKillIsReported) {
  Build b = Started("a");
  driver_.Exit(VmOf(b), std::nullopt, true, "out of memory");
  ASSERT_OK(Reconcile("a"));
  EXPECT_EQ(Get("a").status.reason, "OOMKilled");
}

TEST_F(BuildReconcilerTest, CancelIsWrittenFirstThenTheVmIsDeleted) {
  Build b = Started("a");
  // The VM cannot be deleted right now: Cancelled must still be recorded
  // and the allocation released.
  driver_.FailDeletes(UnavailableError("driver busy"));
  ASSERT_OK(builds().Patch("default", "a", PatchType::kMerge,
                           R"({"spec":{"cancel":true}})", false, {}));
  ASSERT_OK(Reconcile("a"));
  Build done = Get("a");
  EXPECT_EQ(done.status.phase, BuildPhase::kCancelled);
  EXPECT_EQ(Allocated().builds, 0);
  EXPECT_TRUE(driver_.Has(VmOf(b)));  // delete failed; GC will retry
  driver_.FailDeletes(OkStatus());
  VmGarbageCollector gc(*client_, driver_, std::chrono::milliseconds(10));
  ASSERT_OK_AND_ASSIGN(size_t deleted, gc.Collect());
  EXPECT_EQ(deleted, 1u);
  EXPECT_FALSE(driver_.Has(VmOf(b)));
}

TEST_F(BuildReconcilerTest, CancelBeforeTheVmExistedLeaksNothing) {
  MustCreate("a");
  ASSERT_OK(builds().Patch("default", "a", PatchType::kMerge,
                           R"({"spec":{"cancel":true}})", false, {}));
  ASSERT_OK(Reconcile("a"));
  EXPECT_EQ(Get("a").status.phase, BuildPhase::kCancelled);
  EXPECT_EQ(driver_.creates(), 0);
}

TEST_F(BuildReconcilerTest, LateReadyNeverReplacesCancelled) {
  Build b = Started("a");
  ASSERT_OK(builds().Patch("default", "a", PatchType::kMerge,
                           R"({"spec":{"cancel":true}})", false, {}));
  ASSERT_OK(Reconcile("a"));
  // The VM finishes after all (it was slow to die) and reports success.
  driver_.Plant(VmOf(b), "default/a", b.metadata.uid);
  driver_.Exit(VmOf(b), Success());
  ASSERT_OK(Reconcile("a"));
  EXPECT_EQ(Get("a").status.phase, BuildPhase::kCancelled);
  EXPECT_FALSE(driver_.Has(VmOf(b)));
}

TEST_F(BuildReconcilerTest, StaleReadLosesTheRaceAndIsRetried) {
  Build b = Started("a");
  // A client reads "a" (Building), then the user cancels; the stale copy's
  // "Ready" write must be refused.
  Build stale = Get("a");
  ASSERT_OK(builds().Patch("default", "a", PatchType::kMerge,
                           R"({"spec":{"cancel":true}})", false, {}));
  ASSERT_OK(Reconcile("a"));
  stale.status.phase = BuildPhase::kReady;
  StatusOr<Build> w = client_->UpdateStatus(stale);
  EXPECT_EQ(w.status().code(), StatusCode::kAborted);
  EXPECT_EQ(Get("a").status.phase, BuildPhase::kCancelled);
}

TEST_F(BuildReconcilerTest, DeadlineFailsTheBuildAndDeletesTheVm) {
  Build b = Started("a");
  const int64_t timeout = b.spec.timeout_seconds.value();
  ASSERT_OK_AND_ASSIGN(ReconcileResult r, Reconcile("a"));
  ASSERT_TRUE(r.requeue_after.has_value());
  EXPECT_LE(*r.requeue_after, seconds(timeout));
  clock_.Advance(seconds(timeout + 1));
  ASSERT_OK(Reconcile("a"));
  Build done = Get("a");
  EXPECT_EQ(done.status.phase, BuildPhase::kFailed);
  EXPECT_EQ(done.status.reason, "DeadlineExceeded");
  EXPECT_FALSE(driver_.Has(VmOf(b)));
  EXPECT_EQ(Allocated().builds, 0);
}

TEST_F(BuildReconcilerTest, BuildingWithoutItsVmGetsItBackAfterACrash) {
  Build b = Started("a");
  ASSERT_OK(driver_.Delete(VmOf(b), {}));  // the host lost it
  ASSERT_OK(Reconcile("a"));
  EXPECT_TRUE(driver_.Has(VmOf(b)));
  EXPECT_EQ(Get("a").status.phase, BuildPhase::kBuilding);
  EXPECT_EQ(Get("a").status.started_at, b.status.started_at);
}

TEST_F(BuildReconcilerTest, VmThatExitedWhilePendingStillReachesReady) {
  // kilnd crashed after creating the VM but before writing Building.
  Build b = MustCreate("a");
  driver_.Plant(VmOf(b), "default/a", b.metadata.uid);
  driver_.Exit(VmOf(b), Success());
  ASSERT_OK(Reconcile("a"));
  EXPECT_EQ(Get("a").status.phase, BuildPhase::kReady);
}

TEST_F(BuildReconcilerTest, DeletedBuildLosesItsVm) {
  Build b = Started("a");
  ASSERT_OK(builds().Delete("default", "a", std::nullopt, std::nullopt));
  EXPECT_EQ(Allocated().builds, 0);
  ASSERT_OK(Reconcile("a"));
  EXPECT_FALSE(driver_.Has(VmOf(b)));
}

TEST_F(BuildReconcilerTest, CreateErrorsAreRetriedNotFatal) {
  MustCreate("a");
  driver_.FailCreates(ResourcesExhaustedError("no room on the host"));
  EXPECT_FALSE(Reconcile("a").ok());
  EXPECT_EQ(Get("a").status.phase, BuildPhase::kPending);
  driver_.FailCreates(OkStatus());
  ASSERT_OK(Reconcile("a"));
  EXPECT_EQ(Get("a").status.phase, BuildPhase::kBuilding);
}

TEST_F(BuildReconcilerTest, TransitionsAreRecordedAsEvents) {
  EventRecorder events(store(), clock_);
  BuildReconcilerOptions options;
  options.node_name = kTestNode;
  BuildReconciler reconciler(*client_, driver_, clock_, options, &events);
  const ObjectKey key{"builds", "default", "a"};
  Build b = MustCreate("a");
  ASSERT_OK(reconciler.Reconcile(key));
  driver_.SetProgress(VmOf(b), "Pushing");
  ASSERT_OK(reconciler.Reconcile(key));
  driver_.Exit(VmOf(b), Success());
  ASSERT_OK(reconciler.Reconcile(key));
  Build c = MustCreate("c");
  ASSERT_OK(builds().Patch("default", "c", PatchType::kMerge,
                           R"({"spec":{"cancel":true}})", false, {}));
  ASSERT_OK(reconciler.Reconcile(ObjectKey{"builds", "default", "c"}));
  events.Flush();
  ListOptions list;
  list.scope = ResourceScope{"events", "default"};
  ASSERT_OK_AND_ASSIGN(ListResult stored, store().List(list));
  std::multiset<std::string> reasons;
  for (const StoredObject& obj : stored.items) {
    reasons.insert(obj.value["involvedObject"]["name"].get<std::string>() +
                   "/" + obj.value["reason"].get<std::string>());
  }
  EXPECT_THAT(reasons, ::testing::UnorderedElementsAre(
                           "a/VMCreated", "a/Building", "a/Pushing", "a/Ready",
                           "c/CancelRequested", "c/Cancelled"));
}

TEST_F(BuildReconcilerTest, GcRemovesOrphansAndKeepsLiveVms) {
  Build live = Started("live");
  driver_.Plant("kiln-orphan", "default/gone", "uid-gone");
  driver_.Plant("kiln-recreated", "default/live", "another-uid");
  VmGarbageCollector gc(*client_, driver_, std::chrono::milliseconds(10));
  ASSERT_OK_AND_ASSIGN(size_t deleted, gc.Collect());
  EXPECT_EQ(deleted, 2u);
  EXPECT_TRUE(driver_.Has(VmOf(live)));
  EXPECT_FALSE(driver_.Has("kiln-orphan"));
  EXPECT_FALSE(driver_.Has("kiln-recreated"));
}

}  // namespace
}  // namespace kiln
