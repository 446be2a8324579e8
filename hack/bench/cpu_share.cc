#include "hack/bench/cpu_share.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "hack/bench/write_load.h"

namespace kiln::bench {

bool ReadMachineCpuSeconds(double* busy_s, double* total_s) {
  std::ifstream in("/proc/stat");
  std::string label;
  long long user, nice, system, idle, iowait, irq, softirq, steal;
  if (!(in >> label >> user >> nice >> system >> idle >> iowait >> irq >>
        softirq >> steal) ||
      label != "cpu") {
    return false;
  }
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  const long long busy = user + nice + system + irq + softirq + steal;
  *busy_s = busy / hz;
  *total_s = (busy + idle + iowait) / hz;
  return true;
}

CpuShareMeter::CpuShareMeter() : own_s_(ProcessCpuSeconds()) {
  if (!ReadMachineCpuSeconds(&machine_busy_s_, &machine_total_s_)) {
    machine_busy_s_ = machine_total_s_ = -1;
  }
}

double CpuShareMeter::OthersShare() const {
  double busy, total;
  if (machine_total_s_ < 0 || !ReadMachineCpuSeconds(&busy, &total)) return 0;
  const double d_total = total - machine_total_s_;
  if (d_total <= 0) return 0;
  const double others =
      (busy - machine_busy_s_) - (ProcessCpuSeconds() - own_s_);
  return std::clamp(others / d_total, 0.0, 1.0);
}

}  // namespace kiln::bench
