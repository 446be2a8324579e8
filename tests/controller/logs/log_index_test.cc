#include "controller/logs/log_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/controller/logs/logs_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(LogIndexTest, RecordRoundTrips) {
  const LogIndexEntry entry{0x0102030405060708, 1795892400123456789};
  const std::string bytes = EncodeLogIndexEntry(entry);
  ASSERT_EQ(bytes.size(), kLogIndexRecordBytes);
  EXPECT_EQ(bytes[0], '\x08');  // little-endian
  EXPECT_EQ(DecodeLogIndexEntry(bytes.data()), entry);
}

TEST(LogIndexTest, AppendsAndReadsRanges) {
  LogsTempDir dir;
  const std::string path = dir.File("a.idx");
  {
    ASSERT_OK_AND_ASSIGN(auto writer, LogIndexWriter::Open(path));
    EXPECT_FALSE(writer->last().has_value());
    ASSERT_OK(writer->Append({{0, 100}, {10, 110}}));
    ASSERT_OK(writer->Append({{20, 120}, {30, 130}}));
    EXPECT_EQ(writer->last(), (LogIndexEntry{30, 130}));
  }
  EXPECT_THAT(ReadLogIndex(path, 0, 100),
              IsOkAndHolds(
                  ElementsAre(LogIndexEntry{0, 100}, LogIndexEntry{10, 110},
                              LogIndexEntry{20, 120}, LogIndexEntry{30, 130})));
  // [10, 20) plus the bounding record at 20.
  EXPECT_THAT(ReadLogIndex(path, 10, 20),
              IsOkAndHolds(
                  ElementsAre(LogIndexEntry{10, 110}, LogIndexEntry{20, 120})));
  // Mid-line start: from the next record on.
  EXPECT_THAT(ReadLogIndex(path, 15, 25),
              IsOkAndHolds(
                  ElementsAre(LogIndexEntry{20, 120}, LogIndexEntry{30, 130})));
  EXPECT_THAT(ReadLogIndex(path, 31, 40), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(ReadLogIndex(dir.File("none.idx"), 0, 10),
              IsOkAndHolds(IsEmpty()));
}

TEST(LogIndexTest, TornRecordIsIgnoredThenCut) {
  LogsTempDir dir;
  const std::string path = dir.File("a.idx");
  WriteFile(path, EncodeLogIndexEntry({0, 1}) + EncodeLogIndexEntry({5, 2}) +
                      std::string("\x01\x02\x03", 3));
  EXPECT_THAT(
      ReadLogIndex(path, 0, 100),
      IsOkAndHolds(ElementsAre(LogIndexEntry{0, 1}, LogIndexEntry{5, 2})));
  ASSERT_OK_AND_ASSIGN(auto writer, LogIndexWriter::Open(path));
  EXPECT_EQ(writer->last(), (LogIndexEntry{5, 2}));
  ASSERT_OK(writer->Append({{9, 3}}));
  EXPECT_EQ(ReadFile(path).size(), 3 * kLogIndexRecordBytes);
  EXPECT_THAT(ReadLogIndex(path, 0, 100),
              IsOkAndHolds(ElementsAre(LogIndexEntry{0, 1}, LogIndexEntry{5, 2},
                                       LogIndexEntry{9, 3})));
}

TEST(LogIndexTest, TruncateDropsRecordsAtOrPastEnd) {
  LogsTempDir dir;
  const std::string path = dir.File("a.idx");
  {
    ASSERT_OK_AND_ASSIGN(auto writer, LogIndexWriter::Open(path));
    ASSERT_OK(writer->Append({{0, 1}, {4, 2}, {8, 3}}));
  }
  ASSERT_OK(TruncateLogIndex(path, 8));
  EXPECT_THAT(
      ReadLogIndex(path, 0, 100),
      IsOkAndHolds(ElementsAre(LogIndexEntry{0, 1}, LogIndexEntry{4, 2})));
  EXPECT_OK(TruncateLogIndex(dir.File("none.idx"), 0));
}

}  // namespace
}  // namespace kiln
