#include "hack/chaos/terminal_record.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/status_matchers.h"

namespace kiln::chaos {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string TempFile() {
  return (std::filesystem::temp_directory_path() /
          ("chaos-terminal-" + std::to_string(getpid()) + ".json"))
      .string();
}

TEST(TerminalRecordTest, AcceptsPhasesBeforeAndTheSamePhaseAfter) {
  ASSERT_OK_AND_ASSIGN(TerminalRecord record, TerminalRecord::Load(""));
  EXPECT_THAT(record.Observe("u1", "ns/a", "Building", 5, "watch"), IsEmpty());
  EXPECT_THAT(record.Observe("u1", "ns/a", "Ready", 7, "watch"), IsEmpty());
  EXPECT_THAT(record.Observe("u1", "ns/a", "Ready", 9, "list"), IsEmpty());
  // Seen later in a replay, from before it finished: fine.
  EXPECT_THAT(record.Observe("u1", "ns/a", "Pushing", 6, "watch"), IsEmpty());
  EXPECT_EQ(record.size(), 1u);
}

TEST(TerminalRecordTest, FlagsAnotherTerminalPhase) {
  ASSERT_OK_AND_ASSIGN(TerminalRecord record, TerminalRecord::Load(""));
  EXPECT_THAT(record.Observe("u1", "ns/a", "Cancelled", 7, "list"), IsEmpty());
  EXPECT_THAT(record.Observe("u1", "ns/a", "Ready", 8, "watch"),
              HasSubstr("changed terminal phase: first Cancelled at rv 7"));
}

TEST(TerminalRecordTest, FlagsLeavingATerminalPhase) {
  ASSERT_OK_AND_ASSIGN(TerminalRecord record, TerminalRecord::Load(""));
  EXPECT_THAT(record.Observe("u1", "ns/a", "Ready", 7, "list"), IsEmpty());
  EXPECT_THAT(record.Observe("u1", "ns/a", "Building", 8, "watch"),
              HasSubstr("left its terminal phase"));
}

TEST(TerminalRecordTest, KeepsWhatItSawAcrossRuns) {
  const std::string path = TempFile();
  {
    ASSERT_OK_AND_ASSIGN(TerminalRecord record, TerminalRecord::Load(path));
    EXPECT_THAT(record.Observe("u1", "ns/a", "Failed", 7, "list"), IsEmpty());
    ASSERT_OK(record.Save());
  }
  ASSERT_OK_AND_ASSIGN(TerminalRecord again, TerminalRecord::Load(path));
  EXPECT_EQ(again.size(), 1u);
  EXPECT_THAT(again.Observe("u1", "ns/a", "Ready", 9, "list"),
              HasSubstr("first Failed at rv 7"));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace kiln::chaos
