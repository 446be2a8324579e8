// The standard Prometheus process_* families, built from a ProcessStats
// snapshot at scrape time (as the Go client's process collector does).
// Internal to controller/metrics: includes prometheus-cpp.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "controller/metrics/process_stats.h"

namespace kiln {

// process_cpu_seconds_total (counter), process_start_time_seconds,
// process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds (gauges), one unlabelled sample each.
// Pure; thread-safe.
std::vector<prometheus::MetricFamily> ProcessFamilies(
    const ProcessStats& stats);

}  // namespace kiln
