// The raw durable-write rate of a disk: one thread appending 4 KiB and
// fdatasync()ing, in a loop. That is the physical ceiling for acknowledged
// writes by one writer that syncs every write; group commit exists to beat it.
#pragma once

#include <chrono>
#include <string>

#include "api_types/status.h"
#include "hack/bench/latency_stats.h"

namespace kiln::bench {

struct FsyncProbeResult {
  int64_t syncs = 0;
  double seconds = 0;
  double syncs_per_s = 0;
  LatencySummary latency;  // of one write+fdatasync
};

// Appends to a scratch file in `dir` for about `duration`, then removes it.
// Unavailable on I/O errors.
StatusOr<FsyncProbeResult> ProbeFsync(const std::string& dir,
                                      std::chrono::milliseconds duration);

}  // namespace kiln::bench
