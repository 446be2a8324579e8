// What this host can give builds: the default Node capacity, before the
// --capacity-cpus / --capacity-memory / --max-builds overrides.
// Thread-safe.
#pragma once

#include "api_types/node.h"

namespace kiln {

// cpus = std::thread::hardware_concurrency() (at least 1), memoryMiB =
// physical memory (sysconf _SC_PHYS_PAGES * _SC_PAGESIZE) in MiB (at least
// 64), builds = cpus.
NodeResources HostCapacity();

}  // namespace kiln
