#include "controller/metrics/process_families.h"

#include <string>
#include <utility>

namespace kiln {
namespace {

prometheus::MetricFamily ProcessFamily(std::string name, std::string help,
                                       prometheus::MetricType type,
                                       double value) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  prometheus::ClientMetric sample;
  if (type == prometheus::MetricType::Counter) {
    sample.counter.value = value;
  } else {
    sample.gauge.value = value;
  }
  family.metric.push_back(std::move(sample));
  return family;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessFamilies(
    const ProcessStats& stats) {
  using prometheus::MetricType;
  return {
      ProcessFamily("process_cpu_seconds_total",
                    "Total user and system CPU time spent in seconds.",
                    MetricType::Counter, stats.cpu_seconds),
      ProcessFamily("process_start_time_seconds",
                    "Start time of the process since unix epoch in seconds.",
                    MetricType::Gauge, stats.start_time_seconds),
      ProcessFamily("process_resident_memory_bytes",
                    "Resident memory size in bytes.", MetricType::Gauge,
                    stats.resident_memory_bytes),
      ProcessFamily("process_virtual_memory_bytes",
                    "Virtual memory size in bytes.", MetricType::Gauge,
                    stats.virtual_memory_bytes),
      ProcessFamily("process_open_fds", "Number of open file descriptors.",
                    MetricType::Gauge, stats.open_fds),
      ProcessFamily("process_max_fds",
                    "Maximum number of open file descriptors.",
                    MetricType::Gauge, stats.max_fds),
  };
}

}  // namespace kiln
