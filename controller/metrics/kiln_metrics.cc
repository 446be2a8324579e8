#include "controller/metrics/kiln_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <sstream>
#include <utility>
#include <vector>

#include "controller/metrics/process_families.h"
#include "controller/metrics/process_stats.h"

namespace kiln {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Registry;

// A build takes seconds (cached layers) to an hour (the default timeout).
const Histogram::BucketBoundaries kBuildBuckets = {
    1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600};
// One reconcile step: store reads and writes, a VM create or delete.
const Histogram::BucketBoundaries kReconcileBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
// One API request: sub-millisecond cache reads to multi-second lists.
const Histogram::BucketBoundaries kApiBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1,    0.25,  0.5,    1,     2.5,  5,     10};
// One SQLite write transaction: dominated by the commit's fsync.
const Histogram::BucketBoundaries kStoreWriteBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025,  0.05,    0.1,    0.25,  0.5,    1};

prometheus::Labels One(const char* name, std::string_view value) {
  return {{name, std::string(value)}};
}

}  // namespace

struct KilnMetrics::Impl {
  explicit Impl(const Options& options);

  // Families that have no series yet, as HELP/TYPE-only entries (prometheus-
  // cpp's Registry leaves out empty families).
  void AddEmptyDeclared(std::vector<prometheus::MetricFamily>& out) const;

  // Const after construction.
  ProcessStatsReader process_stats;
  std::vector<prometheus::MetricFamily> declared;  // name, help, type only

  // Self-synchronized (prometheus-cpp locks families, metrics are atomic).
  // The registry is declared first: the family references point into it.
  Registry registry;
  Family<Histogram>& build_duration;
  Family<Counter>& builds;
  Family<Gauge>& builds_active;
  Family<Counter>& admission_rejections;
  Family<Gauge>& capacity;
  Family<Histogram>& reconcile_duration;
  Gauge& workqueue_depth;
  Counter& workqueue_retries;
  Family<Histogram>& api_request_duration;
  Gauge& watchers;
  Histogram& store_write_duration;

 private:
  template <typename Builder>
  auto& Declare(Builder builder, const std::string& name,
                const std::string& help, prometheus::MetricType type) {
    declared.push_back({name, help, type, {}});
    return builder.Name(name).Help(help).Register(registry);
  }
};

KilnMetrics::Impl::Impl(const Options& options)
    : process_stats(ProcessStatsReader::Options{.proc_root = options.proc_root,
                                                .pid_dir = options.pid_dir}),
      build_duration(Declare(
          BuildHistogram(), "kiln_build_duration_seconds",
          "Time from a Build's creation to its terminal phase, by result.",
          prometheus::MetricType::Histogram)),
      builds(Declare(BuildCounter(), "kiln_builds_total",
                     "Builds that reached a terminal phase, by result.",
                     prometheus::MetricType::Counter)),
      builds_active(Declare(BuildGauge(), "kiln_builds_active",
                            "Builds in a non-terminal phase, by phase.",
                            prometheus::MetricType::Gauge)),
      admission_rejections(Declare(
          BuildCounter(), "kiln_admission_rejections_total",
          "Build creations refused by admission, by StatusCause reason.",
          prometheus::MetricType::Counter)),
      capacity(Declare(BuildGauge(), "kiln_capacity",
                       "Node capacity for builds (state=total) and the part "
                       "held by admitted Builds (state=allocated).",
                       prometheus::MetricType::Gauge)),
      reconcile_duration(
          Declare(BuildHistogram(), "kiln_reconcile_duration_seconds",
                  "Duration of one BuildReconciler::Reconcile call, by result.",
                  prometheus::MetricType::Histogram)),
      workqueue_depth(Declare(BuildGauge(), "kiln_workqueue_depth",
                              "Keys waiting in the controller's work queue.",
                              prometheus::MetricType::Gauge)
                          .Add({})),
      workqueue_retries(
          Declare(BuildCounter(), "kiln_workqueue_retries_total",
                  "Keys re-added to the work queue with backoff after an "
                  "error.",
                  prometheus::MetricType::Counter)
              .Add({})),
      api_request_duration(
          Declare(BuildHistogram(), "kiln_apiserver_request_duration_seconds",
                  "Duration of API requests (watch streams excluded), by verb, "
                  "resource and HTTP status code.",
                  prometheus::MetricType::Histogram)),
      watchers(Declare(BuildGauge(), "kiln_watchers",
                       "Open watch streams on the API server.",
                       prometheus::MetricType::Gauge)
                   .Add({})),
      store_write_duration(
          Declare(BuildHistogram(), "kiln_store_write_duration_seconds",
                  "Duration of one store write transaction, commit included.",
                  prometheus::MetricType::Histogram)
              .Add({}, kStoreWriteBuckets)) {
  // The known label values exist from the start, at 0.
  for (std::string_view result : {kBuildResultReady, kBuildResultFailed,
                                  kBuildResultCancelled, kBuildResultTimeout}) {
    build_duration.Add(One("result", result), kBuildBuckets);
    builds.Add(One("result", result));
  }
  for (std::string_view phase : {kPhasePending, kPhaseBuilding, kPhasePushing})
    builds_active.Add(One("phase", phase));
  for (std::string_view reason : {kRejectResourcesExhausted, kRejectInvalid})
    admission_rejections.Add(One("reason", reason));
  for (std::string_view resource :
       {kResourceCpus, kResourceMemoryMib, kResourceBuilds}) {
    for (const char* state : {"total", "allocated"})
      capacity.Add({{"resource", std::string(resource)}, {"state", state}});
  }
  for (std::string_view result :
       {kReconcileSuccess, kReconcileError, kReconcileRequeue})
    reconcile_duration.Add(One("result", result), kReconcileBuckets);
}

void KilnMetrics::Impl::AddEmptyDeclared(
    std::vector<prometheus::MetricFamily>& out) const {
  for (const prometheus::MetricFamily& family : declared) {
    bool present = std::any_of(
        out.begin(), out.end(),
        [&](const auto& collected) { return collected.name == family.name; });
    if (!present) out.push_back(family);
  }
}

KilnMetrics::KilnMetrics() : KilnMetrics(Options()) {}

KilnMetrics::KilnMetrics(Options options)
    : impl_(std::make_unique<Impl>(options)) {}

KilnMetrics::~KilnMetrics() = default;

void KilnMetrics::ObserveBuildFinished(std::string_view result,
                                       double seconds) {
  impl_->build_duration.Add(One("result", result), kBuildBuckets)
      .Observe(seconds);
  impl_->builds.Add(One("result", result)).Increment();
}

void KilnMetrics::SetBuildsActive(std::string_view phase, int64_t n) {
  impl_->builds_active.Add(One("phase", phase)).Set(static_cast<double>(n));
}

void KilnMetrics::AddAdmissionRejection(std::string_view reason) {
  impl_->admission_rejections.Add(One("reason", reason)).Increment();
}

void KilnMetrics::SetCapacity(std::string_view resource, double total,
                              double allocated) {
  const std::string r(resource);
  impl_->capacity.Add({{"resource", r}, {"state", "total"}}).Set(total);
  impl_->capacity.Add({{"resource", r}, {"state", "allocated"}}).Set(allocated);
}

void KilnMetrics::ObserveReconcile(std::string_view result, double seconds) {
  impl_->reconcile_duration.Add(One("result", result), kReconcileBuckets)
      .Observe(seconds);
}

void KilnMetrics::SetWorkqueueDepth(int64_t n) {
  impl_->workqueue_depth.Set(static_cast<double>(n));
}

void KilnMetrics::AddWorkqueueRetry() { impl_->workqueue_retries.Increment(); }

void KilnMetrics::ObserveApiRequest(std::string_view verb,
                                    std::string_view resource, int code,
                                    double seconds) {
  impl_->api_request_duration
      .Add({{"verb", std::string(verb)},
            {"resource", std::string(resource)},
            {"code", std::to_string(code)}},
           kApiBuckets)
      .Observe(seconds);
}

void KilnMetrics::SetWatchers(int64_t n) {
  impl_->watchers.Set(static_cast<double>(n));
}

void KilnMetrics::ObserveStoreWrite(double seconds) {
  impl_->store_write_duration.Observe(seconds);
}

std::string KilnMetrics::Serialize() const {
  std::vector<prometheus::MetricFamily> families = impl_->registry.Collect();
  impl_->AddEmptyDeclared(families);
  if (StatusOr<ProcessStats> stats = impl_->process_stats.Read(); stats.ok()) {
    for (prometheus::MetricFamily& family : ProcessFamilies(*stats))
      families.push_back(std::move(family));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace kiln
