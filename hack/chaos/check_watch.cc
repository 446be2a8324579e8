// The watch check: the stream hack/chaos.sh recorded, resumed after every
// kill from the last resourceVersion it received, must agree with a fresh
// list once it has caught up with it.
#include <cstdlib>
#include <thread>

#include "controller/base/files.h"
#include "hack/chaos/checks.h"
#include "hack/chaos/watch_replay.h"

namespace kiln::chaos {
namespace {

// Differences between the replayed state and a list, "" when none.
std::string Diff(const std::map<std::string, BuildView>& replayed,
                 const nlohmann::json& list) {
  std::map<std::string, BuildView> listed;
  for (const nlohmann::json& item : list.value("items", nlohmann::json())) {
    const BuildView v = ViewOf(item);
    listed[v.key] = v;
  }
  std::string diff;
  for (const auto& [key, v] : listed) {
    const auto it = replayed.find(key);
    if (it == replayed.end()) {
      diff += " " + key + " rv " + std::to_string(v.rv) + " not seen;";
    } else if (it->second.rv != v.rv || it->second.uid != v.uid) {
      diff += " " + key + " at rv " + std::to_string(it->second.rv) +
              ", listed at rv " + std::to_string(v.rv) + ";";
    }
  }
  for (const auto& [key, v] : replayed) {
    if (listed.count(key) == 0) diff += " " + key + " gone, delete not seen;";
  }
  return diff;
}

int64_t ListRv(const nlohmann::json& list) {
  return std::atoll(
      list.value("/metadata/resourceVersion"_json_pointer, "0").c_str());
}

}  // namespace

Status CheckWatch(const CheckContext& ctx) {
  const std::string dir = ctx.state_dir + "/watch";
  const ReplayResult all = Replay(dir);
  for (const std::string& problem : all.problems) {
    ctx.report->Violation("watch-order", problem);
  }
  for (const Observation& o : all.observations) {
    const std::string v = ctx.terminal->Observe(
        o.build.uid, o.build.key, o.build.phase, o.build.rv, o.where);
    if (!v.empty()) ctx.report->Violation("terminal-phase", v);
  }
  // Every run replays the whole recording; count only what is new.
  const std::string seen_file = ctx.state_dir + "/watch-observations";
  const size_t seen =
      std::strtoull(ReadFileOrEmpty(seen_file).c_str(), nullptr, 10);
  if (all.observations.size() > seen) {
    ctx.report->Ran("terminal-phase", all.observations.size() - seen);
    RETURN_IF_ERROR(WriteFileAtomically(
        seen_file, std::to_string(all.observations.size()) + "\n", 0644));
  }
  ctx.report->Note("watch: " + std::to_string(all.segments) + " segments, " +
                   std::to_string(all.events) + " events, " +
                   std::to_string(all.expired) + " expired");

  ASSIGN_OR_RETURN(nlohmann::json list, ctx.Get(ctx.BuildsPath()));
  const int64_t at = ListRv(list);
  // Twice the settle time: after a 410 the watcher must list first.
  const auto deadline = std::chrono::steady_clock::now() + 2 * ctx.settle;
  std::string diff;
  while (true) {
    const ReplayResult r = Replay(dir, at);
    if (!r.need_list) {
      diff = Diff(r.state, list);
      // Caught up (or nothing changed since): the states must agree.
      if (diff.empty()) break;
      if (r.reached_cutoff || r.progress >= at) break;
    } else if (r.reached_cutoff) {
      ctx.report->Note("watch: expired around rv " + std::to_string(at) +
                       "; compared at the next check");
      return OkStatus();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      diff = r.need_list
                 ? " expired, and no list since"
                 : " stalled at rv " + std::to_string(r.progress) + ":" + diff;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (diff.empty()) {
    ctx.report->Ran("watch-complete");
  } else {
    ctx.report->Violation(
        "watch-complete",
        "replayed watch vs list at rv " + std::to_string(at) + ":" + diff);
  }
  return OkStatus();
}

}  // namespace kiln::chaos
