// Cancellation of the agent's work by SIGTERM/SIGINT, observable both as a
// flag and as a pollable file descriptor (a self-pipe), so a thread blocked
// in poll() on a child's output wakes up at once.
//
// Thread-safe; Request() is async-signal-safe.
#pragma once

#include <atomic>
#include <memory>

#include "api_types/status.h"

namespace kiln {

class Cancellation {
 public:
  // Internal when the pipe cannot be created.
  static StatusOr<std::unique_ptr<Cancellation>> Create();
  ~Cancellation();
  Cancellation(const Cancellation&) = delete;
  Cancellation& operator=(const Cancellation&) = delete;

  // Marks cancellation with the signal that caused it (0 = none) and makes
  // fd() readable. Idempotent.
  void Request(int signal_number);
  bool requested() const { return signal_.load() >= 0; }
  // The signal passed to the first Request(), or -1.
  int signal_number() const { return signal_.load(); }
  // Readable once requested; never read from, so it stays readable.
  int fd() const { return read_fd_; }

  // Routes SIGTERM and SIGINT of this process to `cancellation`, which
  // must outlive the process (or the next call). Internal on failure.
  static Status InstallSignalHandlers(Cancellation* cancellation);

 private:
  Cancellation(int read_fd, int write_fd)
      : read_fd_(read_fd), write_fd_(write_fd) {}

  const int read_fd_;
  const int write_fd_;
  std::atomic<int> signal_{-1};
};

}  // namespace kiln
