#include "controller/apiserver/retry_after.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/fakes/fake_clock.h"

namespace kiln {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A running Build holding `cpus` cpus, started `started_ago` before `now`.
Build Running(std::chrono::system_clock::time_point now, seconds started_ago,
              int64_t cpus, int64_t timeout_seconds = 600) {
  Build build;
  build.spec.resources.cpus = cpus;
  build.spec.resources.memory_mib = 1024;
  build.spec.timeout_seconds = timeout_seconds;
  build.status.phase = BuildPhase::kBuilding;
  build.status.started_at = std::chrono::floor<seconds>(now - started_ago);
  return build;
}

class RetryAfterTest : public ::testing::Test {
 protected:
  RetryAfterInput Input() {
    RetryAfterInput input;
    input.capacity = {4, 8192, 4};
    input.allocated = {4, 2048, 2};
    input.request = {2, 1024, 1};
    input.now = clock_.SystemNow();
    return input;
  }
  FakeClock clock_;
};

TEST_F(RetryAfterTest, UsesHalfTheTimeoutWithoutHistory) {
  RetryAfterInput input = Input();
  // Each holds 2 cpus; one is enough. Releases at 30-10 and 30-25 s.
  input.active = {Running(input.now, seconds(10), 2, 60),
                  Running(input.now, seconds(25), 2, 60)};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 5);
}

TEST_F(RetryAfterTest, UsesTypicalDurationWhenKnown) {
  RetryAfterInput input = Input();
  input.active = {Running(input.now, seconds(20), 2)};
  input.typical_duration = milliseconds(30'500);
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 11);  // 10.5 rounds up
}

TEST_F(RetryAfterTest, TypicalDurationIsCappedByTimeout) {
  RetryAfterInput input = Input();
  input.active = {Running(input.now, seconds(10), 2, /*timeout=*/30)};
  input.typical_duration = milliseconds(600'000);
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 20);
}

TEST_F(RetryAfterTest, WaitsForEnoughToBeReleased) {
  RetryAfterInput input = Input();
  input.request = {3, 1024, 1};
  // The first release (1 cpu, at 5 s) is not enough; with the second (at
  // 20 s) 3 cpus are free.
  input.active = {Running(input.now, seconds(25), 1, 60),
                  Running(input.now, seconds(10), 3, 60)};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 20);
}

// A build slower than usual used to be expected at its deadline, minutes
// away; now it is expected within another half of the typical duration.
TEST_F(RetryAfterTest, OverrunningBuildIsExpectedSoonNotAtItsDeadline) {
  RetryAfterInput input = Input();
  input.typical_duration = milliseconds(20'000);
  input.active = {Running(input.now, seconds(50), 2)};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 10);
  // ... and by its deadline at the latest.
  input.active = {Running(input.now, seconds(50), 2, /*timeout=*/55)};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 5);
  // A tiny typical duration still waits a second.
  input.typical_duration = milliseconds(300);
  input.active = {Running(input.now, seconds(50), 2)};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 1);
}

TEST_F(RetryAfterTest, ClampedToRange) {
  RetryAfterInput input = Input();
  input.active = {Running(input.now, seconds(700), 2)};  // past its deadline
  EXPECT_EQ(ComputeRetryAfterSeconds(input), kMinRetryAfterSeconds);
  input.active = {Running(input.now, seconds(0), 2, /*timeout=*/3600)};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), kMaxRetryAfterSeconds);
  EXPECT_EQ(kMaxRetryAfterSeconds, 30);
}

TEST_F(RetryAfterTest, NothingRunningGivesMaximum) {
  RetryAfterInput input = Input();
  EXPECT_EQ(ComputeRetryAfterSeconds(input), kMaxRetryAfterSeconds);
}

TEST_F(RetryAfterTest, FallsBackToCreationTimestamp) {
  RetryAfterInput input = Input();
  Build pending;
  pending.spec.resources.cpus = 2;
  pending.spec.timeout_seconds = 60;
  pending.status.phase = BuildPhase::kPending;
  pending.metadata.creation_timestamp =
      std::chrono::floor<seconds>(input.now - seconds(20));
  input.active = {pending};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 10);
}

TEST_F(RetryAfterTest, MovesWithTheClock) {
  RetryAfterInput input = Input();
  const Build build = Running(input.now, seconds(0), 2, 60);
  input.active = {build};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 30);
  clock_.Advance(seconds(12));
  input.now = clock_.SystemNow();
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 18);
}

}  // namespace
}  // namespace kiln
