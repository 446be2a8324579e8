#include "hack/bench/build_timed.h"

#include <filesystem>
#include <thread>

#include "controller/vm/shim_records.h"
#include "controller/vm/vm_driver.h"
#include "hack/bench/build_submit.h"

namespace kiln::bench {
namespace {

using Clock = std::chrono::steady_clock;

// When `path` first exists, polled every 1 ms until `deadline` or until
// `name` is terminal.
std::optional<Clock::time_point> PollExists(const std::string& path,
                                            const BuildTracker& tracker,
                                            const std::string& name,
                                            Clock::time_point deadline) {
  std::error_code ec;
  while (Clock::now() < deadline && !IsTerminalPhase(tracker.Phase(name))) {
    if (std::filesystem::exists(path, ec)) return Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::nullopt;
}

}  // namespace

StatusOr<BuildTiming> TimedBuild(const PhaseContext& ctx,
                                 web::http::client::http_client& client,
                                 BuildTracker& tracker,
                                 const std::string& name) {
  const SubmitResult created = SubmitBuild(client, ctx.endpoint, ctx.ns, name);
  if (created.uid.empty())
    return UnavailableError("create " + name + ": " + created.failure);
  BuildTiming t;
  t.uid = created.uid;
  t.post = created.answered - created.sent;
  const Clock::time_point t0 = created.answered;
  const Clock::time_point deadline = t0 + ctx.build_timeout;
  // Its VM directory is removed once the build is over: stop polling then.
  const std::string pid_file =
      ctx.data_dir + "/vms/" + VmNameForBuild(created.uid) + "/" + kShimPidFile;
  if (auto vm = PollExists(pid_file, tracker, name, deadline))
    t.to_vm = *vm - t0;
  if (auto building = tracker.WaitForPhase(name, {"Building"}, deadline))
    t.to_building = *building - t0;
  t.phase = tracker.WaitTerminal(name, deadline);
  if (!t.phase.empty()) {
    if (auto end = tracker.WaitForPhase(name, {t.phase}, deadline))
      t.to_terminal = *end - t0;
  }
  return t;
}

}  // namespace kiln::bench
