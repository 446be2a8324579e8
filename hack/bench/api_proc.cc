#include "hack/bench/api_proc.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "controller/base/files.h"
#include "hack/bench/cpu_share.h"

namespace kiln::bench {
namespace {

double ClockTicks() { return static_cast<double>(sysconf(_SC_CLK_TCK)); }

}  // namespace

double ProcessCpuSeconds(pid_t pid) {
  const std::string text =
      ReadFileOrEmpty("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = text.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt
  long long utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / ClockTicks();
}

StatusOr<ProcMemory> ReadProcMemory(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return UnavailableError("no process " + std::to_string(pid));
  ProcMemory m;
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") in >> m.rss_kib;
    if (key == "VmHWM:") in >> m.hwm_kib;
    if (key == "Threads:") in >> m.threads;
    in.ignore(1 << 20, '\n');
  }
  if (m.rss_kib == 0)
    return UnavailableError("no VmRSS for process " + std::to_string(pid));
  return m;
}

nlohmann::json ToJson(const ProcMemory& m) {
  return {
      {"rss_kib", m.rss_kib}, {"hwm_kib", m.hwm_kib}, {"threads", m.threads}};
}

nlohmann::json ToJson(const CpuSplit& s) {
  return {{"server", s.server}, {"bench", s.bench}, {"others", s.others}};
}

CpuSplitMeter::CpuSplitMeter(pid_t server_pid) : server_pid_(server_pid) {
  if (!ReadMachineCpuSeconds(&busy_s_, &total_s_)) busy_s_ = total_s_ = -1;
  server_s_ = ProcessCpuSeconds(server_pid_);
  bench_s_ = ProcessCpuSeconds(getpid());
}

CpuSplit CpuSplitMeter::Read() const {
  CpuSplit split;
  double busy, total;
  if (total_s_ < 0 || !ReadMachineCpuSeconds(&busy, &total)) return split;
  const double d_total = total - total_s_;
  if (d_total <= 0) return split;
  const double server = ProcessCpuSeconds(server_pid_) - server_s_;
  const double bench = ProcessCpuSeconds(getpid()) - bench_s_;
  split.server = std::clamp(server / d_total, 0.0, 1.0);
  split.bench = std::clamp(bench / d_total, 0.0, 1.0);
  split.others =
      std::clamp((busy - busy_s_ - server - bench) / d_total, 0.0, 1.0);
  return split;
}

}  // namespace kiln::bench
