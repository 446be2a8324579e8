#include "controller/metrics/process_stats.h"

#include <unistd.h>

#include <filesystem>
#include <limits>
#include <sstream>
#include <system_error>
#include <vector>

#include "controller/base/files.h"

namespace kiln {
namespace {

Status Unparsable(const std::string& path, std::string_view what) {
  return Status(StatusCode::kInvalidArgument,
                path + ": cannot parse " + std::string(what));
}

// Figures from <pid>/stat, still in the kernel's units.
struct RawStat {
  double utime_ticks = 0;
  double stime_ticks = 0;
  double start_ticks = 0;
  double vsize_bytes = 0;
  double rss_pages = 0;
};

// proc(5): "pid (comm) state ppid ...". comm may hold spaces and ')', so the
// fields are counted from the last ')'; the field after it is field 3.
StatusOr<RawStat> ParsePidStat(const std::string& path,
                               const std::string& text) {
  size_t close = text.rfind(')');
  if (close == std::string::npos) return Unparsable(path, "comm");
  std::istringstream in(text.substr(close + 1));
  std::vector<std::string> fields;  // fields[0] is proc(5) field 3
  for (std::string field; in >> field;) fields.push_back(field);
  auto field = [&](int n, double& out) {
    if (static_cast<size_t>(n - 3) >= fields.size()) return false;
    try {
      out = std::stod(fields[n - 3]);
    } catch (const std::exception&) {  // invalid_argument, out_of_range
      return false;
    }
    return true;
  };
  RawStat raw;
  if (!field(14, raw.utime_ticks) || !field(15, raw.stime_ticks) ||
      !field(22, raw.start_ticks) || !field(23, raw.vsize_bytes) ||
      !field(24, raw.rss_pages)) {
    return Unparsable(path, "fields 14-24");
  }
  return raw;
}

StatusOr<double> ParseBootTime(const std::string& path,
                               const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string key;
    double value = 0;
    if (words >> key && key == "btime" && words >> value) return value;
  }
  return Unparsable(path, "btime");
}

// "Max open files            1024                 1048576              files"
StatusOr<double> ParseMaxOpenFiles(const std::string& path,
                                   const std::string& text) {
  constexpr std::string_view kKey = "Max open files";
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, kKey.size(), kKey) != 0) continue;
    std::istringstream words(line.substr(kKey.size()));
    std::string soft;
    if (!(words >> soft)) break;
    if (soft == "unlimited") return std::numeric_limits<double>::infinity();
    try {
      return std::stod(soft);
    } catch (const std::exception&) {
      break;
    }
  }
  return Unparsable(path, "Max open files");
}

StatusOr<double> CountEntries(const std::string& path) {
  std::error_code ec;
  std::filesystem::directory_iterator it(path, ec);
  if (ec) return Status(StatusCode::kNotFound, "cannot list " + path);
  double n = 0;
  // An fd closed while we list is skipped by the iterator; no error.
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    ++n;
  }
  // The listing's own descriptor is counted on a real /proc/self/fd, as by
  // the Go and Python clients.
  return n;
}

int64_t OrSysconf(int64_t value, int name) {
  if (value > 0) return value;
  long v = sysconf(name);
  return v > 0 ? v : 1;
}

}  // namespace

ProcessStatsReader::ProcessStatsReader() : ProcessStatsReader(Options()) {}

ProcessStatsReader::ProcessStatsReader(Options options)
    : options_(std::move(options)) {}

std::string ProcessStatsReader::PidPath(const std::string& name) const {
  return options_.proc_root + "/" + options_.pid_dir + "/" + name;
}

StatusOr<ProcessStats> ProcessStatsReader::Read() const {
  const double ticks = static_cast<double>(
      OrSysconf(options_.clock_ticks_per_second, _SC_CLK_TCK));
  const double page =
      static_cast<double>(OrSysconf(options_.page_size_bytes, _SC_PAGESIZE));

  const std::string stat_path = PidPath("stat");
  ASSIGN_OR_RETURN(std::string stat_text, ReadWholeFile(stat_path));
  ASSIGN_OR_RETURN(RawStat raw, ParsePidStat(stat_path, stat_text));

  const std::string boot_path = options_.proc_root + "/stat";
  ASSIGN_OR_RETURN(std::string boot_text, ReadWholeFile(boot_path));
  ASSIGN_OR_RETURN(double boot_time, ParseBootTime(boot_path, boot_text));

  const std::string limits_path = PidPath("limits");
  ASSIGN_OR_RETURN(std::string limits_text, ReadWholeFile(limits_path));
  ASSIGN_OR_RETURN(double max_fds, ParseMaxOpenFiles(limits_path, limits_text));

  ASSIGN_OR_RETURN(double open_fds, CountEntries(PidPath("fd")));

  ProcessStats stats;
  stats.cpu_seconds = (raw.utime_ticks + raw.stime_ticks) / ticks;
  stats.start_time_seconds = boot_time + raw.start_ticks / ticks;
  stats.resident_memory_bytes = raw.rss_pages * page;
  stats.virtual_memory_bytes = raw.vsize_bytes;
  stats.open_fds = open_fds;
  stats.max_fds = max_fds;
  return stats;
}

}  // namespace kiln
