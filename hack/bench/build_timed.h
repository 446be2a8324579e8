// One Build through Kiln, timed from the create's 201: when its VM process
// runs (the process driver's DATA_DIR/vms/<vm>/pid.json exists), when the
// watch shows it Building, and when it is terminal. Shared by the latency
// and overhead phases of build_bench. A benchmark helper, never run by
// ctest.
//
// Thread-compatible.
#pragma once

#include <cpprest/http_client.h>

#include <chrono>
#include <optional>
#include <string>

#include "api_types/status.h"
#include "hack/bench/build_phases.h"
#include "hack/bench/build_tracker.h"

namespace kiln::bench {

struct BuildTiming {
  using Duration = std::chrono::steady_clock::duration;
  std::string uid;
  Duration post{};                      // request sent -> 201 read
  std::optional<Duration> to_vm;        // 201 -> pid.json seen
  std::optional<Duration> to_building;  // 201 -> Building event received
  std::optional<Duration> to_terminal;  // 201 -> terminal event received
  std::string phase;                    // terminal phase, "" on timeout
};

// Creates `name` on `client` and waits (ctx.build_timeout) until terminal.
// Errors: Unavailable when the create is not answered 201.
StatusOr<BuildTiming> TimedBuild(const PhaseContext& ctx,
                                 web::http::client::http_client& client,
                                 BuildTracker& tracker,
                                 const std::string& name);

}  // namespace kiln::bench
