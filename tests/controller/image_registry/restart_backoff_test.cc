#include "controller/image_registry/restart_backoff.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RestartBackoffTest, DoublesFromOneSecondUpToThirty) {
  RestartBackoff backoff;
  const milliseconds quick(100);
  EXPECT_EQ(backoff.NextDelay(quick), seconds(1));
  EXPECT_EQ(backoff.NextDelay(quick), seconds(2));
  EXPECT_EQ(backoff.NextDelay(quick), seconds(4));
  EXPECT_EQ(backoff.NextDelay(quick), seconds(8));
  EXPECT_EQ(backoff.NextDelay(quick), seconds(16));
  EXPECT_EQ(backoff.NextDelay(quick), seconds(30));
  EXPECT_EQ(backoff.NextDelay(quick), seconds(30));
}

TEST(RestartBackoffTest, ResetsAfterStayingUpForTheMaximum) {
  RestartBackoff backoff;
  EXPECT_EQ(backoff.NextDelay(milliseconds(0)), seconds(1));
  EXPECT_EQ(backoff.NextDelay(milliseconds(0)), seconds(2));
  EXPECT_EQ(backoff.NextDelay(seconds(30)), seconds(1));
  EXPECT_EQ(backoff.NextDelay(seconds(29)), seconds(2));
}

}  // namespace
}  // namespace kiln
