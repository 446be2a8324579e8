// Process identity: a pid plus the process's start time (field 22 of
// /proc/<pid>/stat, in clock ticks since boot), so that a pid reused after
// the original process died (or after a reboot) is never mistaken for it.
//
// Thread-safe (stateless). ParseProcStat is async-signal-safe and may be
// used between fork and exec.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "api_types/status.h"

namespace kiln {

struct ProcessIdentity {
  pid_t pid = 0;
  uint64_t start_time = 0;  // clock ticks since boot
};

// The fields of /proc/<pid>/stat the VM drivers need.
struct ProcStat {
  char state = '?';  // R, S, D, Z, X, ...
  pid_t pgid = 0;
  uint64_t start_time = 0;
};

// Parses the text of /proc/<pid>/stat (the command name may contain spaces
// and parentheses: fields are counted from the last ')'). Returns false on
// malformed input. Async-signal-safe: no allocation, no locks.
bool ParseProcStat(const char* text, size_t len, ProcStat* out);

// Reads /proc/<pid>/stat. NotFound when there is no such process;
// Internal when it cannot be read or parsed.
StatusOr<ProcStat> ReadProcStat(pid_t pid);

// True when `id.pid` exists, started at `id.start_time`, and has not exited
// (a zombie or dead task is not alive).
bool IsProcessAlive(const ProcessIdentity& id);

// True when `id.pid` exists and started at `id.start_time`, zombie or not:
// the pid still denotes that process, so signalling it is safe.
bool IsSameProcess(const ProcessIdentity& id);

}  // namespace kiln
