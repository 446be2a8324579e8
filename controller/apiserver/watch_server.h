// WatchServer: serves Kubernetes watch streams (newline-delimited WatchEvent
// JSON) from Store watchers without a thread per watch. A store notify
// schedules a drain of that watch on a small pump pool; a ticker closes
// watches at their timeout (clients re-watch, as with kube-apiserver's
// min-request-timeout) and writes BOOKMARK events / heartbeats, which also
// exposes clients that stopped reading (their unsent bytes hit the stream
// cap and the stream closes).
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "controller/apiserver/http.h"
#include "controller/base/clock.h"
#include "controller/base/mutex.h"
#include "controller/base/thread_pool.h"
#include "controller/store/store.h"

namespace kiln {

struct WatchServerOptions {
  // Used when the request has no timeoutSeconds; a random 0-20% is added.
  std::chrono::seconds default_timeout{300};
  std::chrono::seconds max_timeout{1800};
  std::chrono::seconds bookmark_interval{10};
  // Open watches per client key (user + address); more gets 429.
  size_t max_watches_per_client = 1000;
  size_t pump_threads = 4;
};

struct WatchRequest {
  WatchOptions store;  // scope, selector, from_revision
  // Send the current objects as ADDED first (resourceVersion "" or "0").
  bool send_initial = false;
  bool allow_bookmarks = false;
  std::optional<std::chrono::seconds> timeout;
  std::string client_key;  // for the per-client limit
  // apiVersion/kind stamped on BOOKMARK objects.
  std::string api_version;
  std::string kind;
  // Objects failing it are not sent (e.g. a metadata.name field selector;
  // the predicate must not depend on fields that change). Empty = all.
  std::function<bool(const nlohmann::json&)> filter;
  // Turns a stored object into what is sent (e.g. a Table); identity when
  // empty. Must be thread-safe.
  std::function<nlohmann::json(const nlohmann::json&)> transform;
};

class WatchServer {
 public:
  WatchServer(Store& store, Clock& clock, WatchServerOptions options);
  // Closes every open watch.
  ~WatchServer();
  WatchServer(const WatchServer&) = delete;
  WatchServer& operator=(const WatchServer&) = delete;

  // Opens the watch. Errors before streaming starts: OutOfRange (too old
  // resourceVersion → 410), ResourcesExhausted (per-client limit → 429),
  // others from the store. On success the response streams events.
  StatusOr<HttpResponse> Serve(WatchRequest request) EXCLUDES(mu_);

  // Open watches (for metrics and tests).
  size_t active() const { return active_.load(); }

  class Session;

 private:
  void Tick() EXCLUDES(mu_);
  void Forget(Session* session) EXCLUDES(mu_);

  Store& store_;
  Clock& clock_;
  const WatchServerOptions options_;
  ThreadPool pumps_;
  std::atomic<size_t> active_{0};
  // Sessions ended so far; the ticker trims the heap after a burst of them.
  std::atomic<int64_t> forgotten_{0};
  int64_t forgotten_seen_ = 0;  // ticker thread only
  int quiet_ticks_ = 0;         // ticker thread only
  bool trim_pending_ = false;   // ticker thread only

  Mutex mu_;
  CondVar cv_{&mu_};
  bool stopping_ GUARDED_BY(mu_) = false;
  std::map<Session*, std::shared_ptr<Session>> sessions_ GUARDED_BY(mu_);
  std::map<std::string, size_t> per_client_ GUARDED_BY(mu_);

  std::thread ticker_;  // last
};

}  // namespace kiln
