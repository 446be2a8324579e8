#include "controller/apiserver/recent_durations.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace kiln {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RecentDurationsTest, MedianOfBoundedWindow) {
  RecentDurations window(3);
  EXPECT_EQ(window.Median("a"), std::nullopt);
  window.Add("a", milliseconds(10));
  EXPECT_EQ(window.Median("a"), milliseconds(10));
  window.Add("a", milliseconds(30));
  window.Add("a", milliseconds(20));
  EXPECT_EQ(window.Median("a"), milliseconds(20));
  window.Add("a", milliseconds(1000));  // 10 falls out: {30, 20, 1000}
  window.Add("a", milliseconds(2000));  // 30 falls out: {20, 1000, 2000}
  EXPECT_EQ(window.Median("a"), milliseconds(1000));
  window.Add("a", milliseconds(-5));  // ignored
  EXPECT_EQ(window.Median("a"), milliseconds(1000));
}

TEST(RecentDurationsTest, KeepsOneWindowPerNode) {
  RecentDurations window;
  window.Add("fast", milliseconds(2'000));
  window.Add("slow", milliseconds(90'000));
  EXPECT_EQ(window.Median("fast"), milliseconds(2'000));
  EXPECT_EQ(window.Median("slow"), milliseconds(90'000));
  EXPECT_EQ(window.Median("other"), std::nullopt);
}

Build Finished(BuildPhase phase, int64_t duration_ms, int completed_second,
               const std::string& node) {
  Build build;
  build.status.phase = phase;
  build.status.duration_ms = duration_ms;
  build.status.completed_at =
      Timestamp(seconds(1'700'000'000 + completed_second));
  build.status.node_name = node;
  return build;
}

TEST(RecentDurationsTest, SeedsInCompletionOrderSkippingUnfinished) {
  RecentDurations window(2);
  std::vector<Build> stored = {
      Finished(BuildPhase::kReady, 5'000, 30, "a"),
      Finished(BuildPhase::kReady, 900'000, 10, "a"),  // oldest: falls out
      Finished(BuildPhase::kFailed, 7'000, 20, "a"),
      Finished(BuildPhase::kBuilding, 1, 40, "a"),  // not finished
      Finished(BuildPhase::kReady, 60'000, 50, "b"),
  };
  window.Seed(stored, [](const Build& b) { return b.status.node_name; });
  EXPECT_EQ(window.Median("a"), milliseconds(5'000));  // {7000, 5000}
  EXPECT_EQ(window.Median("b"), milliseconds(60'000));
}

}  // namespace
}  // namespace kiln
