// What kilnd costs while api_bench loads it: its memory (VmRSS, VmHWM and
// thread count from /proc/PID/status) and the split of the machine's CPU
// between kilnd, api_bench itself and everything else during a phase. The
// machine is shared with other work, so every figure is reported with that
// split. Linux only; a benchmark helper, never run by ctest.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>

#include "api_types/status.h"

namespace kiln::bench {

struct ProcMemory {
  int64_t rss_kib = 0;  // VmRSS
  int64_t hwm_kib = 0;  // VmHWM (peak RSS)
  int threads = 0;
};

// Errors: Unavailable when /proc/PID/status cannot be read (process gone).
StatusOr<ProcMemory> ReadProcMemory(pid_t pid);

nlohmann::json ToJson(const ProcMemory& m);

// utime + stime of `pid` (all its threads) since it started, in seconds; 0
// when /proc/PID/stat cannot be read.
double ProcessCpuSeconds(pid_t pid);

// Shares (0..1) of the machine's total CPU capacity over a phase.
struct CpuSplit {
  double server = 0;  // kilnd
  double bench = 0;   // this process
  double others = 0;  // everything else on the machine
};

nlohmann::json ToJson(const CpuSplit& s);

// Starts measuring at construction. Thread-compatible.
class CpuSplitMeter {
 public:
  explicit CpuSplitMeter(pid_t server_pid);
  // The split since construction; zeros when /proc cannot be read.
  CpuSplit Read() const;

 private:
  const pid_t server_pid_;
  double busy_s_ = -1;
  double total_s_ = -1;
  double server_s_ = 0;
  double bench_s_ = 0;
};

}  // namespace kiln::bench
