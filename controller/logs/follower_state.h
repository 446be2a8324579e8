// FollowerState: the state of one LogFollower, shared by its handle and the
// LogPoller. Internal to controller/logs; see log_follower.h for the
// delivery contract.
//
// Thread-safety: Step runs only on the poller thread. Every other method is
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "api_types/status.h"
#include "controller/base/mutex.h"
#include "controller/base/thread_annotations.h"
#include "controller/logs/log_file_io.h"
#include "controller/logs/log_follower.h"
#include "controller/logs/poller_wakeup.h"

namespace kiln {

class FollowerState {
 public:
  FollowerState(std::string path, int64_t offset,
                LogFollowerCallbacks callbacks,
                std::shared_ptr<PollerWakeup> wakeup);
  FollowerState(const FollowerState&) = delete;
  FollowerState& operator=(const FollowerState&) = delete;

  const std::string& path() const { return path_; }

  // Poller thread only. Reads at most `chunk_bytes` (into `buffer`, reused
  // across calls) and runs at most one callback. Returns true when more
  // bytes are ready at once (the poller then skips its sleep).
  bool Step(size_t chunk_bytes, std::string& buffer) EXCLUDES(mu_);

  // Ends the follower with on_end(status) unless it is already done (the
  // poller's shutdown). Not while a Step of this follower runs.
  void End(const Status& status) EXCLUDES(mu_);

  void Finish() EXCLUDES(mu_);
  void Pause() EXCLUDES(mu_);
  void Resume() EXCLUDES(mu_);
  void Cancel() EXCLUDES(mu_);
  int64_t offset() const EXCLUDES(mu_);
  bool done() const EXCLUDES(mu_);

 private:
  // What one read found.
  struct Outcome {
    enum Kind { kIdle, kData, kEnd } kind = kIdle;
    size_t length = 0;  // kData: bytes of `buffer` to deliver
    bool more = false;  // kData: bytes remain after them
    Status end_status;  // kEnd
  };

  // Poller thread only: file I/O, no lock held, no callback.
  Outcome ReadNext(int64_t offset, bool finishing, size_t chunk_bytes,
                   std::string& buffer);
  // Marks the follower delivering (so Cancel waits for the callback) unless
  // it is done. Returns false when done: run no callback.
  bool BeginDelivery() EXCLUDES(mu_);
  void EndDeliveryLocked() REQUIRES(mu_);
  // Runs on_end unless done (cancelled), then marks the follower done.
  void DeliverEnd(const Status& status) EXCLUDES(mu_);

  // Const after construction.
  const std::string path_;
  const LogFollowerCallbacks callbacks_;
  const std::shared_ptr<PollerWakeup> wakeup_;

  // Poller thread only.
  ScopedFd fd_;
  int64_t stalled_size_ = -1;  // size at which only a partial line remained

  // Protected by mu_.
  mutable Mutex mu_;
  CondVar idle_{&mu_};
  int64_t offset_ GUARDED_BY(mu_);
  bool finishing_ GUARDED_BY(mu_) = false;
  bool paused_ GUARDED_BY(mu_) = false;
  bool done_ GUARDED_BY(mu_) = false;
  bool delivering_ GUARDED_BY(mu_) = false;
  std::thread::id delivering_thread_ GUARDED_BY(mu_);
};

}  // namespace kiln
