// StorageGarbageCollector: removes what kilnd keeps on disk for Builds that
// no longer need it — build logs whose Build is gone, and uploaded source
// archives that no Build names and nobody used for `source_retention` (an
// upload waiting for its Build, a Build deleted and re-applied keep theirs).
// The policy lives here; LogService and FileSourceStore only carry it out.
//
// Thread-safe (stateless; the client, log service and source store are).
#pragma once

#include <chrono>
#include <cstddef>

#include "api_types/status.h"
#include "controller/base/clock.h"
#include "controller/logs/log_service.h"
#include "controller/sources/file_source_store.h"
#include "reconcilers/build_client.h"

namespace kiln {

// What one pass deleted.
struct StorageGcResult {
  size_t logs = 0;
  size_t sources = 0;
};

class StorageGarbageCollector {
 public:
  // Keeps references to all arguments; they must outlive the collector.
  StorageGarbageCollector(BuildClient& builds, LogService& logs,
                          FileSourceStore& sources, Clock& clock,
                          std::chrono::seconds source_retention)
      : builds_(builds),
        logs_(logs),
        sources_(sources),
        clock_(clock),
        source_retention_(source_retention) {}

  // One pass over every Build (BuildClient::List). Deletes nothing when the
  // Builds cannot be listed and returns that error; otherwise deletes the
  // logs of uids not listed (LogService::DeleteAllBut spares logs written in
  // the last minutes, so a Build newer than the list keeps its log) and the
  // unreferenced sources unused since now - source_retention. Returns the
  // source store's error, if any, after the logs were collected.
  StatusOr<StorageGcResult> Collect();

 private:
  BuildClient& builds_;
  LogService& logs_;
  FileSourceStore& sources_;
  Clock& clock_;
  const std::chrono::seconds source_retention_;
};

}  // namespace kiln
