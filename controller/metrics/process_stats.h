// ProcessStats: the standard Prometheus process_* figures of one process,
// read from a procfs tree. The procfs root is a seam, so tests read a fake
// tree in a temporary directory (the leveldb Env idea, at file granularity).
//
// Files read under `proc_root`:
//   <pid_dir>/stat    utime, stime, starttime (clock ticks), vsize (bytes),
//                     rss (pages) — proc(5) fields 14, 15, 22, 23, 24
//   <pid_dir>/fd/     one entry per open file descriptor
//   <pid_dir>/limits  the soft "Max open files" limit
//   stat              "btime": boot time, seconds since the epoch
#pragma once

#include <cstdint>
#include <string>

#include "api_types/status.h"

namespace kiln {

// Values in the units the Prometheus process_* metrics use.
struct ProcessStats {
  double cpu_seconds = 0;            // user + system CPU time
  double start_time_seconds = 0;     // since the Unix epoch
  double resident_memory_bytes = 0;  // RSS
  double virtual_memory_bytes = 0;   // vsize
  double open_fds = 0;
  double max_fds = 0;  // soft limit; +Inf when "unlimited"
};

// Reads ProcessStats from a procfs tree. Immutable after construction;
// thread-safe (every Read() opens the files afresh).
class ProcessStatsReader {
 public:
  struct Options {
    std::string proc_root = "/proc";
    std::string pid_dir = "self";  // or a pid, relative to proc_root
    // 0 = ask sysconf(_SC_CLK_TCK) / sysconf(_SC_PAGESIZE).
    int64_t clock_ticks_per_second = 0;
    int64_t page_size_bytes = 0;
  };

  ProcessStatsReader();
  explicit ProcessStatsReader(Options options);

  // The current figures. NotFound when a file is missing, InvalidArgument
  // when one does not parse (the message names the file). Never throws.
  StatusOr<ProcessStats> Read() const;

 private:
  std::string PidPath(const std::string& name) const;

  const Options options_;
};

}  // namespace kiln
