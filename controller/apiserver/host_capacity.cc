#include "controller/apiserver/host_capacity.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <thread>

namespace kiln {

NodeResources HostCapacity() {
  NodeResources capacity;
  capacity.cpus = std::max<int64_t>(
      1, static_cast<int64_t>(std::thread::hardware_concurrency()));
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  int64_t memory_mib = 0;
  if (pages > 0 && page_size > 0) {
    memory_mib = static_cast<int64_t>(pages) * page_size / (1024 * 1024);
  }
  capacity.memory_mib = std::max<int64_t>(64, memory_mib);
  capacity.builds = capacity.cpus;
  return capacity;
}

}  // namespace kiln
