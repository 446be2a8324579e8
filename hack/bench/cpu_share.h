// How much of the machine's CPU other processes took during a benchmark
// phase: the machine's busy time (/proc/stat) minus this process's own CPU
// time, as a share of all CPUs over the phase. On a shared machine this is
// the first thing to look at when a figure looks off.
#pragma once

namespace kiln::bench {

// Busy and total seconds of all CPUs since boot, from /proc/stat's "cpu"
// line. False when it cannot be read.
bool ReadMachineCpuSeconds(double* busy_s, double* total_s);

class CpuShareMeter {
 public:
  // Starts measuring now.
  CpuShareMeter();
  // Share of total CPU capacity (0..1) used by other processes since
  // construction; 0 when /proc/stat cannot be read.
  double OthersShare() const;

 private:
  double machine_busy_s_;
  double machine_total_s_;
  double own_s_;
};

}  // namespace kiln::bench
