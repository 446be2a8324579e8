// LogFollower: a handle on one reader that follows a build log from a byte
// offset, delivering bytes as the writer appends them. Followers are created
// by LogPoller::Follow and run on the poller's one shared thread; there is
// no thread per follower.
//
// Delivery contract:
//  - on_data(data, next_offset) gets the bytes [previous next_offset,
//    next_offset) of the log, in order, with no gap or overlap. `data` ends
//    at a line boundary, except (a) a line longer than the poller's chunk is
//    delivered in chunk-sized pieces, and (b) after Finish() the final line
//    is delivered even without its '\n'. Returning false stops the follower
//    (no on_end follows).
//  - on_end(status) runs exactly once, last, unless the follower was
//    cancelled or stopped by on_data: OK after Finish() once every byte up
//    to the end of the log was delivered (also when the log never
//    appeared); OutOfRange when the log shrank below the follower's offset
//    (ApplyCap truncated it); Internal on a read error; Unavailable when the
//    poller is destroyed first.
//  - Callbacks run on the poller thread, one at a time per follower, never
//    concurrently with each other for one follower. They must not block
//    (every follower shares the thread): hand the bytes to a non-blocking
//    sink such as ResponseStream::Write. The `data` view is valid only
//    during the call.
//
// Memory: a follower buffers nothing between wake-ups; the log file is the
// buffer. Each wake-up reads at most one chunk per follower (the poller's
// reusable buffer). A consumer that cannot keep up calls Pause() and the
// follower stops reading until Resume().
//
// Thread-safe: every method may be called from any thread, including from
// inside a callback.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

class FollowerState;

struct LogFollowerCallbacks {
  std::function<bool(std::string_view data, int64_t next_offset)> on_data;
  std::function<void(const Status& status)> on_end;
};

class LogFollower {
 public:
  // Cancels.
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  // The build is terminal and its writer has stopped: deliver what is left
  // (including a final partial line), then end with on_end(OK). Idempotent.
  void Finish();

  // Stops / restarts reading (flow control for a slow consumer).
  void Pause();
  void Resume();

  // Stops the follower. When Cancel returns, no callback is running or will
  // start — except when called from inside this follower's callback, where
  // it returns at once and no further callback starts after the current one
  // returns. Must not be called while holding a lock the callbacks take.
  // Idempotent; no on_end.
  void Cancel();

  // The offset after the last delivered byte.
  int64_t offset() const;
  // True once the follower ended, was cancelled or was stopped.
  bool done() const;

 private:
  friend class LogPoller;
  explicit LogFollower(std::shared_ptr<FollowerState> state)
      : state_(std::move(state)) {}

  const std::shared_ptr<FollowerState> state_;
};

}  // namespace kiln
