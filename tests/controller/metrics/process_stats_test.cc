#include "controller/metrics/process_stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "controller/metrics/kiln_metrics.h"
#include "tests/controller/metrics/metrics_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::kiln::testing::Sample;
using ::kiln::testing::TempDir;
using ::testing::DoubleEq;
using ::testing::HasSubstr;
using ::testing::Optional;

// proc(5) stat with comm "kiln d) x" (spaces and a parenthesis), utime 250,
// stime 50, starttime 1000 ticks, vsize 123456789, rss 2048 pages.
constexpr char kPidStat[] =
    "4242 (kiln d) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 "
    "9 0 1000 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 "
    "0 17 1 0 0 0 0 0\n";
constexpr char kStat[] =
    "cpu  1 2 3 4 5 6 7 0 0 0\nctxt 99\nbtime 1700000000\nprocesses 5\n";
constexpr char kLimits[] =
    "Limit                     Soft Limit           Hard Limit           "
    "Units     \n"
    "Max cpu time              unlimited            unlimited            "
    "seconds   \n"
    "Max open files            1024                 524288               "
    "files     \n";

class ProcessStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    dir_.Write("self/stat", kPidStat);
    dir_.Write("stat", kStat);
    dir_.Write("self/limits", kLimits);
    for (const char* fd : {"0", "1", "2", "5", "9"})
      dir_.Write(std::string("self/fd/") + fd, "");
  }

  ProcessStatsReader Reader() const {
    return ProcessStatsReader({.proc_root = dir_.path(),
                               .pid_dir = "self",
                               .clock_ticks_per_second = 100,
                               .page_size_bytes = 4096});
  }

  TempDir dir_;
};

TEST_F(ProcessStatsTest, ReadsEveryFigureFromAFakeProc) {
  ASSERT_OK_AND_ASSIGN(ProcessStats stats, Reader().Read());
  EXPECT_DOUBLE_EQ(stats.cpu_seconds, 3.0);  // (250 + 50) / 100
  EXPECT_DOUBLE_EQ(stats.start_time_seconds, 1700000010.0);
  EXPECT_DOUBLE_EQ(stats.resident_memory_bytes, 2048.0 * 4096);
  EXPECT_DOUBLE_EQ(stats.virtual_memory_bytes, 123456789.0);
  EXPECT_DOUBLE_EQ(stats.open_fds, 5.0);
  EXPECT_DOUBLE_EQ(stats.max_fds, 1024.0);
}

TEST_F(ProcessStatsTest, UnlimitedOpenFilesIsInfinity) {
  dir_.Write("self/limits",
             "Max open files            unlimited            unlimited     "
             "       files     \n");
  ASSERT_OK_AND_ASSIGN(ProcessStats stats, Reader().Read());
  EXPECT_TRUE(std::isinf(stats.max_fds));
}

TEST_F(ProcessStatsTest, MissingFileIsNotFound) {
  std::filesystem::remove(dir_.path() + "/self/limits");
  EXPECT_THAT(Reader().Read(),
              StatusIs(StatusCode::kNotFound, HasSubstr("self/limits")));
}

TEST_F(ProcessStatsTest, TruncatedStatIsInvalidArgument) {
  dir_.Write("self/stat", "4242 (kilnd) S 1 4242\n");
  EXPECT_THAT(Reader().Read(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("self/stat")));
}

TEST_F(ProcessStatsTest, MissingBootTimeIsInvalidArgument) {
  dir_.Write("stat", "cpu 1 2 3\n");
  EXPECT_THAT(Reader().Read(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("btime")));
}

TEST_F(ProcessStatsTest, SerializeExposesTheFakeFigures) {
  // KilnMetrics uses sysconf's tick rate and page size, so only the figures
  // that do not depend on them are compared exactly.
  KilnMetrics metrics({.proc_root = dir_.path(), .pid_dir = "self"});
  const std::string text = metrics.Serialize();
  EXPECT_THAT(Sample(text, "process_virtual_memory_bytes"),
              Optional(DoubleEq(123456789.0)));
  EXPECT_THAT(Sample(text, "process_open_fds"), Optional(5.0));
  EXPECT_THAT(Sample(text, "process_max_fds"), Optional(1024.0));
  EXPECT_THAT(Sample(text, "process_cpu_seconds_total"),
              Optional(DoubleEq(300.0 / sysconf(_SC_CLK_TCK))));
  EXPECT_THAT(Sample(text, "process_resident_memory_bytes"),
              Optional(DoubleEq(2048.0 * sysconf(_SC_PAGESIZE))));
}

TEST(ProcessStatsRealProcTest, ReadsThisProcess) {
  ASSERT_OK_AND_ASSIGN(ProcessStats stats, ProcessStatsReader().Read());
  EXPECT_GT(stats.resident_memory_bytes, 0);
  EXPECT_GE(stats.virtual_memory_bytes, stats.resident_memory_bytes);
  EXPECT_GE(stats.open_fds, 3);  // stdin, stdout, stderr at least
  EXPECT_GT(stats.max_fds, stats.open_fds);
  EXPECT_GT(stats.start_time_seconds, 1.5e9);
  EXPECT_GE(stats.cpu_seconds, 0);
}

}  // namespace
}  // namespace kiln
