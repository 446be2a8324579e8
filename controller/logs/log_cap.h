// The per-build log size cap.
//
// Who enforces it: the writer stops at the cap — kiln-agent gets the cap in
// its job (AgentJob::log_max_bytes), writes the marker line
// (api_types/log_marker.h) itself and drops what follows, so followers never
// see more than the cap. kilnd is the backstop for any other writer: when a
// build turns terminal (and before serving a log it finds over the cap) it
// calls BuildLogStore::EnforceCap → ApplyCap, which leaves the same file the
// agent would have written.
//
// The capped log is: the longest prefix of whole lines that fits in the cap,
// then the marker line. If the first line alone is longer than the cap, it
// is cut at the cap and ended with '\n' so the marker starts a line.
//
// Functions are thread-safe, but ApplyCap must not race another ApplyCap on
// the same file. An O_APPEND writer may keep appending; whatever it appends
// after the marker is dropped by the next ApplyCap.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api_types/log_marker.h"
#include "api_types/status.h"

namespace kiln {

// True when the log at `path` is over `max_bytes` and not already capped
// (does not end with the marker line). One stat and one small read.
// NotFound when the log does not exist, Internal on I/O failure.
StatusOr<bool> CapExceeded(const std::string& path, int64_t max_bytes);

struct CapResult {
  // The file was modified.
  bool changed = false;
  // Bytes of build output kept: where the marker begins, or the whole size
  // when the log is within the cap. Index records at or past it are stale.
  int64_t kept_bytes = 0;
};

// Caps the log at `path` as described above. Idempotent: on a capped log it
// changes nothing (unless bytes were appended after the marker, which it
// drops). Reads at most max_bytes + marker size, and only when the file is
// over the cap. REQUIRES: max_bytes >= 0. NotFound when the log does not
// exist, InvalidArgument for a negative cap, Internal on I/O failure.
StatusOr<CapResult> ApplyCap(const std::string& path, int64_t max_bytes);

}  // namespace kiln
