// Reading a build's log: once (GET …/log) or following it (-f) until the
// build ends. Following uses kilnd's SSE view of the log, whose event ids
// are byte offsets: when the connection drops (network, kilnd restart,
// idle timeout) the stream is resumed with Last-Event-ID from the last
// offset seen, so no line is lost or printed twice. SSE carries no CR: a
// CR in the log (progress output) is printed as a line end.
//
// Thread-compatible; the ApiClient may be interrupted from another thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "api_types/status.h"
#include "cmd/kilnctl/api_client.h"

namespace kiln::kilnctl {

struct LogStreamOptions {
  bool follow = false;
  std::optional<int64_t> tail_lines;
  bool timestamps = false;
  // How long to keep trying to reconnect while kilnd is unreachable.
  std::chrono::seconds reconnect_for{60};
};

// How a followed log ended: the Build's phase when the server said so.
struct LogStreamEnd {
  std::string phase;  // "" when not known (not following)
  std::string reason;
  std::string message;
  int reconnects = 0;
};

// Incremental SSE parser (text/event-stream), enough for kilnd's frames.
class SseParser {
 public:
  struct Event {
    std::string type;  // "log", "status"; "message" when unnamed
    std::string id;
    std::string data;
  };
  // Feeds bytes; calls on_event for every complete event.
  void Feed(std::string_view bytes,
            const std::function<void(const Event&)>& on_event);

 private:
  std::string buffer_;
  Event current_;
  bool has_data_ = false;
};

StatusOr<LogStreamEnd> StreamBuildLog(ApiClient& client, const std::string& ns,
                                      const std::string& name,
                                      const LogStreamOptions& options,
                                      std::ostream& out);

}  // namespace kiln::kilnctl
