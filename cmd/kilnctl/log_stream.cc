#include "cmd/kilnctl/log_stream.h"

#include <nlohmann/json.hpp>
#include <thread>

#include "cmd/kilnctl/api_error.h"
#include "cmd/kilnctl/session.h"

namespace kiln::kilnctl {

void SseParser::Feed(std::string_view bytes,
                     const std::function<void(const Event&)>& on_event) {
  buffer_.append(bytes);
  size_t start = 0;
  while (true) {
    const size_t nl = buffer_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string line = buffer_.substr(start, nl - start);
    start = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {  // end of an event
      if (has_data_) {
        if (current_.type.empty()) current_.type = "message";
        on_event(current_);
      }
      current_ = Event{};
      has_data_ = false;
      continue;
    }
    if (line[0] == ':') continue;  // comment (heartbeat)
    const size_t colon = line.find(':');
    std::string field = line.substr(0, colon);
    std::string value =
        colon == std::string::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (field == "event") {
      current_.type = value;
    } else if (field == "id") {
      current_.id = value;
    } else if (field == "data") {
      if (has_data_) current_.data += '\n';
      current_.data += value;
      has_data_ = true;
    }
  }
  buffer_.erase(0, start);
}

StatusOr<LogStreamEnd> StreamBuildLog(ApiClient& client, const std::string& ns,
                                      const std::string& name,
                                      const LogStreamOptions& options,
                                      std::ostream& out) {
  LogStreamEnd end;
  std::string query;
  if (options.tail_lines)
    query += "&tailLines=" + std::to_string(*options.tail_lines);
  if (options.timestamps) query += "&timestamps=true";
  const std::string path = BuildPath(ns, name) + "/log";
  if (!options.follow) {
    HttpRequest req;
    req.path = path + (query.empty() ? "" : "?" + query.substr(1));
    req.accept = "text/plain, application/json";
    ASSIGN_OR_RETURN(HttpResponse resp, client.Do(req));
    RETURN_IF_ERROR(ResponseStatus(resp));
    out << resp.body;
    out.flush();
    return end;
  }
  std::string last_id;
  bool ended = false;
  auto give_up_at = std::chrono::steady_clock::now() + options.reconnect_for;
  while (!ended) {
    HttpRequest req;
    req.accept = "text/event-stream";
    // tailLines only for the first connection; then the exact offset.
    req.path =
        path + "?follow=true" +
        (last_id.empty() ? query
                         : (options.timestamps ? "&timestamps=true" : ""));
    if (!last_id.empty()) req.headers["Last-Event-ID"] = last_id;
    SseParser parser;
    bool got_bytes = false;
    StatusOr<HttpResponse> resp =
        client.Stream(req, [&](std::string_view bytes) {
          got_bytes = true;
          parser.Feed(bytes, [&](const SseParser::Event& e) {
            if (e.type == "log") {
              out << e.data;
              out.flush();
              if (!e.id.empty()) last_id = e.id;
            } else if (e.type == "status") {
              nlohmann::json j = nlohmann::json::parse(e.data, nullptr, false);
              if (j.is_object()) {
                end.phase = j.value("phase", "");
                end.reason = j.value("reason", "");
                end.message = j.value("message", "");
              }
              ended = true;
            }
          });
          return !ended;
        });
    // Any progress restarts the reconnect budget.
    if (got_bytes) {
      give_up_at = std::chrono::steady_clock::now() + options.reconnect_for;
    }
    if (resp.ok()) {
      RETURN_IF_ERROR(ResponseStatus(*resp));
      if (ended) break;
      // The server closed the stream without a status: resume.
    } else if (IsInterrupted(resp.status()) ||
               resp.status().code() != StatusCode::kUnavailable ||
               std::chrono::steady_clock::now() > give_up_at) {
      return resp.status();
    }
    ++end.reconnects;
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::min(1000, 100 * end.reconnects)));
  }
  return end;
}

}  // namespace kiln::kilnctl
