// EventRecorder: writes kind Event objects (kiln.dev/v1, core-style) about
// Builds — one per distinct (object, type, reason, message), with `count`
// incremented and lastTimestamp moved when the same thing happens again (as
// client-go's event correlator de-duplicates) — and prunes them by age and
// by number per namespace.
//
// Recording is asynchronous and best effort (as client-go's broadcaster):
// Record() queues the event and returns; one background thread writes
// queued events, so an API request or a reconcile never waits for an extra
// durable commit. A full queue drops the event (counted, logged once per
// burst); a write that fails is logged and dropped, never failing the
// caller's work.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <thread>

#include "api_types/build.h"
#include "api_types/status.h"
#include "controller/base/clock.h"
#include "controller/base/mutex.h"
#include "controller/store/store.h"

namespace kiln {

struct EventRecorderOptions {
  std::string component = "kiln-controller";  // source.component
  // Events whose lastTimestamp is older are pruned.
  std::chrono::seconds ttl{std::chrono::hours(1)};
  // At most this many events per namespace survive a prune (newest kept).
  size_t max_per_namespace = 1000;
  // Events waiting to be written; more are dropped.
  size_t max_queued = 10000;
};

inline constexpr char kEventNormal[] = "Normal";
inline constexpr char kEventWarning[] = "Warning";

class EventRecorder {
 public:
  EventRecorder(Store& store, Clock& clock, EventRecorderOptions options = {});
  // Writes what is queued, then stops.
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Records `reason` about `build` (its namespace, name and uid). `type` is
  // kEventNormal or kEventWarning.
  void Record(const Build& build, std::string_view type,
              std::string_view reason, std::string message);
  // Same, for a Build that was never stored (e.g. a rejected create): the
  // event names namespace/name only.
  void RecordFor(const std::string& ns, const std::string& name,
                 const std::string& uid, std::string_view type,
                 std::string_view reason, std::string message) EXCLUDES(mu_);

  // Waits until every event queued before the call is written (tests,
  // shutdown).
  void Flush() EXCLUDES(mu_);

  // Deletes events past the TTL, then the oldest beyond max_per_namespace.
  // Returns how many were deleted.
  StatusOr<size_t> Prune();

  // The deterministic name of the event for these fields:
  // "<name>.<16 hex digits>".
  static std::string EventName(const std::string& object_name,
                               const std::string& uid, std::string_view type,
                               std::string_view reason,
                               std::string_view message);

 private:
  struct Pending {
    std::string ns, name, uid, type, reason, message;
    Timestamp at;
  };
  void Run() EXCLUDES(mu_);
  Status Write(const Pending& e);

  Store& store_;
  Clock& clock_;
  const EventRecorderOptions options_;

  Mutex mu_;
  CondVar cv_{&mu_};
  std::deque<Pending> queue_ GUARDED_BY(mu_);
  int64_t queued_total_ GUARDED_BY(mu_) = 0;
  int64_t written_total_ GUARDED_BY(mu_) = 0;  // written or given up
  bool dropping_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread writer_;  // last: starts after the fields above
};

}  // namespace kiln
