// LogService: everything kilnd does with build logs, in one place — reads
// for GET .../builds/NAME/log, live followers for ?follow=true (one shared
// poller thread), a timestamp indexer per active build, the size cap when a
// build ends, SSE heartbeats, and removal of logs whose Build is gone.
//
// The build controller tells it when a build is active (BuildActive, called
// on every reconcile of a running build: idempotent, so a restarted kilnd
// resumes indexing) and when it ended (BuildFinished: the indexer drains,
// followers of that log end, the cap applies).
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api_types/status.h"
#include "controller/base/clock.h"
#include "controller/base/mutex.h"
#include "controller/base/periodic.h"
#include "controller/logs/build_log_store.h"
#include "controller/logs/log_indexer.h"
#include "controller/logs/log_poller.h"

namespace kiln {

// Where LogService sends SSE heartbeats: writes `chunk` to one open
// response stream and returns false once that stream is closed or gone
// (then it is dropped). The HTTP layer adapts its response stream to this,
// so the logs code knows nothing of the HTTP server. Called on the
// heartbeat thread; must not block.
using SseChunkWriter = std::function<bool(std::string_view chunk)>;

struct LogServiceOptions {
  std::string logs_dir;
  int64_t max_bytes = kDefaultLogMaxBytes;
  std::chrono::seconds sse_heartbeat{15};
};

class LogService {
 public:
  LogService(Clock& clock, LogServiceOptions options);
  ~LogService();
  LogService(const LogService&) = delete;
  LogService& operator=(const LogService&) = delete;

  const BuildLogStore& store() const { return store_; }
  LogPoller& poller() { return poller_; }

  // The build with `uid` is running: make sure its log is being indexed.
  void BuildActive(const std::string& uid) EXCLUDES(mu_);
  // The build with `uid` is terminal: finish indexing, end its followers,
  // apply the size cap.
  void BuildFinished(const std::string& uid) EXCLUDES(mu_);
  // Deletes the logs (and indexes) of builds whose uid is not in `live`
  // and that nobody wrote to for 5 minutes (so a Build newer than `live`
  // keeps its log). Returns how many logs were deleted.
  size_t DeleteAllBut(const std::set<std::string>& live) EXCLUDES(mu_);

  // Sends an SSE heartbeat comment (kSseHeartbeat) through `write` every
  // sse_heartbeat until `write` returns false. Keeps `write` until then.
  void AddHeartbeat(SseChunkWriter write) EXCLUDES(mu_);

 private:
  void Beat() EXCLUDES(mu_);

  Clock& clock_;
  const LogServiceOptions options_;
  BuildLogStore store_;
  LogPoller poller_;
  Mutex mu_;
  std::map<std::string, std::unique_ptr<LogIndexer>> indexers_ GUARDED_BY(mu_);
  std::vector<SseChunkWriter> heartbeats_ GUARDED_BY(mu_);
  std::unique_ptr<Periodic> beat_;  // last: uses the fields above
};

}  // namespace kiln
