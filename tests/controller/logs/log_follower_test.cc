#include "controller/logs/log_follower.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "controller/logs/log_poller.h"
#include "tests/controller/logs/logs_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

class LogFollowerTest : public ::testing::Test {
 protected:
  std::string Path() { return dir_.File("b.log"); }

  LogsTempDir dir_;
  LogPoller poller_{LogPollerOptions{std::chrono::milliseconds(10), 4096}};
};

TEST_F(LogFollowerTest, DeliversExistingThenAppendedLines) {
  WriteFile(Path(), "one\n");
  Recorder rec;
  auto follower = poller_.Follow(Path(), 0, rec.Callbacks());
  ASSERT_TRUE(Eventually([&] { return rec.data() == "one\n"; }));
  AppendFile(Path(), "two\nthree\n");
  ASSERT_TRUE(Eventually([&] { return rec.data() == "one\ntwo\nthree\n"; }));
  EXPECT_EQ(rec.last_offset(), 14);
  EXPECT_EQ(follower->offset(), 14);
  EXPECT_FALSE(rec.end().has_value());
  EXPECT_FALSE(follower->done());
  EXPECT_TRUE(rec.ordered());
}

TEST_F(LogFollowerTest, WaitsForTheLogToAppear) {
  Recorder rec;
  auto follower = poller_.Follow(Path(), 0, rec.Callbacks());
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(rec.calls(), 0);
  WriteFile(Path(), "late\n");
  ASSERT_TRUE(Eventually([&] { return rec.data() == "late\n"; }));
}

TEST_F(LogFollowerTest, HoldsAPartialLineUntilItsNewline) {
  WriteFile(Path(), "whole\npart");
  Recorder rec;
  auto follower = poller_.Follow(Path(), 0, rec.Callbacks());
  ASSERT_TRUE(Eventually([&] { return rec.data() == "whole\n"; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(rec.data(), "whole\n");
  AppendFile(Path(), "ial\n");
  ASSERT_TRUE(Eventually([&] { return rec.data() == "whole\npartial\n"; }));
}

TEST_F(LogFollowerTest, FinishDrainsTheRestIncludingAPartialLineThenEnds) {
  WriteFile(Path(), "a\nb\nno newline");
  Recorder rec;
  auto follower = poller_.Follow(Path(), 2, rec.Callbacks());
  ASSERT_TRUE(Eventually([&] { return rec.data() == "b\n"; }));
  follower->Finish();
  ASSERT_TRUE(Eventually([&] { return rec.end().has_value(); }));
  EXPECT_OK(*rec.end());
  EXPECT_EQ(rec.data(), "b\nno newline");
  EXPECT_EQ(rec.last_offset(), 14);
  EXPECT_TRUE(follower->done());
  EXPECT_TRUE(rec.ordered());
  ASSERT_TRUE(Eventually([&] { return poller_.active() == 0; }));
}

TEST_F(LogFollowerTest, FinishWithoutALogEndsOk) {
  Recorder rec;
  auto follower = poller_.Follow(Path(), 0, rec.Callbacks());
  follower->Finish();
  ASSERT_TRUE(Eventually([&] { return rec.end().has_value(); }));
  EXPECT_OK(*rec.end());
  EXPECT_EQ(rec.calls(), 0);
}

TEST_F(LogFollowerTest, FinishPathFinishesEveryFollowerOfThatLog) {
  WriteFile(Path(), "x\n");
  WriteFile(dir_.File("other.log"), "y\n");
  Recorder a, b, other;
  auto fa = poller_.Follow(Path(), 0, a.Callbacks());
  auto fb = poller_.Follow(Path(), 0, b.Callbacks());
  auto fo = poller_.Follow(dir_.File("other.log"), 0, other.Callbacks());
  poller_.FinishPath(Path());
  ASSERT_TRUE(Eventually([&] { return a.end() && b.end(); }));
  EXPECT_EQ(a.data(), "x\n");
  EXPECT_EQ(b.data(), "x\n");
  ASSERT_TRUE(Eventually([&] { return other.data() == "y\n"; }));
  EXPECT_FALSE(other.end().has_value());
}

TEST_F(LogFollowerTest, ResumesFromAnOffsetWithNoLossOrDuplicateUnderAWriter) {
  // A writer appends lines (one write each, as kiln-agent does) while
  // followers start at successive offsets; every follower sees exactly the
  // bytes after its offset.
  constexpr int kLines = 3000;
  std::string expected;
  for (int i = 0; i < kLines; ++i) {
    expected +=
        "line " + std::to_string(i) + " " + std::string(i % 97, 'z') + "\n";
  }
  WriteFile(Path(), "");
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    FILE* f = fopen(Path().c_str(), "a");
    size_t pos = 0;
    int n = 0;
    while (pos < expected.size()) {
      const size_t end = expected.find('\n', pos) + 1;
      fwrite(expected.data() + pos, 1, end - pos, f);
      fflush(f);
      pos = end;
      if (++n % 100 == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    fclose(f);
    writing = false;
  });

  Recorder first;
  auto f1 = poller_.Follow(Path(), 0, first.Callbacks());
  ASSERT_TRUE(Eventually([&] { return first.last_offset() > 1000; }));
  // Resume a second follower where the first one stood (an SSE reconnect).
  const int64_t resume_at = first.last_offset();
  f1->Cancel();
  const std::string seen_before = first.data();
  Recorder second;
  auto f2 = poller_.Follow(Path(), resume_at, second.Callbacks());
  writer.join();
  f2->Finish();
  ASSERT_TRUE(Eventually([&] { return second.end().has_value(); }));
  EXPECT_OK(*second.end());
  EXPECT_EQ(first.data(), seen_before);  // nothing after Cancel returned
  EXPECT_EQ(seen_before + second.data(), expected);
  EXPECT_TRUE(first.ordered());
  EXPECT_TRUE(second.ordered());
}

TEST_F(LogFollowerTest, LongLinesArriveInChunksAndWhole) {
  const std::string line = std::string(10000, 'q') + "\n";  // chunk is 4096
  WriteFile(Path(), line + "short\n");
  Recorder rec;
  auto follower = poller_.Follow(Path(), 0, rec.Callbacks());
  ASSERT_TRUE(Eventually([&] { return rec.data() == line + "short\n"; }));
  EXPECT_GE(rec.calls(), 3);
}

TEST_F(LogFollowerTest, CancelStopsCallbacks) {
  WriteFile(Path(), "one\n");
  Recorder rec;
  auto follower = poller_.Follow(Path(), 0, rec.Callbacks());
  ASSERT_TRUE(Eventually([&] { return rec.data() == "one\n"; }));
  follower->Cancel();
  EXPECT_TRUE(follower->done());
  AppendFile(Path(), "two\n");
  follower->Finish();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rec.data(), "one\n");
  EXPECT_FALSE(rec.end().has_value());
  ASSERT_TRUE(Eventually([&] { return poller_.active() == 0; }));
}

TEST_F(LogFollowerTest, CancelFromInsideTheCallback) {
  WriteFile(Path(), "one\n");
  std::unique_ptr<LogFollower> follower;
  std::atomic<int> calls{0};
  std::atomic<bool> ready{false};
  follower = poller_.Follow(
      Path(), 0,
      LogFollowerCallbacks{[&](std::string_view, int64_t) {
                             while (!ready) std::this_thread::yield();
                             ++calls;
                             follower->Cancel();
                             return true;
                           },
                           [](const Status&) { ADD_FAILURE() << "on_end"; }});
  ready = true;
  ASSERT_TRUE(Eventually([&] { return follower->done(); }));
  AppendFile(Path(), "two\n");
  follower->Finish();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(calls, 1);
}

TEST_F(LogFollowerTest, DestroyingTheHandleCancels) {
  WriteFile(Path(), "one\n");
  Recorder rec;
  {
    auto follower = poller_.Follow(Path(), 0, rec.Callbacks());
    ASSERT_TRUE(Eventually([&] { return rec.data() == "one\n"; }));
  }
  AppendFile(Path(), "two\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rec.data(), "one\n");
}

TEST_F(LogFollowerTest, ReturningFalseStopsWithoutEnd) {
  WriteFile(Path(), "one\n");
  Recorder rec;
  rec.StopAfterNext();
  auto follower = poller_.Follow(Path(), 0, rec.Callbacks());
  ASSERT_TRUE(Eventually([&] { return follower->done(); }));
  AppendFile(Path(), "two\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rec.data(), "one\n");
  EXPECT_FALSE(rec.end().has_value());
}

TEST_F(LogFollowerTest, PauseStopsReadingUntilResume) {
  WriteFile(Path(), "one\n");
  Recorder rec;
  auto follower = poller_.Follow(Path(), 0, rec.Callbacks());
  ASSERT_TRUE(Eventually([&] { return rec.data() == "one\n"; }));
  follower->Pause();
  AppendFile(Path(), "two\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rec.data(), "one\n");
  follower->Resume();
  ASSERT_TRUE(Eventually([&] { return rec.data() == "one\ntwo\n"; }));
}

TEST_F(LogFollowerTest, ALogThatShrinksBelowTheOffsetEndsOutOfRange) {
  WriteFile(Path(), "one\ntwo\n");
  Recorder rec;
  auto follower = poller_.Follow(Path(), 0, rec.Callbacks());
  ASSERT_TRUE(Eventually([&] { return rec.data() == "one\ntwo\n"; }));
  ASSERT_EQ(truncate(Path().c_str(), 4), 0);
  ASSERT_TRUE(Eventually([&] { return rec.end().has_value(); }));
  EXPECT_THAT(*rec.end(),
              StatusIs(StatusCode::kOutOfRange, HasSubstr("shrank")));
}

TEST(LogPollerTest, DestroyingThePollerEndsFollowersUnavailable) {
  LogsTempDir dir;
  Recorder rec;
  std::unique_ptr<LogFollower> follower;
  {
    LogPoller poller;
    follower = poller.Follow(dir.File("x.log"), 0, rec.Callbacks());
  }
  ASSERT_TRUE(rec.end().has_value());
  EXPECT_THAT(*rec.end(), StatusIs(StatusCode::kUnavailable));
  EXPECT_TRUE(follower->done());
  follower->Finish();  // safe after the poller is gone
  follower->Resume();
}

TEST(LogPollerTest, ManyFollowersShareOneThread) {
  LogsTempDir dir;
  LogPoller poller(LogPollerOptions{std::chrono::milliseconds(10), 4096});
  constexpr int kFollowers = 50;
  std::vector<std::unique_ptr<Recorder>> recs;
  std::vector<std::unique_ptr<LogFollower>> followers;
  for (int i = 0; i < kFollowers; ++i) {
    const std::string path = dir.File(std::to_string(i % 5) + ".log");
    recs.push_back(std::make_unique<Recorder>());
    followers.push_back(poller.Follow(path, 0, recs.back()->Callbacks()));
  }
  for (int i = 0; i < 5; ++i) {
    AppendFile(dir.File(std::to_string(i) + ".log"),
               "hello " + std::to_string(i) + "\n");
  }
  for (int i = 0; i < kFollowers; ++i) {
    const std::string want = "hello " + std::to_string(i % 5) + "\n";
    ASSERT_TRUE(Eventually([&] { return recs[i]->data() == want; })) << i;
  }
  EXPECT_EQ(poller.active(), static_cast<size_t>(kFollowers));
}

}  // namespace
}  // namespace kiln
