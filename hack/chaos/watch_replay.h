// Replays what hack/chaos.sh's watcher recorded in WATCH_DIR, in segment
// order:
//   NNNNN.list.json    a list of the watched Builds (a 200 body), taken when
//                      there was no resume point (start, or after a 410)
//   NNNNN.from         the resourceVersion the next watch resumed from
//   NNNNN.watch.jsonl  that watch's stream, one event per line (a kill
//                      leaves a partial last line: ignored), or the error
//                      body when the watch was refused (e.g. 410)
// The replay rebuilds the Builds' state from the events, and flags events
// that arrive out of order and resumes from the wrong point. It caches each
// decoded list next to it (NNNNN.list.views): lists are large and never
// change. Plain functions: thread-compatible (concurrent replays of one dir
// may both write a cache file; the writes are atomic and identical).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kiln::chaos {

// One Build as the API showed it.
struct BuildView {
  std::string key;  // "namespace/name"
  std::string uid;
  std::string phase;
  int64_t rv = 0;
};

// `object`'s identity and phase (rv 0 when it has none).
BuildView ViewOf(const nlohmann::json& object);

struct Observation {
  BuildView build;
  std::string where;  // "watch 00012", "list 00001"
};

struct ReplayResult {
  std::map<std::string, BuildView> state;  // by key
  // Highest resourceVersion the recorded stream is complete up to.
  int64_t progress = 0;
  // True when the stream has no usable state (nothing yet, or a 410 not
  // yet followed by a list): the watcher must list.
  bool need_list = true;
  // True when the replay stopped at something beyond the cutoff.
  bool reached_cutoff = false;
  std::vector<Observation> observations;
  std::vector<std::string> problems;  // violations of the watch contract
  size_t segments = 0;
  size_t events = 0;
  size_t expired = 0;  // 410s received
};

// Replays every segment in `watch_dir`, applying events with resourceVersion
// <= `cutoff` only.
ReplayResult Replay(const std::string& watch_dir,
                    int64_t cutoff = std::numeric_limits<int64_t>::max());

}  // namespace kiln::chaos
