// One Kubernetes watch stream held open through cpprestsdk's asynchronous
// http_client: the response body (chunked, newline-delimited WatchEvents) is
// read in chunks by streambuf::getn continuations on the pplx thread pool
// and split into lines, so a thousand watchers need no thread each. Each ADDED
// event whose object carries the annotations bench/run=<tag> and
// bench/t=<steady clock ns at send> yields one latency sample (receive - send);
// both processes run on this machine and std::chrono::steady_clock is
// CLOCK_MONOTONIC, so the clocks agree. A benchmark helper, never run by
// ctest.
//
// Thread-safe: callbacks run on pplx threads; accessors may be called from
// any thread.
#pragma once

#include <cpprest/http_client.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "controller/base/mutex.h"
#include "hack/bench/api_endpoint.h"
#include "hack/bench/latency_stats.h"

namespace kiln::bench {

class StreamWatcher : public std::enable_shared_from_this<StreamWatcher> {
 public:
  // Sends GET `path_and_query` (which must ask for watch=1) and starts
  // reading once the response headers arrive. Keeps no reference to
  // `endpoint`.
  static std::shared_ptr<StreamWatcher> Start(const ApiEndpoint& endpoint,
                                              const std::string& path_and_query,
                                              const std::string& tag);
  // Receives every non-empty line of the stream (one WatchEvent) with its
  // receive time; called on pplx threads, one line at a time.
  using LineHandler = std::function<void(
      const std::string& line, std::chrono::steady_clock::time_point now)>;
  // As Start, but every line goes to `on_line` (tagged events are not
  // matched, received() stays 0); ERROR events still count as anomalies.
  static std::shared_ptr<StreamWatcher> StartWithHandler(
      const ApiEndpoint& endpoint, const std::string& path_and_query,
      LineHandler on_line);
  StreamWatcher(const StreamWatcher&) = delete;
  StreamWatcher& operator=(const StreamWatcher&) = delete;

  // 200 received, stream being read.
  bool connected() const { return connected_; }
  // The stream ended: error, server close or Cancel().
  bool ended() const { return ended_; }
  // Tagged events received so far.
  int64_t received() const { return received_; }
  // Lines that were an ERROR event or undecodable, and the first of them
  // (or the reason the stream failed or ended before Cancel()).
  int64_t anomalies() const { return anomalies_; }
  std::string first_anomaly() const EXCLUDES(mu_);

  // Closes the connection; the stream ends soon after. Idempotent.
  void Cancel();

  // Receive - send of every tagged event so far.
  LatencySamples Samples() const EXCLUDES(mu_);

 private:
  StreamWatcher(const ApiEndpoint& endpoint, std::string tag,
                LineHandler on_line);
  static std::shared_ptr<StreamWatcher> Send(
      std::shared_ptr<StreamWatcher> self, const ApiEndpoint& endpoint,
      const std::string& path_and_query);

  void OnHeaders(web::http::http_response response);
  void ReadNext();
  void OnBytes(size_t n, std::chrono::steady_clock::time_point now);
  void OnLine(const std::string& line,
              std::chrono::steady_clock::time_point now);
  void End(const std::string& why);
  void Anomaly(const std::string& what);

  const std::string tag_needle_;  // "bench/run":"<tag>"
  const LineHandler on_line_;     // set: every line goes there
  web::http::client::http_client client_;
  pplx::cancellation_token_source cancel_;

  std::atomic<bool> connected_{false};
  std::atomic<bool> ended_{false};
  std::atomic<bool> cancelled_{false};
  std::atomic<int64_t> received_{0};
  std::atomic<int64_t> anomalies_{0};

  // Used by the read chain only (one continuation at a time).
  web::http::http_response response_;
  concurrency::streams::istream body_;
  std::vector<uint8_t> chunk_ = std::vector<uint8_t>(64 * 1024);
  std::string pending_;  // bytes after the last newline

  mutable Mutex mu_;
  LatencySamples samples_ GUARDED_BY(mu_);
  std::string first_anomaly_ GUARDED_BY(mu_);
};

}  // namespace kiln::bench
