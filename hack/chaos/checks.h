// The chaos run's invariants, each a function that reads kilnd's API, the
// data dir and the load's records, and reports to ctx.report (one line per
// violation). Used from the checker's one thread.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "api_types/status.h"
#include "hack/chaos/api_client.h"
#include "hack/chaos/report.h"
#include "hack/chaos/terminal_record.h"

namespace kiln::chaos {

struct CheckContext {
  std::string data_dir;
  std::string state_dir;   // the load's records, terminal.json, watch/
  std::string namespace_;  // where the load creates Builds
  ApiEndpoint api;
  // How long GC and the watch may take to catch up before a leftover is a
  // violation (a few GC intervals plus the VM delete grace).
  std::chrono::seconds settle{10};
  // After the load stopped and every Build finished: nothing may be
  // allocated, no VM dir or builder process may be left.
  bool final_check = false;
  Report* report = nullptr;
  TerminalRecord* terminal = nullptr;

  // GET through ctx.api with a scratch file in the state dir.
  StatusOr<nlohmann::json> Get(const std::string& path) const;
  std::string BuildsPath() const;  // this namespace's builds
};

// check_api.cc: every acknowledged create exists unless deleted, refused
// ones do not, a 503 carries Retry-After; terminal phases in the list never
// change; each Node's allocation is the sum of its non-terminal Builds; at
// most one Ready event per Build.
Status CheckCreates(const CheckContext& ctx);
Status CheckAllocation(const CheckContext& ctx);
Status CheckReadyEvents(const CheckContext& ctx);

// check_host.cc: after GC, no VM dir or builder process without a
// non-terminal Build; at most one builder attempt per build log.
Status CheckOrphans(const CheckContext& ctx);
Status CheckAttempts(const CheckContext& ctx);

// check_watch.cc: the recorded watch (resumed from its last resourceVersion
// after every kill) saw every change, in order, or got a 410.
Status CheckWatch(const CheckContext& ctx);

// Waits until no Build in the namespace is non-terminal. Unavailable
// (naming them) after `timeout`.
Status WaitAllTerminal(const CheckContext& ctx, std::chrono::seconds timeout);

}  // namespace kiln::chaos
