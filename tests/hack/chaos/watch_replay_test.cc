#include "hack/chaos/watch_replay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace kiln::chaos {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Object(const std::string& name, int64_t rv,
                   const std::string& phase) {
  return R"({"metadata":{"namespace":"ns","name":")" + name + R"(","uid":"u-)" +
         name + R"(","resourceVersion":")" + std::to_string(rv) +
         R"("},"status":{"phase":")" + phase + R"("}})";
}

std::string Event(const std::string& type, const std::string& name, int64_t rv,
                  const std::string& phase = "Building") {
  return R"({"type":")" + type + R"(","object":)" + Object(name, rv, phase) +
         "}\n";
}

// A watch dir the way hack/chaos.sh's watcher writes it.
class WatchReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "chaos-replay-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& file, const std::string& text) {
    std::ofstream(dir_ + "/" + file) << text;
  }
  // A list at `rv` holding `items` (JSON objects, comma-separated).
  void List(const std::string& seg, int64_t rv, const std::string& items) {
    Write(seg + ".list.json", R"({"metadata":{"resourceVersion":")" +
                                  std::to_string(rv) + R"("},"items":[)" +
                                  items + "]}");
  }
  void Watch(const std::string& seg, int64_t from, const std::string& body) {
    Write(seg + ".from", std::to_string(from) + "\n");
    Write(seg + ".watch.jsonl", body);
  }

  std::string dir_;
};

TEST_F(WatchReplayTest, ListThenResumedWatchesRebuildTheState) {
  List("00001", 10, Object("a", 5, "Pending"));
  Watch("00002", 10, Event("MODIFIED", "a", 11) + Event("ADDED", "b", 12));
  Watch("00003", 12, Event("DELETED", "a", 13, "Ready"));
  const ReplayResult r = Replay(dir_);
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_FALSE(r.need_list);
  EXPECT_EQ(r.progress, 13);
  ASSERT_EQ(r.state.size(), 1u);
  EXPECT_EQ(r.state.at("ns/b").rv, 12);
  EXPECT_EQ(r.events, 3u);
  EXPECT_EQ(r.observations.size(), 4u);  // the listed item and 3 events
}

TEST_F(WatchReplayTest, IgnoresALineCutShortByAKill) {
  List("00001", 10, "");
  Watch("00002", 10, Event("ADDED", "a", 11) + R"({"type":"MODI)");
  Watch("00003", 11, Event("MODIFIED", "a", 12));
  const ReplayResult r = Replay(dir_);
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.state.at("ns/a").rv, 12);
}

TEST_F(WatchReplayTest, FlagsAnEventReplayedAfterAResume) {
  List("00001", 10, "");
  Watch("00002", 10, Event("ADDED", "a", 11));
  Watch("00003", 11, Event("ADDED", "a", 11) + Event("MODIFIED", "a", 12));
  const ReplayResult r = Replay(dir_);
  EXPECT_THAT(r.problems,
              ElementsAre(HasSubstr("at rv 11 does not come after rv 11")));
}

TEST_F(WatchReplayTest, FlagsAResumeFromTheWrongPoint) {
  List("00001", 10, "");
  Watch("00002", 10, Event("ADDED", "a", 11));
  Watch("00003", 12, "");
  EXPECT_THAT(Replay(dir_).problems,
              ElementsAre(HasSubstr("resumed from rv 12 but the stream was "
                                    "at rv 11")));
}

TEST_F(WatchReplayTest, ARefusedWatchWith410NeedsAList) {
  List("00001", 10, Object("a", 5, "Pending"));
  // kilnd's 410 body, as curl saved it: no trailing newline.
  Watch("00002", 10,
        R"({"apiVersion":"v1","code":410,"kind":"Status","reason":"Expired"})");
  ReplayResult r = Replay(dir_);
  EXPECT_TRUE(r.need_list);
  EXPECT_EQ(r.expired, 1u);
  EXPECT_THAT(r.state, IsEmpty());

  List("00003", 20, Object("a", 15, "Ready"));
  r = Replay(dir_);
  EXPECT_FALSE(r.need_list);
  EXPECT_EQ(r.progress, 20);
  EXPECT_THAT(r.problems, IsEmpty());
}

TEST_F(WatchReplayTest, AnErrorEventWith410EndsTheSegment) {
  List("00001", 10, "");
  Watch("00002", 10,
        Event("ADDED", "a", 11) +
            R"({"type":"ERROR","object":{"kind":"Status","code":410}})" + "\n" +
            Event("ADDED", "b", 12));
  const ReplayResult r = Replay(dir_);
  EXPECT_TRUE(r.need_list);
  EXPECT_EQ(r.events, 1u);
}

TEST_F(WatchReplayTest, StopsAtTheCutoff) {
  List("00001", 10, "");
  Watch(
      "00002", 10,
      Event("ADDED", "a", 11) + Event("MODIFIED", "a", 14) +
          R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"15"}}})" +
          "\n");
  ReplayResult r = Replay(dir_, 12);
  EXPECT_TRUE(r.reached_cutoff);
  EXPECT_EQ(r.state.at("ns/a").rv, 11);
  r = Replay(dir_);
  EXPECT_FALSE(r.reached_cutoff);
  EXPECT_EQ(r.progress, 15);  // the bookmark
}

}  // namespace
}  // namespace kiln::chaos
