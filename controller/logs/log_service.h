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
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/apiserver/http.h"
#include "controller/logs/build_log_store.h"
#include "controller/logs/log_indexer.h"
#include "controller/logs/log_poller.h"
#include "controller/base/clock.h"
#include "controller/base/mutex.h"
#include "controller/base/periodic.h"

namespace kiln {

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

  // Sends an SSE heartbeat comment on `stream` every sse_heartbeat until
  // it closes.
  void AddHeartbeat(const std::weak_ptr<ResponseStream>& stream) EXCLUDES(mu_);

 private:
  void Beat() EXCLUDES(mu_);

  Clock& clock_;
  const LogServiceOptions options_;
  BuildLogStore store_;
  LogPoller poller_;
  Mutex mu_;
  std::map<std::string, std::unique_ptr<LogIndexer>> indexers_ GUARDED_BY(mu_);
  std::vector<std::weak_ptr<ResponseStream>> heartbeats_ GUARDED_BY(mu_);
  std::unique_ptr<Periodic> beat_;  // last: uses the fields above
};

}  // namespace kiln
