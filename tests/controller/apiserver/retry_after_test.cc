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

TEST(RecentDurationsTest, MedianOfBoundedWindow) {
  RecentDurations window(3);
  EXPECT_EQ(window.Median(), std::nullopt);
  window.Add(milliseconds(10));
  EXPECT_EQ(window.Median(), milliseconds(10));
  window.Add(milliseconds(30));
  window.Add(milliseconds(20));
  EXPECT_EQ(window.Median(), milliseconds(20));
  window.Add(milliseconds(1000));  // 10 falls out: {30, 20, 1000}
  window.Add(milliseconds(2000));  // 30 falls out: {20, 1000, 2000}
  EXPECT_EQ(window.Median(), milliseconds(1000));
  window.Add(milliseconds(-5));  // ignored
  EXPECT_EQ(window.Median(), milliseconds(1000));
}

TEST_F(RetryAfterTest, UsesHalfTheTimeoutWithoutHistory) {
  RetryAfterInput input = Input();
  // Each holds 2 cpus; one is enough. Releases at 300-100 and 300-250 s.
  input.active = {Running(input.now, seconds(100), 2),
                  Running(input.now, seconds(250), 2)};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 50);
}

TEST_F(RetryAfterTest, UsesTypicalDurationWhenKnown) {
  RetryAfterInput input = Input();
  input.active = {Running(input.now, seconds(20), 2)};
  input.typical_duration = milliseconds(90'500);
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 71);  // 70.5 rounds up
}

TEST_F(RetryAfterTest, TypicalDurationIsCappedByTimeout) {
  RetryAfterInput input = Input();
  input.active = {Running(input.now, seconds(10), 2, /*timeout=*/60)};
  input.typical_duration = milliseconds(600'000);
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 50);
}

TEST_F(RetryAfterTest, WaitsForEnoughToBeReleased) {
  RetryAfterInput input = Input();
  input.request = {3, 1024, 1};
  // The first release (1 cpu, at 10 s) is not enough; with the second (at
  // 40 s) 3 cpus are free.
  input.active = {Running(input.now, seconds(290), 1),
                  Running(input.now, seconds(260), 3)};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 40);
}

TEST_F(RetryAfterTest, OverdueBuildIsExpectedAtItsDeadline) {
  RetryAfterInput input = Input();
  input.active = {Running(input.now, seconds(500), 2)};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 100);  // 600 - 500
}

TEST_F(RetryAfterTest, ClampedToRange) {
  RetryAfterInput input = Input();
  input.active = {Running(input.now, seconds(700), 2)};  // past its deadline
  EXPECT_EQ(ComputeRetryAfterSeconds(input), kMinRetryAfterSeconds);
  input.active = {Running(input.now, seconds(0), 2, /*timeout=*/3600)};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), kMaxRetryAfterSeconds);
}

TEST_F(RetryAfterTest, NothingRunningGivesMaximum) {
  RetryAfterInput input = Input();
  EXPECT_EQ(ComputeRetryAfterSeconds(input), kMaxRetryAfterSeconds);
}

TEST_F(RetryAfterTest, FallsBackToCreationTimestamp) {
  RetryAfterInput input = Input();
  Build pending;
  pending.spec.resources.cpus = 2;
  pending.spec.timeout_seconds = 100;
  pending.status.phase = BuildPhase::kPending;
  pending.metadata.creation_timestamp =
      std::chrono::floor<seconds>(input.now - seconds(20));
  input.active = {pending};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 30);
}

TEST_F(RetryAfterTest, MovesWithTheClock) {
  RetryAfterInput input = Input();
  const Build build = Running(input.now, seconds(0), 2);
  input.active = {build};
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 300);
  clock_.Advance(seconds(120));
  input.now = clock_.SystemNow();
  EXPECT_EQ(ComputeRetryAfterSeconds(input), 180);
}

}  // namespace
}  // namespace kiln
