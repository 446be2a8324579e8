// LogIndexer: maintains a build log's timestamp index (log_index.h) by
// following the log and appending one record per new line, stamped with the
// time kilnd saw the line (Clock::SystemNow on the poller thread, within a
// poll interval of the write).
//
// kilnd runs one per active build: started when the build starts running —
// and, after a kilnd restart, for every build that is not terminal or whose
// index is behind its log — and told Finish() when the build turns terminal.
// Lines appended while kilnd was down are stamped with the time the
// restarted indexer first sees them (so several lines may share a time);
// this is the honest limit of a design where kilnd does not write the log.
// The log itself is never modified.
//
// Resuming: Start reads the index's last record (a line start) and follows
// the log from the end of that line, so a restart neither duplicates nor
// skips records. Records at or past the end of the log (the log was capped)
// are dropped first.
//
// Thread-safe. Records are written on the poller thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api_types/status.h"
#include "controller/base/clock.h"
#include "controller/base/mutex.h"
#include "controller/base/thread_annotations.h"
#include "controller/logs/log_follower.h"
#include "controller/logs/log_index.h"
#include "controller/logs/log_poller.h"

namespace kiln {

class LogIndexer {
 public:
  // Opens (creating) the index at `index_path` and starts following
  // `log_path`, which need not exist yet. `poller` and `clock` must outlive
  // the indexer. Internal on I/O failure.
  static StatusOr<std::unique_ptr<LogIndexer>> Start(LogPoller& poller,
                                                     Clock& clock,
                                                     std::string log_path,
                                                     std::string index_path);
  // Stops following (no more records are written after it returns).
  ~LogIndexer();
  LogIndexer(const LogIndexer&) = delete;
  LogIndexer& operator=(const LogIndexer&) = delete;

  // The build is terminal and the agent stopped writing: index the rest
  // (including a final line without '\n'), then stop.
  void Finish();

  // True once the indexer stopped: after Finish indexed everything, or on
  // an error (see status()).
  bool done() const;
  // OK while running and after a clean finish; else why it stopped.
  Status status() const EXCLUDES(mu_);
  // Log bytes indexed so far.
  int64_t indexed_offset() const;

 private:
  LogIndexer(Clock& clock, std::unique_ptr<LogIndexWriter> writer,
             bool at_line_start)
      : clock_(clock),
        writer_(std::move(writer)),
        at_line_start_(at_line_start) {}

  // Poller thread only.
  bool OnData(std::string_view data, int64_t next_offset);
  void OnEnd(const Status& status) EXCLUDES(mu_);

  Clock& clock_;

  // Poller thread only (the follower's callbacks).
  const std::unique_ptr<LogIndexWriter> writer_;
  bool at_line_start_;  // the next delivered byte starts a line

  mutable Mutex mu_;
  Status status_ GUARDED_BY(mu_);

  // Last: destroyed (cancelled) before the state its callbacks use.
  std::unique_ptr<LogFollower> follower_;
};

}  // namespace kiln
