// LogPoller: one shared thread that drives every LogFollower in the
// process. Each round it gives every follower one step — an fstat, and a
// read of at most one chunk when the log grew — and sleeps `interval` when
// no follower has more bytes ready. Follow, Finish and Resume wake it early.
//
// Why polling rather than inotify: an fstat per follower per interval is
// cheap (tens of followers at 50 ms is a few hundred syscalls a second),
// works on every filesystem the logs dir may live on, and needs no watch
// bookkeeping for logs that do not exist yet. With the default interval a
// line is delivered within ~50 ms of its write plus the callback time of the
// other followers, well inside the 200 ms target. TODO(lead): switch the
// sleep to an inotify wait on the logs dir if follower counts grow.
//
// Thread-safe. The poller may be destroyed before its followers' handles;
// it then ends the remaining followers with on_end(Unavailable).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "controller/base/mutex.h"
#include "controller/base/thread_annotations.h"
#include "controller/logs/log_follower.h"
#include "controller/logs/poller_wakeup.h"

namespace kiln {

struct LogPollerOptions {
  // Sleep between rounds when nothing is ready. Real time (a condition
  // variable wait): the poller only sleeps, it stamps nothing.
  std::chrono::milliseconds interval{50};
  // Most bytes one follower reads (and one on_data gets) per step; the
  // poller's only per-read buffer. Also the longest line delivered whole.
  size_t chunk_bytes = 64 * 1024;
};

class LogPoller {
 public:
  // Starts the thread.
  explicit LogPoller(LogPollerOptions options = {});
  // Stops and joins the thread, then ends the remaining followers with
  // on_end(Unavailable) on the calling thread.
  ~LogPoller();
  LogPoller(const LogPoller&) = delete;
  LogPoller& operator=(const LogPoller&) = delete;

  // Follows the log at `path` from byte `offset` (0 = the beginning; use
  // the next_offset of a BuildLogStore::Read to continue after it). The log
  // need not exist yet: the follower waits for it. `callbacks` are kept
  // until the follower is done. See log_follower.h for the contract.
  //
  // To end a follower when its build turns terminal without a race: create
  // it, then check the build's phase and call Finish() if it is terminal;
  // the code that makes the build terminal calls FinishPath after writing
  // the terminal status.
  std::unique_ptr<LogFollower> Follow(std::string path, int64_t offset,
                                      LogFollowerCallbacks callbacks)
      EXCLUDES(mu_);

  // Finish() on every current follower of `path`.
  void FinishPath(const std::string& path) EXCLUDES(mu_);

  // Followers not yet done.
  size_t active() const EXCLUDES(mu_);

 private:
  void Run() EXCLUDES(mu_);

  // Const after construction.
  const LogPollerOptions options_;
  const std::shared_ptr<PollerWakeup> wakeup_;

  // Protected by mu_.
  mutable Mutex mu_;
  std::vector<std::shared_ptr<FollowerState>> followers_ GUARDED_BY(mu_);

  std::thread thread_;  // last: starts after the fields above exist
};

}  // namespace kiln
