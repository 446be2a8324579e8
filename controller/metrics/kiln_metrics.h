// KilnMetrics: every metric kilnd exposes on /metrics, behind plain-typed
// methods so callers never include prometheus-cpp (only this library compiles
// against it; the registry lives behind a pimpl).
//
// Families (docs/operations.md has the table):
//   kiln_build_duration_seconds             histogram {result}
//   kiln_builds_total                       counter   {result}
//   kiln_builds_active                      gauge     {phase}
//   kiln_admission_rejections_total         counter   {reason}
//   kiln_capacity                           gauge     {resource, state}
//   kiln_reconcile_duration_seconds         histogram {result}
//   kiln_workqueue_depth                    gauge
//   kiln_workqueue_retries_total            counter
//   kiln_apiserver_request_duration_seconds histogram {verb, resource, code}
//   kiln_watchers                           gauge
//   kiln_store_write_duration_seconds       histogram
//   process_{cpu_seconds_total, start_time_seconds, resident_memory_bytes,
//            virtual_memory_bytes, open_fds, max_fds}, read at scrape time.
//
// Label values are taken as given. They must come from small fixed sets (the
// k* constants below, HTTP verbs, resource names, status codes): every new
// value is a new time series kept for the life of the process. The series for
// the constants below exist from construction (at 0), so rate() and
// absent() behave before the first event.
//
// Thread-safe: every method may be called from any thread at any time
// (prometheus-cpp metrics are atomic; families lock internally), including
// concurrently with Serialize(). Never throws for the fixed label names used
// here (prometheus-cpp throws only on invalid metric or label names).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kiln {

// Content-Type of Serialize()'s output (Prometheus text format 0.0.4).
inline constexpr char kMetricsContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// result of kiln_build_duration_seconds and kiln_builds_total: the terminal
// phase, with DeadlineExceeded failures counted as "timeout", not "failed".
inline constexpr std::string_view kBuildResultReady = "ready";
inline constexpr std::string_view kBuildResultFailed = "failed";
inline constexpr std::string_view kBuildResultCancelled = "cancelled";
inline constexpr std::string_view kBuildResultTimeout = "timeout";

// phase of kiln_builds_active: the non-terminal phases.
inline constexpr std::string_view kPhasePending = "Pending";
inline constexpr std::string_view kPhaseBuilding = "Building";
inline constexpr std::string_view kPhasePushing = "Pushing";

// reason of kiln_admission_rejections_total: the StatusCause reason of the
// refusal (doesn't fit now → 503; invalid or can never fit → 422).
inline constexpr std::string_view kRejectResourcesExhausted =
    "ResourcesExhausted";
inline constexpr std::string_view kRejectInvalid = "Invalid";

// resource of kiln_capacity.
inline constexpr std::string_view kResourceCpus = "cpus";
inline constexpr std::string_view kResourceMemoryMib = "memory_mib";
inline constexpr std::string_view kResourceBuilds = "builds";

// result of kiln_reconcile_duration_seconds.
inline constexpr std::string_view kReconcileSuccess = "success";
inline constexpr std::string_view kReconcileError = "error";
inline constexpr std::string_view kReconcileRequeue = "requeue";

class KilnMetrics {
 public:
  struct Options {
    // procfs root and process directory for the process_* metrics (a seam
    // for tests; see ProcessStatsReader).
    std::string proc_root = "/proc";
    std::string pid_dir = "self";
  };

  KilnMetrics();
  explicit KilnMetrics(Options options);
  ~KilnMetrics();
  KilnMetrics(const KilnMetrics&) = delete;
  KilnMetrics& operator=(const KilnMetrics&) = delete;

  // A Build reached a terminal phase `seconds` after creation: observes
  // kiln_build_duration_seconds{result} and increments
  // kiln_builds_total{result}. Call once per Build (on the status write that
  // made it terminal, not on every later reconcile).
  void ObserveBuildFinished(std::string_view result, double seconds);

  // kiln_builds_active{phase} = n.
  void SetBuildsActive(std::string_view phase, int64_t n);

  // kiln_admission_rejections_total{reason} += 1.
  void AddAdmissionRejection(std::string_view reason);

  // kiln_capacity{resource, state="total"} = total and
  // {resource, state="allocated"} = allocated.
  void SetCapacity(std::string_view resource, double total, double allocated);

  // One Reconcile call took `seconds`.
  void ObserveReconcile(std::string_view result, double seconds);

  // kiln_workqueue_depth = n (keys waiting, not counting those in progress).
  void SetWorkqueueDepth(int64_t n);
  // kiln_workqueue_retries_total += 1 (a key re-added with backoff).
  void AddWorkqueueRetry();

  // One API request, `code` its HTTP status. `verb` as kube-apiserver's
  // apiserver_request_duration_seconds spells it (GET, LIST, POST, PUT,
  // PATCH, DELETE); `resource` the resource with its subresource ("builds",
  // "builds/status", "nodes") and one fixed value such as "nonresource" for
  // other paths — never the raw path, whose values are unbounded.
  // Long-running requests (watch streams, log follows) must not be observed
  // here: their duration is the client's choice; kiln_watchers counts them.
  void ObserveApiRequest(std::string_view verb, std::string_view resource,
                         int code, double seconds);

  // kiln_watchers = n (open watch streams).
  void SetWatchers(int64_t n);

  // One store write transaction (commit included) took `seconds`.
  void ObserveStoreWrite(double seconds);

  // Every family in Prometheus text format 0.0.4 (serve it with
  // kMetricsContentType). Reads the process_* figures first; if they cannot
  // be read the process_* families are left out and the rest is served.
  // Families without a series yet still carry HELP and TYPE.
  std::string Serialize() const;

 private:
  struct Impl;
  const std::unique_ptr<Impl> impl_;
};

}  // namespace kiln
