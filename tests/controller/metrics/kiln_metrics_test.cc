#include "controller/metrics/kiln_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/controller/metrics/metrics_test_util.h"

namespace kiln {
namespace {

using ::kiln::testing::Sample;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

struct FamilySpec {
  const char* name;
  const char* type;
};

constexpr FamilySpec kFamilies[] = {
    {"kiln_build_duration_seconds", "histogram"},
    {"kiln_builds_total", "counter"},
    {"kiln_builds_active", "gauge"},
    {"kiln_admission_rejections_total", "counter"},
    {"kiln_capacity", "gauge"},
    {"kiln_reconcile_duration_seconds", "histogram"},
    {"kiln_workqueue_depth", "gauge"},
    {"kiln_workqueue_retries_total", "counter"},
    {"kiln_apiserver_request_duration_seconds", "histogram"},
    {"kiln_watchers", "gauge"},
    {"kiln_store_write_duration_seconds", "histogram"},
    {"process_resident_memory_bytes", "gauge"},
    {"process_virtual_memory_bytes", "gauge"},
    {"process_open_fds", "gauge"},
    {"process_max_fds", "gauge"},
    {"process_cpu_seconds_total", "counter"},
    {"process_start_time_seconds", "gauge"},
};

TEST(KilnMetricsTest, EveryFamilyHasHelpAndTypeBeforeAnyEvent) {
  KilnMetrics metrics;
  const std::string text = metrics.Serialize();
  for (const FamilySpec& family : kFamilies) {
    SCOPED_TRACE(family.name);
    EXPECT_THAT(text, HasSubstr(std::string("# HELP ") + family.name + " "));
    EXPECT_THAT(text, HasSubstr(std::string("# TYPE ") + family.name + " " +
                                family.type + "\n"));
  }
}

TEST(KilnMetricsTest, KnownLabelValuesStartAtZero) {
  KilnMetrics metrics;
  const std::string text = metrics.Serialize();
  for (const char* result : {"ready", "failed", "cancelled", "timeout"}) {
    SCOPED_TRACE(result);
    EXPECT_THAT(Sample(text, std::string("kiln_builds_total{result=\"") +
                                 result + "\"}"),
                Optional(0.0));
    EXPECT_THAT(Sample(text, std::string("kiln_build_duration_seconds_count{"
                                         "result=\"") +
                                 result + "\"}"),
                Optional(0.0));
  }
  for (const char* phase : {"Pending", "Building", "Pushing"}) {
    EXPECT_THAT(Sample(text, std::string("kiln_builds_active{phase=\"") +
                                 phase + "\"}"),
                Optional(0.0));
  }
  EXPECT_THAT(Sample(text,
                     "kiln_admission_rejections_total{reason="
                     "\"ResourcesExhausted\"}"),
              Optional(0.0));
  EXPECT_THAT(
      Sample(text, R"(kiln_capacity{resource="memory_mib",state="allocated"})"),
      Optional(0.0));
  EXPECT_THAT(
      Sample(text,
             R"(kiln_reconcile_duration_seconds_count{result="requeue"})"),
      Optional(0.0));
  EXPECT_THAT(Sample(text, "kiln_workqueue_retries_total"), Optional(0.0));
  EXPECT_THAT(Sample(text, "kiln_store_write_duration_seconds_count"),
              Optional(0.0));
}

TEST(KilnMetricsTest, CountersMove) {
  KilnMetrics metrics;
  metrics.ObserveBuildFinished(kBuildResultReady, 42);
  metrics.ObserveBuildFinished(kBuildResultReady, 50);
  metrics.ObserveBuildFinished(kBuildResultTimeout, 3600);
  metrics.AddAdmissionRejection(kRejectResourcesExhausted);
  metrics.AddAdmissionRejection(kRejectResourcesExhausted);
  metrics.AddAdmissionRejection(kRejectInvalid);
  metrics.AddWorkqueueRetry();
  const std::string text = metrics.Serialize();
  EXPECT_THAT(Sample(text, R"(kiln_builds_total{result="ready"})"),
              Optional(2.0));
  EXPECT_THAT(Sample(text, R"(kiln_builds_total{result="timeout"})"),
              Optional(1.0));
  EXPECT_THAT(Sample(text, R"(kiln_builds_total{result="failed"})"),
              Optional(0.0));
  EXPECT_THAT(
      Sample(text,
             R"(kiln_admission_rejections_total{reason="ResourcesExhausted"})"),
      Optional(2.0));
  EXPECT_THAT(
      Sample(text, R"(kiln_admission_rejections_total{reason="Invalid"})"),
      Optional(1.0));
  EXPECT_THAT(Sample(text, "kiln_workqueue_retries_total"), Optional(1.0));
}

TEST(KilnMetricsTest, BuildDurationBucketsAreCumulative) {
  KilnMetrics metrics;
  metrics.ObserveBuildFinished(kBuildResultFailed, 0.5);
  metrics.ObserveBuildFinished(kBuildResultFailed, 7);
  metrics.ObserveBuildFinished(kBuildResultFailed, 7000);
  const std::string text = metrics.Serialize();
  auto bucket = [&](const char* le) {
    return Sample(text, std::string("kiln_build_duration_seconds_bucket{result="
                                    "\"failed\",le=\"") +
                            le + "\"}");
  };
  EXPECT_THAT(bucket("1"), Optional(1.0));
  EXPECT_THAT(bucket("5"), Optional(1.0));
  EXPECT_THAT(bucket("10"), Optional(2.0));
  EXPECT_THAT(bucket("3600"), Optional(2.0));
  EXPECT_THAT(bucket("+Inf"), Optional(3.0));
  EXPECT_THAT(
      Sample(text, R"(kiln_build_duration_seconds_count{result="failed"})"),
      Optional(3.0));
  EXPECT_THAT(
      Sample(text, R"(kiln_build_duration_seconds_sum{result="failed"})"),
      Optional(7007.5));
}

TEST(KilnMetricsTest, ApiRequestsAreLabelledByVerbResourceAndCode) {
  KilnMetrics metrics;
  metrics.ObserveApiRequest("GET", "builds", 200, 0.0004);
  metrics.ObserveApiRequest("GET", "builds", 200, 0.003);
  metrics.ObserveApiRequest("POST", "builds", 503, 0.02);
  const std::string text = metrics.Serialize();
  const std::string get =
      R"(kiln_apiserver_request_duration_seconds_bucket{code="200",resource="builds",verb="GET",le=")";
  EXPECT_THAT(Sample(text, get + "0.0005\"}"), Optional(1.0));
  EXPECT_THAT(Sample(text, get + "0.0025\"}"), Optional(1.0));
  EXPECT_THAT(Sample(text, get + "0.005\"}"), Optional(2.0));
  EXPECT_THAT(Sample(text, get + "10\"}"), Optional(2.0));
  EXPECT_THAT(
      Sample(
          text,
          R"(kiln_apiserver_request_duration_seconds_count{code="503",resource="builds",verb="POST"})"),
      Optional(1.0));
}

TEST(KilnMetricsTest, GaugesAreSet) {
  KilnMetrics metrics;
  metrics.SetBuildsActive(kPhaseBuilding, 3);
  metrics.SetCapacity(kResourceCpus, 8, 2.5);
  metrics.SetCapacity(kResourceMemoryMib, 16384, 4096);
  metrics.SetWorkqueueDepth(7);
  metrics.SetWatchers(12);
  metrics.SetWatchers(11);
  const std::string text = metrics.Serialize();
  EXPECT_THAT(Sample(text, R"(kiln_builds_active{phase="Building"})"),
              Optional(3.0));
  EXPECT_THAT(Sample(text, R"(kiln_capacity{resource="cpus",state="total"})"),
              Optional(8.0));
  EXPECT_THAT(
      Sample(text, R"(kiln_capacity{resource="cpus",state="allocated"})"),
      Optional(2.5));
  EXPECT_THAT(
      Sample(text, R"(kiln_capacity{resource="memory_mib",state="total"})"),
      Optional(16384.0));
  EXPECT_THAT(Sample(text, "kiln_workqueue_depth"), Optional(7.0));
  EXPECT_THAT(Sample(text, "kiln_watchers"), Optional(11.0));
}

TEST(KilnMetricsTest, ReconcileAndStoreWriteHistograms) {
  KilnMetrics metrics;
  metrics.ObserveReconcile(kReconcileSuccess, 0.004);
  metrics.ObserveReconcile(kReconcileError, 0.2);
  metrics.ObserveStoreWrite(0.0003);
  const std::string text = metrics.Serialize();
  EXPECT_THAT(
      Sample(
          text,
          R"(kiln_reconcile_duration_seconds_bucket{result="success",le="0.005"})"),
      Optional(1.0));
  EXPECT_THAT(
      Sample(
          text,
          R"(kiln_reconcile_duration_seconds_bucket{result="error",le="0.1"})"),
      Optional(0.0));
  EXPECT_THAT(
      Sample(text, R"(kiln_store_write_duration_seconds_bucket{le="0.0005"})"),
      Optional(1.0));
  EXPECT_THAT(
      Sample(text, R"(kiln_store_write_duration_seconds_bucket{le="0.00025"})"),
      Optional(0.0));
}

TEST(KilnMetricsTest, LabelValuesAreEscaped) {
  KilnMetrics metrics;
  metrics.AddAdmissionRejection("a\"b\\c\nd");
  EXPECT_THAT(
      metrics.Serialize(),
      HasSubstr(R"(kiln_admission_rejections_total{reason="a\"b\\c\nd"} 1)"));
}

TEST(KilnMetricsTest, ConcurrentUpdatesAreAllCounted) {
  KilnMetrics metrics;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        metrics.ObserveBuildFinished(kBuildResultReady, 1);
        metrics.ObserveApiRequest("LIST", "builds", 200, 0.001);
        if (i % 100 == 0) (void)metrics.Serialize();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::string text = metrics.Serialize();
  EXPECT_THAT(Sample(text, R"(kiln_builds_total{result="ready"})"),
              Optional(double{kThreads * kPerThread}));
  EXPECT_THAT(
      Sample(
          text,
          R"(kiln_apiserver_request_duration_seconds_count{code="200",resource="builds",verb="LIST"})"),
      Optional(double{kThreads * kPerThread}));
}

TEST(KilnMetricsTest, ContentTypeIsTextFormat004) {
  EXPECT_STREQ(kMetricsContentType, "text/plain; version=0.0.4; charset=utf-8");
}

TEST(KilnMetricsTest, ProcessFamiliesAreLeftOutWhenProcIsUnreadable) {
  KilnMetrics metrics(KilnMetrics::Options{.proc_root = "/nonexistent-proc",
                                           .pid_dir = "self"});
  const std::string text = metrics.Serialize();
  EXPECT_THAT(text, Not(HasSubstr("process_")));
  EXPECT_THAT(text, HasSubstr("# TYPE kiln_builds_total counter"));
}

}  // namespace
}  // namespace kiln
